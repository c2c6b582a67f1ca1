"""Every message in coord/, bots/ and workers/ has a Chinese translation with the same {placeholders}."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import coord
from coord.errors import CoordError
from coord.i18n import catalog_files, translate

PACKAGES = ("coord", "bots", "workers")


def _error_classes(base: type) -> set[str]:
    found = {base.__name__}
    for sub in base.__subclasses__():
        found |= _error_classes(sub)
    return found


#: Marked with N_(), or passed as the message id of a CoordError (or any subclass).
KEYWORDS: dict[str, tuple[int, ...] | None] = {name: None for name in {"N_", *_error_classes(CoordError)}}
KEYWORDS["translate_plural"] = (1, 2)  # singular and plural (coord.i18n); the singular is the key


def extracted() -> dict[str, str]:
    """msgid → where it is written, for every message in the project's packages."""
    project = Path(coord.__file__).parent.parent
    messages: dict[str, str] = {}
    for package in PACKAGES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(project / package), method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            text = message[0] if isinstance(message, tuple) else message
            if text:
                messages.setdefault(text, f"{package}/{filename}:{lineno}")
    return messages


def _first(text: object) -> str:
    return str(text[0]) if isinstance(text, tuple | list) else str(text)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def translations() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in catalog_files("zh"):
        with path.open("rb") as handle:
            found.update({_first(m.id): _first(m.string) for m in read_po(handle) if m.id and not m.fuzzy})
    return found


MESSAGES = extracted()
ZH = translations()


def test_the_code_has_messages_to_translate() -> None:
    # the extraction itself works: a few messages we know are there are found
    assert "There is no task #{task_id}. Check the number in the task list." in MESSAGES
    assert "gate duty" in MESSAGES and "Open tasks" in MESSAGES
    assert len(MESSAGES) > 300


@pytest.mark.parametrize("msgid", sorted(MESSAGES))
def test_every_message_has_a_chinese_translation(msgid: str) -> None:
    translated = ZH.get(msgid, "")
    assert translated.strip(), f"no Chinese for {msgid!r} ({MESSAGES[msgid]})"
    assert placeholders(translated) == placeholders(msgid), (
        f"placeholders differ for {msgid!r}: {translated!r}"
    )
    assert translate(msgid, "zh") == translated


def test_chinese_uses_the_words_of_the_articles() -> None:
    assert ZH["claim 12"] == "认领 12"
    assert "签到" in ZH["checkin 12 — you are at your post"]
    assert (
        ZH["gate duty"] == "卡口值守"
        and ZH["disinfection"] == "消杀"
        and ZH["doorstep delivery"] == "送货上门"
    )
    assert "改派" in ZH["reassign 12 — choose someone else for task 12"]
