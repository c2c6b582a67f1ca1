"""Runs a dialog table (tests/chat/dialogs.py) through the chat layer directly and checks every reply."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from coord.chat import Inbound, Reply, handle_safely, render_buttons, render_text
from tests.chat.dialogs import Dialog, Step
from tests.chat.scene import GROUP_CHAT, NETWORK, NEW_GROUP_CHAT, Scene


@dataclass
class Transcript:
    """What one step produced, rendered as the reader sees it."""

    step: Step
    here: list[str] = field(default_factory=list)
    direct: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "\n".join(self.here)


def inbound_for(step: Step, scene: Scene, language: str) -> Inbound:
    who = step.who
    person = scene.cast.get(who)
    text = step.say.format(**scene.values) if not step.press else None
    private = step.where == "private"
    return Inbound(
        network=NETWORK,
        user_id=f"u-{who}",
        display_name=person.name if person else "New Neighbour",
        chat_id=f"dm-{who}" if private else (NEW_GROUP_CHAT if step.where == "new_group" else GROUP_CHAT),
        is_private_chat=private,
        text=text,
        payload=step.press.format(**scene.values) if step.press else None,
        language_hint="zh-CN" if language == "zh" else "en-GB",
    )


def render(replies: list[Reply], step: Step) -> Transcript:
    transcript = Transcript(step)
    for reply in replies:
        text = render_text(reply)
        labels = " ".join(label for row in render_buttons(reply) for label, _ in row)
        (transcript.direct if reply.target == "direct" else transcript.here).append(
            f"{text}\n{labels}".strip()
        )
        transcript.payloads += reply.payloads
    return transcript


def run_dialog(
    dialog: Dialog, language: str, *, scene: Scene, session: Session, factory: sessionmaker[Session]
) -> list[Transcript]:
    """Play every step; fail at the first reply that does not match the table."""
    for person in scene.cast.values():
        person.language = language
    session.flush()
    now = scene.now
    transcripts = []
    for number, step in enumerate(dialog.steps, 1):
        now += timedelta(minutes=step.after)
        replies = handle_safely(inbound_for(step, scene, language), session_factory=factory, now=now)
        transcript = render(replies, step)
        check(transcript, language, scene, where=f"{dialog.name}, step {number} ({step.say or step.press!r})")
        transcripts.append(transcript)
    return transcripts


def check(transcript: Transcript, language: str, scene: Scene, *, where: str) -> None:
    step = transcript.step
    fill = scene.values
    if step.silent:
        assert not transcript.here and not transcript.direct, (
            f"{where}: expected no reply, got {transcript.here}"
        )
        return
    assert transcript.here or transcript.direct, f"{where}: no reply at all"
    here = transcript.text()
    for expected in step.en if language == "en" else step.zh:
        assert expected.format(**fill) in here, f"{where}: “{expected.format(**fill)}” not in:\n{here}"
    direct = "\n".join(transcript.direct)
    for expected in step.direct:
        assert expected.format(**fill) in direct, (
            f"{where}: “{expected}” not sent directly; direct:\n{direct}"
        )
    for secret in step.never:
        assert secret not in here, f"{where}: “{secret}” shown in the chat:\n{here}"
    for payload in step.buttons:
        assert payload.format(**fill) in transcript.payloads, (
            f"{where}: no button {payload}: {transcript.payloads}"
        )
    if step.keep:
        found = re.search(step.keep, f"{here}\n{direct}")
        assert found is not None, f"{where}: nothing like {step.keep!r} to keep in:\n{here}\n{direct}"
        fill.update(found.groupdict())
