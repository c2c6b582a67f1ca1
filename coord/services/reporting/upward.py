"""The upward report: the figures a community office sends the street office every day, in the form
the articles quote them (户部巷 by day 33: 406 buildings and 25,600 household-disinfections, 1,622
parcels, 620 heavy items, 900+ health-code checks; 安国路: 234 returnee households registered), for the
day and since the start.

A day is the summary's period (the 24 hours to the community's summary time); since the start counts
from the community's start date (``summary.since_start``). Each figure sums done work's figures
(``counts``), so it agrees with the daily summary:
- buildings disinfected, household-disinfections: a disinfection's ``buildings`` and ``households``;
- parcels: a delivery's ``items``, and any kind's ``parcels``; heavy items: any kind's ``heavy_items``;
- health-code checks and people checked: a gate shift's ``health_codes`` and ``people_checked``;
- returnee households registered: households put on the watch list (a colour where there was none);
- calls made: completed check-in calls and follow-ups (each person's call once);
- tasks done and people's completions, as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.i18n import N_, translate
from coord.kinds import CALL_KINDS
from coord.models import Community, Event
from coord.services.people.access import Actor, require_coordinator
from coord.services.reporting.counts import WorkCount, tidy, work_done
from coord.services.reporting.summary import period_of, since_start, start_day

#: (key, label, (kind or "*", figure) pairs summed)
FIGURES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("buildings_disinfected", N_("buildings disinfected"), (("disinfection", "buildings"),)),
    ("household_disinfections", N_("household-disinfections"), (("disinfection", "households"),)),
    ("parcels", N_("parcels delivered"), (("delivery", "items"), ("*", "parcels"))),
    ("heavy_items", N_("heavy items carried"), (("*", "heavy_items"),)),
    ("health_codes", N_("health-code checks"), (("gate_shift", "health_codes"),)),
    ("people_checked", N_("people checked at the gates"), (("gate_shift", "people_checked"),)),
)
RETURNEES = N_("returnee households registered")
CALLS = N_("calls made")
TASKS = N_("tasks done")
COMPLETIONS = N_("people's completions")


@dataclass(frozen=True)
class UpwardLine:
    key: str
    label: str  # a message id
    today: int | float
    total: int | float


@dataclass(frozen=True)
class UpwardReport:
    community: str
    day: date
    days_running: int
    lines: tuple[UpwardLine, ...]


def upward_report(
    session: Session, *, actor: Actor, community: Community, day: date, now: datetime
) -> UpwardReport:
    """The office's figures for ``day`` (so far, if it is not over) and since the start; coordinators only."""
    require_coordinator(session, actor, community.id)
    start, end = period_of(community, day)
    until = min(end, now)
    today = _figures(session, community, start, until)
    total = _figures(session, community, since_start(session, community), until)
    first = start_day(session, community)
    lines = tuple(UpwardLine(key, label, today[key], total[key]) for key, label in _labels())
    return UpwardReport(community.name, day, max((day - first).days + 1, 0) if first else 0, lines)


def _labels() -> list[tuple[str, str]]:
    return [
        ("tasks", TASKS),
        ("completions", COMPLETIONS),
        *((key, label) for key, label, _ in FIGURES),
        ("returnees", RETURNEES),
        ("calls", CALLS),
    ]


def _figures(
    session: Session, community: Community, since: datetime | None, until: datetime
) -> dict[str, int | float]:
    counts = work_done(session, community.id, since=since, until=until)
    values: dict[str, int | float] = {
        "tasks": sum(c.tasks for c in counts.values()),
        "completions": sum(c.completions for c in counts.values()),
        "calls": sum(c.completions for (kind, _), c in counts.items() if kind in CALL_KINDS),
        "returnees": _returnees(session, community.id, since, until),
    }
    for key, _label, sources in FIGURES:
        values[key] = tidy(sum(_sum(counts, kind, name) for kind, name in sources))
    return values


def _sum(counts: dict[tuple[str, int | None], WorkCount], kind: str, name: str) -> float:
    return sum(float(c.figures.get(name, 0)) for (of_kind, _), c in counts.items() if kind in ("*", of_kind))


def _returnees(session: Session, community_id: int, since: datetime | None, until: datetime) -> int:
    """Households put on the watch list in the period (each once)."""
    query = select(func.count(func.distinct(Event.data["household_id"].as_integer()))).where(
        Event.community_id == community_id,
        Event.action == "watch_colour_set",
        Event.data["old"].as_string().is_(None),
        Event.data["new"].as_string().is_not(None),
        Event.at < until,
    )
    if since is not None:
        query = query.where(Event.at >= since)
    return int(session.scalar(query) or 0)


def upward_text(report: UpwardReport, language: str) -> str:
    """The report as the office sends it: one line per figure, today and since the start."""
    lines = [
        translate(
            N_("Report to the street office — {community}, {day} (day {days})"),
            language,
            community=report.community,
            day=report.day.isoformat(),
            days=report.days_running,
        )
    ]
    for line in report.lines:
        lines.append(
            "• "
            + translate(
                N_("{figure}: {today} today, {total} since the start"),
                language,
                figure=translate(line.label, language),
                today=line.today,
                total=line.total,
            )
        )
    return "\n".join(lines)


def upward_rows(report: UpwardReport, language: str) -> list[list[Any]]:
    """The report as rows for CSV and XLSX: figure, the day, since the start."""
    header = [
        translate(N_("figure"), language),
        report.day.isoformat(),
        translate(N_("since the start"), language),
    ]
    return [header, *([translate(line.label, language), line.today, line.total] for line in report.lines)]
