"""Reading the times people type for new work: ``08:00-12:00``, ``tomorrow 8-12``, ``明天 18:00``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coord.chat.words import TODAY_WORDS, TOMORROW_WORDS
from coord.errors import InvalidInput
from coord.i18n import N_

_TIME = r"(\d{1,2})(?:[:：.点](\d{2})?)?(半)?"
_RANGE = re.compile(rf"^{_TIME}\s*(?:-|–|—|~|至|到)\s*{_TIME}$")
_SINGLE = re.compile(rf"^{_TIME}$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SHORT_DAY = re.compile(r"^(\d{1,2})[/月](\d{1,2})日?$")
DAY_AFTER = frozenset({"后天", "dayaftertomorrow"})


@dataclass(frozen=True)
class When:
    """A shift window (``starts_at``, ``ends_at``) or a deadline (``due_at``), in UTC."""

    starts_at: datetime | None = None
    ends_at: datetime | None = None
    due_at: datetime | None = None


def parse_when(text: str, *, now: datetime, zone: str, shift: bool) -> When:
    """A window (for shift work) or a deadline, read in the community's timezone."""
    tz = ZoneInfo(zone)
    words = text.replace("日", "日 ").split()
    day = now.astimezone(tz).date()
    if words and (given := _day(words[0], day)) is not None:
        day, words = given, words[1:]
    spec = "".join(words)
    if not spec:
        raise _bad()
    window = _RANGE.match(spec)
    if window:
        start = _clock(*window.groups()[:3])
        end = _clock(*window.groups()[3:])
        starts_at = datetime.combine(day, start, tzinfo=tz)
        ends_at = datetime.combine(day, end, tzinfo=tz)
        if ends_at <= starts_at:  # a night shift: 22:00-06:00 ends the next morning
            ends_at += timedelta(days=1)
        return When(starts_at=_utc(starts_at), ends_at=_utc(ends_at))
    single = _SINGLE.match(spec)
    if single is None:
        raise _bad()
    moment = datetime.combine(day, _clock(*single.groups()), tzinfo=tz)
    if shift:
        raise InvalidInput(N_("Shift work needs a start and an end, for example 08:00-12:00."))
    return When(due_at=_utc(moment))


def _day(word: str, today: date) -> date | None:
    lowered = word.lower()
    if lowered in TODAY_WORDS:
        return today
    if lowered in TOMORROW_WORDS:
        return today + timedelta(days=1)
    if lowered in DAY_AFTER:
        return today + timedelta(days=2)
    try:
        if match := _ISO_DAY.match(word):
            return date(*(int(g) for g in match.groups()))
        if match := _SHORT_DAY.match(word):
            candidate = date(today.year, int(match.group(1)), int(match.group(2)))
            return candidate if candidate >= today else candidate.replace(year=today.year + 1)
    except ValueError:
        raise _bad() from None
    return None


def _clock(hour: str | None, minute: str | None, half: str | None) -> time:
    h = int(hour or 0)
    m = 30 if half else int(minute or 0)
    if h == 24 and m == 0:
        return time(23, 59)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise _bad()
    return time(h, m)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo("UTC"))


def _bad() -> InvalidInput:
    return InvalidInput(
        N_("I could not read that time. Write it like 08:00-12:00, 18:00, or tomorrow 08:00-12:00.")
    )
