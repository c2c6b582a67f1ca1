"""Repeat rules (RFC 5545 RRULE bodies) for recurring work: parsed strictly, refused with a reason."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as Rule
from dateutil.rrule import rrulestr

from coord.errors import InvalidInput
from coord.i18n import N_

EXAMPLE = "FREQ=DAILY;BYHOUR=8,14,20;BYMINUTE=0"
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def parse_rule(body: str, starts_on: date, tz: ZoneInfo) -> Rule:
    """The RRULE ``body`` from ``starts_on`` 00:00, yielding naive wall-clock times of ``tz``."""
    text = rule_body(body)
    if len(text) > 255 or "\n" in text or "\r" in text:
        raise _bad_rule(body, "give one line of at most 255 characters")
    parts: dict[str, str] = {}
    for pair in filter(None, text.split(";")):
        key, sep, value = pair.partition("=")
        if not sep:
            raise _bad_rule(body, "each part must look like NAME=VALUE")
        parts[key.strip().upper()] = value.strip().upper()
    if "FREQ" not in parts:
        raise _bad_rule(body, "FREQ is missing, e.g. FREQ=DAILY")
    if parts.get("FREQ") in ("SECONDLY", "MINUTELY") or "BYSECOND" in parts:
        raise InvalidInput(
            N_("Recurring work repeats at most hourly; for every half hour write {example}."),
            example="FREQ=HOURLY;BYMINUTE=0,30",
        )
    for key in ("INTERVAL", "COUNT"):
        if key in parts and not (parts[key].isdigit() and int(parts[key]) >= 1):
            raise _bad_rule(body, f"{key} must be a whole number of at least 1")
    if parts.get("UNTIL", "").endswith("Z"):
        parts["UNTIL"] = _local_until(body, parts["UNTIL"], tz)
    try:
        rule = rrulestr(
            ";".join(f"{k}={v}" for k, v in parts.items()), dtstart=datetime.combine(starts_on, time())
        )
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise _bad_rule(body, str(error)) from None
    if not isinstance(rule, Rule):
        raise _bad_rule(body, "give a single RRULE")
    _check_days(body, parts)
    return rule


def rule_body(body: str) -> str:
    text = (body or "").strip()
    return text[len("RRULE:") :].strip() if text.upper().startswith("RRULE:") else text


def _bad_rule(body: str, reason: str) -> InvalidInput:
    return InvalidInput(
        N_("The repeat rule “{rule}” is not valid ({reason}). For example: {example}"),
        rule=(body or "")[:80],
        reason=reason[:100],
        example=EXAMPLE,
    )


def _local_until(body: str, value: str, tz: ZoneInfo) -> str:
    """An UNTIL given in UTC (``...Z``), as the wall-clock time the rule runs on."""
    try:
        moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise _bad_rule(body, "UNTIL must look like 20260331T235900Z") from None
    return moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")


_RANGES = {"BYMONTH": (1, 12), "BYMONTHDAY": (1, 31), "BYYEARDAY": (1, 366), "BYWEEKNO": (1, 53)}


def _check_days(body: str, parts: dict[str, str]) -> None:
    """Numbers out of range (dateutil drops some silently), and a day its months never have (30 February)."""
    numbers: dict[str, list[int]] = {}
    for key, (low, high) in _RANGES.items():
        if key in parts:
            numbers[key] = [int(n) for n in parts[key].split(",")]
            signed = key != "BYMONTH"  # days and weeks may count from the end, months may not
            if not all(low <= (abs(n) if signed else n) <= high for n in numbers[key]):
                raise _bad_rule(
                    body, f"{key} must be between {low} and {high}" + (" or negative" if signed else "")
                )
    months = numbers.get("BYMONTH", range(1, 13))
    days = [abs(d) for d in numbers.get("BYMONTHDAY", [1])]
    if not any(day <= _DAYS_IN_MONTH[month - 1] for month in months for day in days):
        raise _never(body)


def check_happens(rule: Rule, body: str) -> None:
    # Slow (seconds) only for a rule that never matches, which is then refused once and for all.
    if next(iter(rule), None) is None:
        raise _never(body)


def _never(body: str) -> InvalidInput:
    return InvalidInput(
        N_("The repeat rule “{rule}” never happens: check its days, months, COUNT and UNTIL."), rule=body[:80]
    )
