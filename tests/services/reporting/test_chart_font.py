"""The daily-summary chart draws Chinese on a machine with no Chinese font of its own: coord ships one
(coord/fonts, Noto Sans SC cut to GB 2312), found through matplotlib's font manager."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from matplotlib import font_manager
from matplotlib.figure import Figure

from coord.entrypoints import seed
from coord.i18n import catalog_files
from coord.services.reporting import report

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def no_chinese_font_of_its_own(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine as the README's pip command leaves it: matplotlib knows no Chinese font of the system."""
    system = [f for f in font_manager.fontManager.ttflist if f.name in report.CJK_FONT_NAMES]
    kept = [f for f in font_manager.fontManager.ttflist if f not in system]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", kept)
    report._cjk_fonts.cache_clear()
    yield
    report._cjk_fonts.cache_clear()


def chinese_text() -> str:
    """Every Chinese character coord writes: its translations and the demo community's names."""
    found: set[str] = set()
    for path in catalog_files("zh"):
        with path.open("rb") as handle:
            for message in read_po(handle):
                strings = message.string if isinstance(message.string, tuple | list) else [message.string]
                found.update(ch for s in strings for ch in CHINESE.findall(str(s or "")))
    found.update(CHINESE.findall(Path(seed.__file__).read_text(encoding="utf-8")))
    return "".join(sorted(found))


def test_the_shipped_font_draws_every_chinese_character_coord_writes(
    no_chinese_font_of_its_own: None,
) -> None:
    # Given only coord's own font
    assert report._cjk_fonts() == [report.BUNDLED_CJK_FAMILY]
    text = chinese_text()
    assert len(text) > 500
    # When the text is drawn as the chart draws its labels
    figure = Figure(figsize=(12, 40))
    lines = [text[i : i + 40] for i in range(0, len(text), 40)]
    import matplotlib

    with (
        matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": report._cjk_fonts()}),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        for row, line in enumerate(lines):
            figure.text(0.01, 1 - (row + 1) / (len(lines) + 1), line, fontsize=8)
        figure.savefig(io.BytesIO(), format="png")
    # Then no glyph is missing
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []


def test_a_character_outside_the_subset_is_reported_missing(no_chinese_font_of_its_own: None) -> None:
    # The check above can fail: a rare character (not in GB 2312) has no glyph in the subset
    import matplotlib

    with (
        matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": report._cjk_fonts()}),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        figure = Figure()
        figure.text(0.1, 0.5, "\u4dc0\u9fa5\U00020000")  # outside GB 2312
        figure.savefig(io.BytesIO(), format="png")
    assert any("missing from font" in str(w.message) for w in caught)
