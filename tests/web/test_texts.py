"""Every text of the board's templates has a Chinese translation with the same {placeholders} (the project's
catalogue test reads Python files only)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from coord.i18n import translate
from coord.web import app

TEMPLATES = Path(app.__file__).parent / "templates"
CALLED = re.compile(r"""_\((["'])(.+?)\1""")


def template_texts() -> list[str]:
    found: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        found |= {match.group(2) for match in CALLED.finditer(path.read_text(encoding="utf-8"))}
    return sorted(found)


def test_the_templates_have_texts() -> None:
    assert {"Today", "Sign in", "Unfilled", "Plan of the compound"} <= set(template_texts())


@pytest.mark.parametrize("msgid", template_texts())
def test_every_template_text_has_chinese(msgid: str) -> None:
    chinese = translate(msgid, "zh")
    assert chinese != msgid, f"no Chinese for {msgid!r}"
    words = re.sub(r"\{\w+\}", "", chinese)
    assert not re.search(r"[A-Za-z]{3,}", words), f"English left in {chinese!r}"

    def names(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert names(chinese) == names(msgid)
