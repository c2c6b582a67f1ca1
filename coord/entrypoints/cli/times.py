"""Times on the command line are in the community's local time; the database keeps UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coord.errors import InvalidInput
from coord.i18n import N_

DATE_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S")
SHOWN = "%Y-%m-%d %H:%M"


def parse_local_time(value: str, *, timezone: str, now: datetime, day: date | None = None) -> datetime:
    """``2026-03-02 08:00``, or ``08:00`` on ``day`` (today by default), in ``timezone``; returned in UTC."""
    text = value.strip()
    zone = ZoneInfo(timezone)
    for pattern in DATE_TIME_FORMATS:
        try:
            local = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return local.replace(tzinfo=zone).astimezone(UTC)
    clock = parse_clock_time(text)
    on = day or now.astimezone(zone).date()
    return datetime.combine(on, clock, tzinfo=zone).astimezone(UTC)


def parse_clock_time(value: str) -> time:
    """``08:00`` as a time of day."""
    try:
        return datetime.strptime(value.strip(), "%H:%M").time()
    except ValueError:
        raise InvalidInput(
            N_("“{value}” is not a time: write it as 2026-03-02 08:00, or 08:00 for today."),
            value=value.strip()[:40],
        ) from None


def parse_day(value: str, *, timezone: str, now: datetime) -> date:
    """``2026-03-02``, ``today`` or ``tomorrow`` in ``timezone``."""
    text = value.strip().lower()
    today = now.astimezone(ZoneInfo(timezone)).date()
    if text in ("today", "今天"):
        return today
    if text in ("tomorrow", "明天"):
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            N_("“{value}” is not a date: write it as 2026-03-02, today or tomorrow."), value=text[:40]
        ) from None


def local_day(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The start and end (UTC) of the local day that contains ``now``."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(now.astimezone(zone).date(), time(0, 0), tzinfo=zone)
    end = datetime.combine(start.date() + timedelta(days=1), time(0, 0), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def show_time(moment: datetime | None, timezone: str) -> str:
    """``moment`` in local time, or an empty string."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(timezone)).strftime(SHOWN)


def show_window(start: datetime | None, end: datetime | None, due: datetime | None, timezone: str) -> str:
    """A shift as ``2026-03-02 08:00–12:00``, a deadline as ``by 2026-03-02 18:00``."""
    if start is not None:
        first = show_time(start, timezone)
        if end is None:
            return first
        last = show_time(end, timezone)
        return f"{first}–{last[11:] if last[:10] == first[:10] else last}"
    if due is not None:
        return "≤ " + show_time(due, timezone)
    return ""
