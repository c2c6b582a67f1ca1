"""Benchmark: the daily summary over 1,000,000 assignments on PostgreSQL (target: under 2 s).

Three months of work by 2,400 volunteers in eight teams: 400,000 tasks of every kind and 1,000,000
assignments (mostly done with their figures, some no-shows, releases and open claims), generated in
the database with one INSERT ... SELECT each. Then ``compute_summary`` (today's figures per kind and
team, hours served, what fell through, and running totals since the start) is timed, and the renderings
of its result. "Daily run" is the real daily job: yesterday's summary is stored, so the running totals
carry on from it and only the last 24 hours are read; "counted afresh" is the first summary of a
community (or one after a missed day), which reads every assignment.
Run: ``python -m bench.summary [--db postgresql|sqlite|both] [--assignments 1000000]``.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bench.common import (
    Stopwatch,
    add_database_options,
    analyze,
    build_population,
    each_database,
    median_seconds,
    open_database,
    print_table,
)
from coord.clock import utcnow
from coord.models import Assignment, Community, DailySummary
from coord.services.reporting.report import summary_chart, summary_csv, summary_text, summary_xlsx
from coord.services.reporting.summary import compute_summary, period_of

KINDS = [
    "delivery",
    "purchase",
    "gate_shift",
    "disinfection",
    "patrol",
    "screening",
    "checkin_call",
    "outreach",
]
SHIFTS = ("gate_shift", "disinfection", "patrol")
FIGURES = {
    "delivery": {"households": "1 + g % 5", "items": "g % 30"},
    "purchase": {"orders": "1 + g % 4", "households": "1 + g % 3"},
    "gate_shift": {"people_checked": "50 + g % 200", "temperatures": "40 + g % 150", "turned_away": "g % 4"},
    "disinfection": {"buildings": "1 + g % 3", "floors": "g % 20", "litres": "(g % 50) / 10.0"},
    "patrol": {"issues_found": "g % 3"},
    "screening": {"households_visited": "5 + g % 40", "people_registered": "g % 10"},
    "checkin_call": {"reached": "g % 9 <> 0", "temperature": "36 + (g % 10) / 10.0"},
    "outreach": {"flyers": "20 + g % 100", "households": "10 + g % 50"},
}


def _figures_sql(dialect: str) -> str:
    """A CASE over the task's kind building the figures JSON of a done assignment."""
    build = "json_build_object" if dialect == "postgresql" else "json_object"
    cases = []
    for kind, figures in FIGURES.items():
        pairs = ", ".join(f"'{name}', {expression}" for name, expression in figures.items())
        cases.append(f"WHEN '{kind}' THEN {build}({pairs})")
    return f"CASE t.kind {' '.join(cases)} END"


def generate(
    engine: Any, community_id: int, team_ids: list[int], people: list[int], *, tasks: int, assignments: int
) -> None:
    """Tasks and assignments, made inside the database."""
    dialect = engine.dialect.name
    kinds = ", ".join(f"'{k}'" for k in KINDS)
    now = utcnow().replace(microsecond=0)
    span = 90 * 24 * 3600 // tasks  # seconds between two tasks: three months in all
    if dialect == "postgresql":
        series = "generate_series(1, {n}) AS s(g)"
        ago = "(TIMESTAMPTZ '{now}' - make_interval(secs => g * {span}))"
        plus = "({t} + make_interval(mins => {m}))"
        pick = f"(ARRAY[{kinds}])[1 + g % 8]"
        teams = f"(ARRAY[{', '.join(map(str, team_ids))}])[1 + g % {len(team_ids)}]"
        person = f"(ARRAY[{', '.join(map(str, people))}])[1 + g % {len(people)}]"
    else:
        series = (
            "(WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {n}) SELECT g FROM s)"
        )
        ago = "datetime('{naive}', '-' || (g * {span}) || ' seconds')"
        plus = "datetime({t}, '{m:+d} minutes')"
        pick = f"json_extract('[{kinds.replace(chr(39), chr(34))}]', '$[' || (g % 8) || ']')"
        teams = f"json_extract('{team_ids}', '$[' || (g % {len(team_ids)}) || ']')"
        person = f"json_extract('{people}', '$[' || (g % {len(people)}) || ']')"
    when = ago.format(now=now.isoformat(), naive=now.replace(tzinfo=None).isoformat(" "), span=span)
    shift = f"k IN ({', '.join(repr(s) for s in SHIFTS)})"
    task_sql = f"""
        INSERT INTO task (community_id, kind, title, public_details, private_details, team_id, priority,
                          starts_at, ends_at, due_at, capacity, filled, status, skills, created_at,
                          escalation_step, escalation_token)
        SELECT {community_id}, k, 'Work ' || g, '', '', team, 'normal',
               CASE WHEN {shift} THEN w END, CASE WHEN {shift} THEN {plus.format(t="w", m=240)} END,
               CASE WHEN {shift} THEN NULL ELSE w END, 3, 2, 'done', '[]',
               {plus.format(t="w", m=-1440)}, 10000, 0
        FROM (SELECT g, {pick} AS k, {teams} AS team, {when} AS w FROM {series.format(n=tasks)}) AS q
    """
    empty = "'{}'::json" if dialect == "postgresql" else "'{}'"
    states = "CASE WHEN g % 20 = 0 THEN 'no_show' WHEN g % 20 = 1 THEN 'released' ELSE 'done' END"
    assignment_sql = f"""
        INSERT INTO assignment (task_id, person_id, state, claimed_at, checked_in_at, ended_at, figures, note)
        SELECT t.id, {person}, {states}, t.created_at,
               CASE WHEN t.starts_at IS NOT NULL AND g % 20 > 1 THEN t.starts_at END,
               CASE WHEN t.starts_at IS NOT NULL THEN t.ends_at ELSE {plus.format(t="t.due_at", m=-30)} END,
               CASE WHEN g % 20 > 1 THEN {_figures_sql(dialect)} ELSE {empty} END, ''
        FROM {series.format(n=assignments)} JOIN task AS t ON t.id = (SELECT min(id) FROM task) + g % {tasks}
    """
    with engine.begin() as conn:
        conn.execute(text(task_sql))
        conn.execute(text(assignment_sql))
    analyze(engine)


def measure(url: str, *, assignments: int, runs: int) -> dict[str, Any]:
    engine, factory = open_database(url)
    now = utcnow()
    population = build_population(factory, volunteers=2400, teams=8, now=now - timedelta(days=100))
    with Stopwatch() as loading:
        generate(
            engine,
            population.community_id,
            population.team_ids,
            population.volunteers,
            tasks=assignments * 2 // 5,
            assignments=assignments,
        )
    renders: dict[str, float] = {}
    with factory() as session:
        community = session.get_one(Community, population.community_id)
        count = session.scalar(select(func.count()).select_from(Assignment))
        day = now.astimezone(ZoneInfo(community.timezone)).date()
        cold = median_seconds(lambda: compute_summary(session, community, day, as_of=now), runs)
        # The daily run: yesterday's summary is stored, so the running totals carry on from it
        before = compute_summary(session, community, day - timedelta(days=1))
        start, _ = period_of(community, day - timedelta(days=1))
        session.add(
            DailySummary(
                community_id=community.id,
                day=day - timedelta(days=1),
                period_start=start,
                as_of=datetime.fromisoformat(before["as_of"]),
                figures=before,
            )
        )
        session.commit()
        warm = median_seconds(lambda: compute_summary(session, community, day, as_of=now), runs)
        figures = compute_summary(session, community, day, as_of=now)
    for name, render in (
        ("text", lambda: summary_text(figures, "zh")),
        ("csv", lambda: summary_csv(figures, "en")),
        ("xlsx", lambda: summary_xlsx(figures, "en")),
        ("png", lambda: summary_chart(figures, "en")),
    ):
        with Stopwatch() as watch:
            render()
        renders[name] = watch.seconds
    engine.dispose()
    return {
        "count": count,
        "loaded": loading.seconds,
        "cold": cold,
        "warm": warm,
        "renders": renders,
        "today": figures["today"]["done"],
        "total": figures["totals"]["done"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser, default="postgresql")
    parser.add_argument("--assignments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for kind, url in each_database(args):
        r = measure(url, assignments=args.assignments, runs=args.runs)
        renders = " / ".join(f"{r['renders'][n] * 1000:.0f}" for n in ("text", "csv", "xlsx", "png"))
        rows.append(
            (
                kind,
                f"{r['count']:,}",
                f"{r['today']:,}",
                f"{r['total']:,}",
                f"{r['warm']:.2f}",
                f"{r['cold']:.2f}",
                renders,
            )
        )
    print_table(
        f"Daily summary over {args.assignments:,} assignments (target < 2 s on PostgreSQL)",
        (
            "database",
            "assignments",
            "done today",
            "done in all",
            "daily run s",
            "counted afresh s",
            "text / csv / xlsx / png ms",
        ),
        rows,
    )


if __name__ == "__main__":
    main()
