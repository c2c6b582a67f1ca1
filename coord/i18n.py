"""Translations: English message ids, Simplified Chinese from a gettext catalog.

Message ids are English text with ``{named}`` parameters. ``N_`` marks a string for
extraction (``pybabel extract -k N_ -k translate_plural:1,2``) without translating it where it is written.
Where English needs a plural ("1 row", "2 rows") ``translate_plural`` picks the form by the catalogue's
``Plural-Forms`` (Chinese has one form).
The catalogs are read with Babel straight from the ``.po`` files, so no compile step is needed: every
``*.po`` in a language's ``LC_MESSAGES`` folder is read (``coord.po`` for the core and the conversation,
one more per part such as ``telegram.po``), in name order.
"""

from __future__ import annotations

import functools
import gettext
import string
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
CATALOGS = {"zh": "zh_CN"}
DEFAULT_LANGUAGE = "en"


def N_(msgid: str) -> str:
    """Mark ``msgid`` for translation; return it unchanged."""
    return msgid


@functools.cache
def _catalog(language: str) -> dict[str, str]:
    messages: dict[str, str] = {}
    for path in catalog_files(language):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        messages.update(
            {_first(m.id): _first(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
        )
    return messages


def _first(text: object) -> str:
    """A message's text; of a plural one, its first form (``translate`` of a plural message id)."""
    return str(text[0]) if isinstance(text, tuple | list) else str(text)


@functools.cache
def _plural_catalog(language: str) -> dict[str, tuple[tuple[str, ...], Callable[[int], int]]]:
    """singular msgid → (the translated forms, which form a number takes)."""
    plurals: dict[str, tuple[tuple[str, ...], Callable[[int], int]]] = {}
    for path in catalog_files(language):
        with path.open("rb") as handle:
            catalog = read_po(handle)
        choose = gettext.c2py(catalog.plural_expr)
        for m in catalog:
            if m.pluralizable and not m.fuzzy and isinstance(m.string, tuple | list) and all(m.string):
                plurals[str(m.id[0])] = (tuple(str(s) for s in m.string), choose)
    return plurals


def add_messages(language: str, messages: dict[str, str]) -> None:
    """Translations that live in the database (a community's own kinds of work and their figures), added to
    ``language``'s catalog; a message id the catalog has already is left as it is."""
    catalog = _catalog(language)
    for msgid, text in messages.items():
        if msgid and text:
            catalog.setdefault(msgid, text)


def catalog_files(language: str) -> list[Path]:
    """The ``.po`` files of ``language``, in the order they are read."""
    folder = CATALOGS.get(language)
    if folder is None:
        return []
    return sorted((LOCALE_DIR / folder / "LC_MESSAGES").glob("*.po"))


class _Lenient(dict[str, Any]):
    """Leave an unknown ``{name}`` in place instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def translate(msgid: str, language: str | None = None, /, **params: Any) -> str:
    """The text of ``msgid`` in ``language`` (English when missing), with ``params`` filled in. A message
    whose catalogue entry has a plural (``msgid_plural``) takes the form its count asks for: the first of
    its ``{placeholders}`` whose value is a whole number ("The file has {count} problem" → "… 3 problems")."""
    if MOMENTS in params:  # moments a notification or an error carries, in the reader's language
        params = shown_moments(params, language or DEFAULT_LANGUAGE)
    plural = _english_plurals().get(msgid)
    if plural is not None:
        count = _count_of(msgid, params)
        if count is not None:
            return translate_plural(msgid, plural, count, language, **params)
    text = _catalog(language or DEFAULT_LANGUAGE).get(msgid, msgid)
    if not params:
        return text
    try:
        return text.format_map(_Lenient(params))
    except (ValueError, IndexError):
        return text


@functools.cache
def _english_plurals() -> dict[str, str]:
    """singular msgid → its English plural (``msgid_plural``), from every language's catalogues."""
    plurals: dict[str, str] = {}
    for language in CATALOGS:
        for path in catalog_files(language):
            with path.open("rb") as handle:
                plurals.update({str(m.id[0]): str(m.id[1]) for m in read_po(handle) if m.pluralizable})
    return plurals


def _count_of(msgid: str, params: dict[str, Any]) -> int | None:
    for _, name, _, _ in string.Formatter().parse(msgid):
        value = params.get(name) if name else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def translate_plural(
    singular: str, plural: str, n: int, language: str | None = None, /, **params: Any
) -> str:
    """The form of ``singular``/``plural`` that ``n`` takes in ``language``, with ``params`` filled in."""
    found = _plural_catalog(language or DEFAULT_LANGUAGE).get(singular)
    if found is None:
        text = singular if n == 1 else plural
    else:
        forms, choose = found
        text = forms[min(int(choose(n)), len(forms) - 1)]
    try:
        return text.format_map(_Lenient(params))
    except (ValueError, IndexError):
        return text


def normalise_language(value: str | None) -> str:
    """Map the many spellings of a language (``zh-Hans``, ``中文``, ``EN``) to ``en`` or ``zh``."""
    if not value:
        return DEFAULT_LANGUAGE
    value = value.strip().lower()
    if value.startswith("zh") or value in {"中文", "简体中文", "chinese", "cn"}:
        return "zh"
    return "en"


TRANSLATED = "_translated"
"""A parameter naming the other parameters whose values are message ids, translated for each reader."""

MOMENTS = "_moments"
"""A parameter naming the parameters that are moments (``moment_param``), shown in the reader's language."""

_LOCALES = {"en": "en_GB", "zh": "zh_Hans_CN"}
_DATE_TIME = {"en": "EEE d MMM HH:mm", "zh": "M月d日EEE HH:mm"}


def format_moment(at: datetime, zone: str, language: str, *, with_date: bool = True) -> str:
    """``at`` in ``zone``, as the reader's language writes it: ``Tue 3 Mar 16:00`` / ``3月3日周二 16:00``
    (``16:00`` alone without the date). The one format of every time a person is shown."""
    from babel.dates import format_datetime

    lang = language if language in _LOCALES else "en"
    pattern = _DATE_TIME[lang] if with_date else "HH:mm"
    return format_datetime(at, pattern, tzinfo=ZoneInfo(zone), locale=_LOCALES[lang])


def moment_param(at: datetime | None, zone: str, now: datetime) -> dict[str, Any] | str:
    """A moment stored in a notification's parameters (JSON), shown at delivery by ``format_moment`` in the
    reader's language: with its date unless it is ``now``'s day in ``zone``. ``—`` when there is none."""
    if at is None:
        return "—"
    tz = ZoneInfo(zone)
    return {
        "at": at.isoformat(),
        "zone": zone,
        "with_date": at.astimezone(tz).date() != now.astimezone(tz).date(),
    }


def shown_moments(params: dict[str, Any], language: str) -> dict[str, Any]:
    """``params`` with the moments ``MOMENTS`` names written in ``language`` (the marker itself removed)."""
    shown = dict(params)
    for key in shown.pop(MOMENTS, ()):
        value = shown.get(key)
        if isinstance(value, dict) and "at" in value:
            at = datetime.fromisoformat(value["at"])
            shown[key] = format_moment(at, value["zone"], language, with_date=value.get("with_date", True))
    return shown
