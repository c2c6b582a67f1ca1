"""From what a person typed or pressed to a ``Command``: never raises, whatever the input."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from coord import payloads
from coord.chat.words import ALIASES, CHINESE_PREFIXES, COMMANDS

MAX_TEXT = 4000
_ID = re.compile(r"#?(\d{1,12})", re.ASCII)
_GLUED = re.compile(r"#?\d{1,12}", re.ASCII)
_OPTION = re.compile(r"^([^\s=]{1,40})=(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Command:
    """A parsed input: the command's name, its words, its ``key=value`` options and the raw rest."""

    name: str  # a command of words.COMMANDS, "unknown", "empty" or "answer" (a guided flow's answer)
    args: tuple[str, ...] = ()  # folded for reading (full-width digits and letters become ASCII)
    options: Mapping[str, str] = field(default_factory=dict)
    rest: str = ""  # everything after the command word, as typed (a reason, a title, a message)
    raw: str = ""  # the whole input as typed (only control characters removed)
    explicit: bool = False  # typed with "/" or "!", or pressed as a button: certainly meant for the bot
    button: bool = False
    typed: tuple[str, ...] = ()  # ``args`` as typed, for free text: a title keeps its （，。！）

    @property
    def as_typed(self) -> tuple[str, ...]:
        """``args`` as typed (a command built in code, without ``typed``: ``args`` themselves)."""
        return self.typed if len(self.typed) == len(self.args) else self.args

    def text_from(self, index: int) -> str:
        """The arguments from ``index`` on, as typed: a title, a reason, a note."""
        return " ".join(self.as_typed[index:])

    @property
    def known(self) -> bool:
        return self.name not in ("unknown", "empty", "answer")

    @property
    def reads_only(self) -> bool:
        """Answering it changes no work, so nothing a task card shows can have changed."""
        verb = COMMANDS.get(self.name)
        return self.name == "empty" or (verb is not None and verb.reads_only)

    @property
    def addressed(self) -> bool:
        """Certainly meant for the bot, even in a group: a prefix, a button, or a command word alone or
        followed by a task number (``claim 12``), not a sentence that happens to start with one."""
        if self.explicit:
            return True
        if self.name == "stop":
            return False  # "算了" in a group is talk among people unless a guided flow is waiting for it
        return self.known and (not self.args or task_id(self.args[0]) is not None)


def clean(text: str) -> str:
    """Text safe to store and show, as typed: composed (NFC), no control characters. Full-width
    punctuation stays: a title or a reason keeps its （，。！）; ``fold`` is for reading words and numbers."""
    text = unicodedata.normalize("NFC", text[: MAX_TEXT * 2])
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs", "Cf", "Co", "Cn"))
    return "".join(kept)[:MAX_TEXT].strip()


def fold(text: str) -> str:
    """Text for reading command words, numbers, times and options: full-width forms become ASCII (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def parse(text: str | None) -> Command:
    """The command in ``text``: ``/claim 12``, ``claim 12``, ``!claim 12``, ``认领 12`` or ``认领12``."""
    raw = clean(text or "")
    if not raw:
        return Command("empty", raw=raw)
    explicit = fold(raw[0]) in ("/", "!")
    body = raw[1:].lstrip() if explicit else raw
    typed_head, rest = _first_word(body)
    head = fold(typed_head)
    word = head.split("@", 1)[0].lower() if explicit else head.lower()  # Telegram: /claim@coord_bot
    name = ALIASES.get(word)
    if name is None:
        # "认领12": a Chinese command glued to a task number (not to other words: "今天天气不错" is chatter)
        prefix = next(
            (p for p in CHINESE_PREFIXES if _GLUED.fullmatch(head[len(p) :]) and head.startswith(p)), None
        )
        if prefix is None:
            return Command("unknown", raw=raw, rest=raw, explicit=explicit)
        name, rest = ALIASES[prefix], head[len(prefix) :] + " " + rest
    return _command(name, rest.strip(), raw=raw, explicit=explicit)


def _first_word(body: str) -> tuple[str, str]:
    parts = body.split(None, 1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def _command(name: str, rest: str, *, raw: str, explicit: bool) -> Command:
    options = {}
    args, typed = [], []
    for as_typed in rest.split():
        word = fold(as_typed)
        match = _OPTION.match(word)
        if match and match.group(2):
            options[match.group(1).lower()] = match.group(2)
        else:
            args.append(word)
            typed.append(as_typed)
    if name == "tasks" and len(args) == 1 and task_id(args[0]) is not None and not options:
        name = "task"  # "任务 12": the card of task 12
    elif name == "task" and not args:
        name = "tasks"
    elif name == "cancel" and not args:
        name = "stop"  # "cancel" alone leaves a guided conversation
    return Command(name, tuple(args), options, rest=rest, raw=raw, explicit=explicit, typed=tuple(typed))


def parse_payload(payload: str | None) -> Command:
    """The command behind a pressed button; an unknown or damaged payload is ``unknown``."""
    raw = clean(payload or "")[: payloads.MAX_BYTES]
    decoded = payloads.decode(raw)
    if decoded is None:
        return Command("unknown", raw=raw, explicit=True, button=True)
    name, args, options = decoded
    return Command(name, args, options, rest=" ".join(args), raw=raw, explicit=True, button=True)


def task_id(word: str | None) -> int | None:
    """The task number in ``12`` or ``#12``; None when it is not one."""
    match = _ID.fullmatch((word or "").strip())
    if match is None:
        return None
    number = int(match.group(1))
    return number if 0 < number < 2**31 else None
