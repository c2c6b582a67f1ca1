"""The simulated people speak through the conversation layer, exactly as a chat network's adapter would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from coord.chat import ChatStore, Inbound, Reply, handle_safely, parse, parse_payload
from coord.clock import FrozenClock
from coord.entrypoints.demo.world import NETWORK, Cast, Member
from coord.i18n import translate


@dataclass(frozen=True)
class Said:
    """Something a person typed or pressed, where, and what the bot answered."""

    at: datetime
    person: Member
    team_id: int | None  # the group chat it was said in; None: the person's direct chat
    text: str  # what was typed, or the label of the button pressed
    command: str  # the command it was read as (claim, checkin, ...)
    replies: tuple[Reply, ...]
    pressed: bool = False
    task_id: int | None = None


class Voices:
    """Sends what simulated people type or press to ``handle_safely`` at the simulated moment."""

    def __init__(self, factory: sessionmaker[Session], cast: Cast, clock: FrozenClock, language: str) -> None:
        self.factory = factory
        self.cast = cast
        self.clock = clock
        self.language = language
        self.said: list[Said] = []

    def type(
        self, person: Member, text: str, *, team_id: int | None = None, task_id: int | None = None
    ) -> Said:
        """``person`` sends ``text`` in their direct chat, or in a team's group chat."""
        return self._send(person, team_id, text, None, parse(text).name, task_id)

    def press(
        self,
        person: Member,
        payload: str,
        label: str,
        *,
        team_id: int | None = None,
        task_id: int | None = None,
    ) -> Said:
        """``person`` presses a button whose payload is ``payload`` (shown as ``label``)."""
        return self._send(person, team_id, label, payload, parse_payload(payload).name, task_id)

    def _send(
        self,
        person: Member,
        team_id: int | None,
        text: str,
        payload: str | None,
        command: str,
        task_id: int | None,
    ) -> Said:
        inbound = Inbound(
            network=NETWORK,
            user_id=person.user_id,
            display_name=person.name,
            chat_id=Cast.group_chat(team_id) if team_id is not None else person.direct_chat,
            is_private_chat=team_id is None,
            text=None if payload is not None else text,
            payload=payload,
            language_hint=self.language,
        )
        now = self.clock.now()
        replies = handle_safely(inbound, session_factory=self.factory, now=now)
        for reply in replies:  # shown in the feed: an outbox copy a reply carried is not sent again
            ChatStore(self.factory).reply_sent(reply, now=now)
        said = Said(now, person, team_id, text, command, tuple(replies), payload is not None, task_id)
        self.said.append(said)
        return said

    def translate(self, msgid: str, **params: object) -> str:
        """Words a simulated person writes, in the demo's language."""
        return translate(msgid, self.language, **params)

    def take(self) -> list[Said]:
        """What was said since the last call."""
        said, self.said = self.said, []
        return said
