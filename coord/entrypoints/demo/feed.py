"""The live feed: what people say to the bot and what the workers send, one simulated moment at a time.

Each line is a simulated time, a tag (claim, check-in, reminder, no-show, escalation, …), who speaks and
what; the bot's answer follows on its own line. Routine lines of one kind are shown two at a time and
counted after that; the story's tasks and every alert are always shown in full. Nothing read from the
database is taken as rich markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.cells import cell_len
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from coord.chat import render_text
from coord.entrypoints.demo import messages as tags
from coord.entrypoints.demo.messages import Delivered
from coord.entrypoints.demo.story import Note
from coord.entrypoints.demo.voices import Said
from coord.entrypoints.demo.world import Cast
from coord.i18n import N_, translate

STYLES = {
    tags.CLAIM: "green",
    tags.CHECK_IN: "cyan",
    tags.DONE: "bold green",
    tags.REMINDER: "yellow",
    tags.NO_SHOW: "bold red",
    tags.ESCALATION: "magenta",
    tags.REASSIGN: "bold blue",
    tags.URGENT: "bold red",
    tags.PRIVATE: "dim",
    tags.ROSTER: "cyan",
    tags.ALERT: "bold red",
    tags.SUMMARY: "bold",
    tags.MESSAGE: "default",
    tags.FIGURES: "default",
}
BY_COMMAND = {
    "claim": tags.CLAIM,
    "checkin": tags.CHECK_IN,
    "done": tags.DONE,
    "reassign": tags.REASSIGN,
    "announce": tags.MESSAGE,
    "today": tags.FIGURES,
}
ALWAYS_SHOWN = {tags.NO_SHOW, tags.ALERT, tags.URGENT, tags.SUMMARY, tags.REASSIGN}
ROUTINE_SHOWN = 2  # lines of one routine kind shown per moment before the rest are counted
PIPE_WIDTH = 220
MOST_ANSWERS = (
    2  # the bot's answers shown under a line  # the width of a line when the feed goes to a file or a pipe
)


@dataclass(frozen=True)
class Entry:
    tag: str
    who: str
    text: str
    answers: tuple[tuple[str, bool], ...] = ()  # the bot's answers: text, and whether it went privately
    featured: bool = False


class Feed:
    def __init__(self, console: Console, *, language: str, cast: Cast, featured: set[int]) -> None:
        self.console = console
        self.language = language
        self.cast = cast
        self.featured = featured
        self.zone = ZoneInfo(cast.timezone)
        self.width = console.width if console.is_terminal else PIPE_WIDTH
        self.tag_width = max(cell_len(self.t(tag)) for tag in STYLES) + 1
        self.counts: Counter[str] = Counter()

    def t(self, msgid: str, **params: object) -> str:
        return translate(msgid, self.language, **params)

    def rule(self, msgid: str, **params: object) -> None:
        self.console.print(Rule(Text(self.t(msgid, **params)), style="dim"))

    def say(self, msgid: str, **params: object) -> None:
        self.console.print(Text(self.t(msgid, **params)), soft_wrap=True)

    def plain(self, text: str) -> None:
        self.console.print(Text(text), soft_wrap=True)

    def moment(
        self, at: datetime, said: Sequence[Said], sent: Sequence[Delivered], notes: Sequence[Note]
    ) -> None:
        """Print what happened at ``at``: chat first, then the workers' messages, then the story's notes."""
        entries = [self._said(s) for s in said] + [self._sent(d) for d in sent]
        entries += [Entry(n.tag, "", self.t(n.key, **n.params), featured=True) for n in notes]
        shown: Counter[str] = Counter()
        hidden: Counter[str] = Counter()
        for entry in entries:
            self.counts[entry.tag] += 1
            if entry.featured or entry.tag in ALWAYS_SHOWN or shown[entry.tag] < ROUTINE_SHOWN:
                shown[entry.tag] += 0 if entry.featured else 1
                self._print(at, entry)
            else:
                hidden[entry.tag] += 1
        for tag, count in hidden.items():
            more = Entry(tag, "", self.t(N_("… and {count} more like this"), count=count))
            self._print(at, more, dim=True)

    def _said(self, said: Said) -> Entry:
        if said.team_id is None:
            who = self.t(N_("{name} to the bot"), name=said.person.name)
        else:
            who = self.t(N_("{name} in {team}'s group"), name=said.person.name, team=self._team(said.team_id))
        text = self.t(N_("pressed “{label}”"), label=said.text) if said.pressed else f"“{said.text}”"
        answers = tuple(
            (_one_line(render_text(reply, self.language)), reply.target == "direct")
            for reply in said.replies[:MOST_ANSWERS]
        )
        tag = BY_COMMAND.get(said.command, tags.MESSAGE)
        return Entry(tag, who, text, answers, featured=said.task_id in self.featured)

    def _sent(self, delivered: Delivered) -> Entry:
        message = delivered.message
        team_id = self.cast.team_of_chat(message.chat_id)
        if team_id is not None:
            who = self.t(N_("bot to {team}'s group"), team=self._team(team_id))
        else:
            person = self.cast.person_of_chat(message.chat_id)
            who = self.t(N_("bot to {name}"), name=person.name if person else message.chat_id)
        text = _first_line(message.text)
        if delivered.private:
            text = "🔒 " + text
        return Entry(delivered.tag, who, text, featured=delivered.task_id in self.featured)

    def _team(self, team_id: int) -> str:
        return self.cast.teams.get(team_id, str(team_id))

    def _print(self, at: datetime, entry: Entry, *, dim: bool = False) -> None:
        line = Text(at.astimezone(self.zone).strftime("%H:%M") + "  ", style="dim")
        label = self.t(entry.tag)
        line.append(label + " " * (self.tag_width - cell_len(label)), style=STYLES.get(entry.tag, "default"))
        if entry.who:
            line.append(entry.who + ": ", style="bold")
        line.append(entry.text, style="dim" if dim else "")
        self._emit(line)
        for text, private in entry.answers:
            answer = Text(" " * (7 + self.tag_width) + "↳ ", style="dim")
            if private:
                answer.append("🔒 " + self.t(N_("privately")) + ": ", style="dim")
            answer.append(text, style="italic")
            self._emit(answer)

    def _emit(self, line: Text) -> None:
        line.truncate(self.width, overflow="ellipsis")
        self.console.print(line, soft_wrap=True)


def _first_line(text: str) -> str:
    return next((part.strip() for part in text.splitlines() if part.strip()), "")


def _one_line(text: str) -> str:
    """Every line of a reply, joined: its figures and lists read on one line."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())
