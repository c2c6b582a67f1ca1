"""Everything one command needs: the session, the moment, who is speaking, where, and in which language."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coord.chat.labels import BY_PARAMETER
from coord.chat.parse import task_id
from coord.chat.port import Button, Inbound, Joined, Moment, Phrase, Reply, Target
from coord.errors import CoordError, InvalidInput
from coord.i18n import N_
from coord.models import Community, Conversation, Person
from coord.services.people.access import Actor
from coord.services.people.directory import Roles, roles_of
from coord.services.work.rules import ShownWindow

T = TypeVar("T")

Buttons = Sequence[Sequence[Button]]


@dataclass
class Context:
    """A registered person speaking in one chat at one moment."""

    session: Session
    inbound: Inbound
    now: datetime
    person: Person
    community: Community
    conversation: Conversation | None = None  # a guided conversation under way in this chat
    direct_chat_id: str | None = None  # the person's direct chat with the bot, when known

    @property
    def language(self) -> str:
        return self.person.language if self.person.language in ("en", "zh") else "en"

    @property
    def actor(self) -> Actor:
        return Actor(self.person, self.inbound.network[:20])

    @property
    def zone(self) -> str:
        return self.community.timezone

    @property
    def in_group(self) -> bool:
        return not self.inbound.is_private_chat

    @functools.cached_property
    def roles(self) -> Roles:
        return roles_of(self.session, self.person)

    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.zone)).date()

    def moment(self, at: datetime, *, with_date: bool = True) -> Moment:
        return Moment(at, self.zone, with_date)

    def say(self, key: str, *, buttons: Buttons = (), target: Target = "here", **params: Any) -> Reply:
        rows = tuple(tuple(row) for row in buttons if row)
        to_chat = self.direct_chat_id if target == "direct" else None
        return Reply(key, params, rows, target=target, language=self.language, direct_chat_id=to_chat)

    def error(self, err: CoordError, *, buttons: Buttons = ()) -> Reply:
        return self.say(err.msgid, buttons=buttons, **error_params(err, self.language))

    def attempt(self, action: Callable[[], T]) -> T:
        """Run a service call in a savepoint: on a refusal nothing it wrote is kept; the error is raised."""
        with self.session.begin_nested():
            return action()


def error_params(err: CoordError, language: str = "en") -> dict[str, Any]:
    """An error's parameters, each one translatable: the core passes some message ids as values, and
    names kinds, figures and states by their short names, which are shown by their labels. The list of
    what is ``known`` (kinds, figures) reads as their labels where English names would be out of place."""
    params: dict[str, Any] = {}
    for key, value in err.params.items():
        if key == "known" and isinstance(value, str) and language != "en":
            value = _labelled(value)
        elif isinstance(value, ShownWindow):  # as the rest of a reply shows dates: 12月7日周一 10:00–14:00
            start = Moment(value.starts_at, value.zone, value.dated)
            value = Joined((start, Moment(value.ends_at, value.zone, value.end_dated)), separator="–")
        elif isinstance(value, str):
            value = Phrase(BY_PARAMETER.get(key, {}).get(value, value))
        params[key] = value
    return params


def _labelled(names: str) -> Any:
    """``gate_shift, delivery`` as the labels of those kinds (or figures), when every name is one."""
    items = [name.strip() for name in names.split(",")]
    for labels in (BY_PARAMETER["kind"], BY_PARAMETER["figure"]):
        if all(item in labels for item in items):
            return Joined(tuple(Phrase(labels[item]) for item in items))
    return names


def rows(buttons: Iterable[Button], width: int = 2) -> list[list[Button]]:
    """Lay buttons out ``width`` to a row."""
    laid: list[list[Button]] = []
    for button in buttons:
        if not laid or len(laid[-1]) >= width:
            laid.append([])
        laid[-1].append(button)
    return laid


def task_arg(word: str | None, example: str) -> int:
    """The task number in ``word``, or a refusal that shows an ``example`` of the command."""
    number = task_id(word)
    if number is None:
        raise InvalidInput(N_("Which task? Send its number, for example “{example}”."), example=example)
    return number
