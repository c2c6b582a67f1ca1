"""Importing completed work from paper records: English or Chinese headers, problems by line, all or none."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.errors import ImportFailed, NotAllowed
from coord.models import Assignment, Event, Task
from coord.services.imports.work_done import import_work_done
from coord.services.reporting.summary import compute_summary
from tests.factories import NOW, World

ENGLISH = """date,kind,title,person,team,check_in,done,hours,figures
2026-02-20,gate duty,North gate morning,Volunteer 1,Gate duty,08:00,12:00,,people_checked=120; health_codes=90
2026-02-20,gate_shift,North gate morning,Volunteer 2,Gate duty,08:00,12:00,,people checked=80
2026-02-21,disinfection,Buildings 1-3,Volunteer 1,Gate duty,,,3,buildings=3; households=120
"""
CHINESE = """日期,类型,任务,姓名,时长,完成时间,数据
2026-02-20,送货上门,送菜,Helper 1,2,10:30,服务户数=5；物品件数=12
"""


def run(session: Session, world: World, text: str, *, actor: object = None) -> object:
    return import_work_done(
        session=session,
        actor=actor or world.actor(world.coordinator, "cli"),  # type: ignore[arg-type]
        community=world.community,
        source=io.StringIO(text),
        now=NOW,
    )


def recorded(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Task).where(Task.entered_afterwards)) or 0)


def test_a_file_of_paper_records_becomes_past_work(session: Session, world: World) -> None:
    report = run(session, world, ENGLISH)
    assert (report.rows, report.created) == (3, 2)  # type: ignore[attr-defined]
    # the two gate rows are one task of two people; the day's report counts it once and both parts
    day = compute_summary(session, world.community, date(2026, 2, 20))["today"]
    assert (day["done"], day["completions"], day["hours"]) == (1, 2, 8.0)
    assert day["kinds"]["gate_shift"]["figures"] == {"people_checked": 200, "health_codes": 90}
    next_day = compute_summary(session, world.community, date(2026, 2, 21))
    assert (next_day["today"]["hours"], next_day["totals"]["done"], next_day["totals"]["completions"]) == (
        3.0,
        2,
        3,
    )
    events = session.scalars(select(Event).where(Event.action == "completed")).all()
    assert len(events) == 3 and all(e.data["afterwards"] and e.channel == "cli" for e in events)


def test_chinese_headers_kinds_and_figure_names(session: Session, world: World) -> None:
    run(session, world, CHINESE)
    slot = session.scalars(select(Assignment).join(Task).where(Task.kind == "delivery")).one()
    assert slot.figures == {"households": 5, "items": 12} and slot.hours == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2027-01-01,patrol,,Volunteer 1,,,08:00,,issues_found=1", "is in the future"),
        ("2026-02-20,patrol,,Volunteer 1,,10:00,09:00,,issues_found=1", "is before the check-in"),
        ("2026-02-20,patrol,,Volunteer 1,,,,25,issues_found=1", "a day has at most 24"),
        ("2026-02-20,patrol,,Nobody Known,,,09:00,,issues_found=1", "Unknown person “Nobody Known”"),
        ("2026-02-20,juggling,,Volunteer 1,,,09:00,,issues_found=1", "Unknown kind of work “juggling”"),
        ("2026-02-20,patrol,,Volunteer 1,,,09:00,,issues_found=many", "must be a whole number"),
        ("2026-02-20,patrol,,Volunteer 1,,,,,issues_found=1", "done time or the hours"),
    ],
)
def test_a_bad_line_is_named_and_nothing_is_imported(
    session: Session, world: World, row: str, message: str
) -> None:
    header = "date,kind,title,person,team,check_in,done,hours,figures\n"
    good = "2026-02-20,patrol,,Volunteer 2,,,09:00,2,issues_found=0\n"
    with pytest.raises(ImportFailed) as failed:
        run(session, world, header + good + row + "\n")
    assert [line for line, _ in failed.value.problems] == [3]
    assert message in failed.value.problems[0][1]
    assert recorded(session) == 0


def test_a_duplicated_done_line_is_refused(session: Session, world: World) -> None:
    text = (
        ENGLISH
        + "2026-02-20,gate_shift,North gate morning,Volunteer 2,Gate duty,08:00,12:00,,people_checked=80\n"
    )
    with pytest.raises(ImportFailed) as failed:
        run(session, world, text)
    assert failed.value.problems == [(5, "This row repeats line 3.")]
    assert recorded(session) == 0


def test_over_24_hours_across_lines_names_the_line_that_goes_over(session: Session, world: World) -> None:
    text = (
        "日期,类型,姓名,时长,数据\n"
        "2026-02-20,防控巡查,Volunteer 1,14,发现问题数=0\n"
        "2026-02-20,消杀,Volunteer 1,11,楼栋数=1\n"
    )
    with pytest.raises(ImportFailed) as failed:
        run(session, world, text)
    assert [line for line, _ in failed.value.problems] == [3]
    assert "25 hours on 2026-02-20" in failed.value.problems[0][1]


def test_only_coordinators_import(session: Session, world: World) -> None:
    with pytest.raises(NotAllowed):
        run(session, world, ENGLISH, actor=world.actor(world.gate_captain))


def test_the_same_file_imported_twice_is_counted_once(session: Session, world: World) -> None:
    run(session, world, ENGLISH)
    with pytest.raises(ImportFailed) as failed:
        run(session, world, ENGLISH)
    assert [line for line, _ in failed.value.problems] == [2, 3, 4]
    assert "already recorded, in task #" in failed.value.problems[0][1]
    assert recorded(session) == 2
