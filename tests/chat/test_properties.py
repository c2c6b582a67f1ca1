"""Random text and random payloads: nothing raises, every input gets a reply, and nothing changes.

Each example runs through ``handle_safely`` exactly as an adapter calls it, inside a savepoint of the
test's transaction that is rolled back afterwards, so examples do not see each other's effects.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from coord.chat import Inbound, Reply, handle_safely, parse, parse_payload, render_buttons, render_text
from coord.chat.handler import HANDLERS, something_went_wrong
from coord.chat.words import ALIASES
from coord.models import Assignment, Event, Invite, Notification, Task
from tests.chat.scene import GROUP_CHAT, NETWORK, Scene

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
WORDS = sorted(ALIASES)
PREFIXES = [
    "c",
    "t",
    "i",
    "d",
    "rl",
    "x",
    "r",
    "ra",
    "rf",
    "ns",
    "k",
    "p",
    "l",
    "h",
    "b",
    "iv",
    "v",
    "m",
    "s",
    "?",
    "tm",
]

random_text = st.text(max_size=300)
command_with_junk = st.builds(
    lambda prefix, word, junk: f"{prefix}{word} {junk}",
    st.sampled_from(["", "/", "!"]),
    st.sampled_from(WORDS),
    st.text(max_size=60),
)
random_payload = st.text(max_size=64)
payload_with_junk = st.builds(
    lambda head, junk: f"{head}:{junk}"[:64],
    st.sampled_from(PREFIXES),
    st.text(alphabet="0123456789:-ax#", max_size=30),
)


def counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (Task, Assignment, Event, Notification, Invite)
    )


@contextmanager
def rolled_back(session: Session) -> Iterator[None]:
    savepoint = session.connection().begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()


def inbound(who: str, *, text: str | None = None, payload: str | None = None, group: bool = False) -> Inbound:
    return Inbound(
        network=NETWORK,
        user_id=f"u-{who}",
        display_name="Someone",
        chat_id=GROUP_CHAT if group else f"dm-{who}",
        is_private_chat=not group,
        text=text,
        payload=payload,
        language_hint="zh-CN",
    )


def assert_sound(replies: list[Reply]) -> None:
    """No reply says an internal error happened, and every reply renders in both languages."""
    for reply in replies:
        assert reply.key != GENERIC.key, "the handler failed on this input (see the log)"
        for language in ("en", "zh"):
            assert render_text(reply, language)
            render_buttons(reply, language)


ROLES = ["stranger", "volunteer", "captain"]
GENERIC = something_went_wrong(inbound("stranger", text=""))


@pytest.mark.parametrize("who", ROLES)
@SETTINGS
@given(text=random_text, group=st.booleans())
def test_random_text_changes_nothing(
    who: str, text: str, group: bool, session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    with rolled_back(session):
        before = counts(session)
        replies = handle_safely(
            inbound(who, text=text, group=group), session_factory=chat_factory, now=scene.now
        )
        assert counts(session) == before
    assert_sound(replies)
    if not group or parse(text).addressed:
        assert replies, f"no reply to {text!r}"


@pytest.mark.parametrize("who", ROLES)
@SETTINGS
@given(payload=random_payload, group=st.booleans())
def test_random_payloads_change_nothing(
    who: str, payload: str, group: bool, session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    with rolled_back(session):
        before = counts(session)
        replies = handle_safely(
            inbound(who, payload=payload, group=group), session_factory=chat_factory, now=scene.now
        )
        after = counts(session)
    # Random text can spell a real button ("h:n" declares health, "c:1" claims task 1): that one may act.
    assert after == before or parse_payload(payload).name != "unknown", f"{payload!r} changed something"
    assert_sound(replies)
    assert replies, f"no reply to the button {payload!r}"


@pytest.mark.parametrize("who", ROLES)
@SETTINGS
@given(text=command_with_junk, payload=payload_with_junk)
def test_commands_with_junk_arguments_never_fail(
    who: str, text: str, payload: str, session: Session, scene: Scene, chat_factory: sessionmaker[Session]
) -> None:
    for message in (
        inbound(who, text=text),
        inbound(who, payload=payload),
        inbound(who, text=text, group=True),
    ):
        with rolled_back(session):
            replies = handle_safely(message, session_factory=chat_factory, now=scene.now)
        assert_sound(replies)
        addressed = message.is_private_chat or message.payload is not None or parse(text).addressed
        assert replies or not addressed, f"no reply to {message}"


@given(text=st.one_of(random_text, command_with_junk), payload=st.one_of(random_payload, payload_with_junk))
def test_parsing_never_raises(text: str, payload: str) -> None:
    for command in (parse(text), parse_payload(payload)):
        assert command.name in HANDLERS or command.name == "stop"
        assert len(command.raw) <= 4000
