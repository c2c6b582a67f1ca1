"""A community adds a kind of work and its figures without code (物资搬运: parcels, heavy items, weight
in 斤); work of that kind is created, done and entered afterwards like any other, and the reports show it."""

from __future__ import annotations

import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidFigures, InvalidInput, NotAllowed
from coord.kinds import OWN_KINDS, get_kind, kind_named
from coord.models import CommunityKind, Event
from coord.services.imports.work_done import import_work_done
from coord.services.records import PastPart, record_past_work
from coord.services.records.kinds import FigureSpec, add_kind
from coord.services.reporting.exports import hours_rows
from coord.services.reporting.report import summary_text
from coord.services.reporting.summary import compute_summary
from coord.services.reporting.upward import upward_report
from coord.services.work import claims
from coord.services.work.tasks import create_task
from tests.factories import NOW, World

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 2)
HOUR = timedelta(hours=1)
HAULING = [
    FigureSpec("parcels", "parcels", "包裹数", required=True),
    FigureSpec("heavy_items", "heavy items", "重物件数"),
    FigureSpec("weight", "weight (jin)", "重量（斤）", type="float"),
]


def hauling(session: Session, world: World) -> CommunityKind:
    return add_kind(
        session=session,
        actor=world.actor(world.coordinator),
        community=world.community,
        name="物资搬运",
        label_en="supply hauling",
        label_zh="物资搬运",
        figures=HAULING,
        now=NOW,
    )


def test_a_kind_added_is_worked_and_reported_like_the_built_in_ones(session: Session, world: World) -> None:
    kind = hauling(session, world)
    assert kind.code.startswith("k_") and get_kind(kind.code).figure("weight") is not None
    # Given a task of the new kind, named as people say it, claimed and done with its figures
    task = create_task(
        session=session,
        actor=world.actor(world.supply_captain),
        community=world.community,
        kind="物资搬运",
        title="Rice to building 3",
        team=world.supply_team,
        due_at=NOW + timedelta(hours=3),
        now=NOW,
    )
    helper = world.actor(world.supply_volunteers[0])
    claims.claim(session=session, actor=helper, task_id=task.id, now=NOW)
    with pytest.raises(InvalidFigures):
        claims.complete(session=session, actor=helper, task_id=task.id, figures={"weight": "10"}, now=NOW)
    figures = {"parcels": "30", "heavy_items": "6", "weight": "412.5"}
    claims.complete(session=session, actor=helper, task_id=task.id, figures=figures, now=NOW)
    # And another entered afterwards from paper
    record_past_work(
        session=session,
        actor=world.actor(world.supply_captain),
        community=world.community,
        kind="supply hauling",
        title="Flour",
        team=world.supply_team,
        parts=[
            PastPart(
                world.supply_volunteers[1], done_at=NOW - timedelta(hours=3), hours=2, figures={"parcels": 10}
            )
        ],
        now=NOW,
    )
    # Then the day's summary counts them, labelled in both languages
    summary = compute_summary(session, world.community, DAY)
    assert summary["today"]["kinds"][kind.code] == {
        "done": 2,
        "completions": 2,
        "figures": {"parcels": 40, "heavy_items": 6, "weight": 412.5},
    }
    assert (
        "• supply hauling: 2 tasks done, 2 completions — parcels 40, heavy items 6, weight (jin) 412.5"
        in summary_text(summary, "en")
    )
    assert "• 物资搬运：完成任务 2 项，完成人次 2 — 包裹数 40，重物件数 6，重量（斤） 412.5" in summary_text(
        summary, "zh"
    )
    # And the upward report counts its parcels and heavy items, the hours export its hours
    report = upward_report(
        session, actor=world.actor(world.coordinator), community=world.community, day=DAY, now=NOW + HOUR
    )
    assert {line.key: line.today for line in report.lines}["parcels"] == 40
    assert {line.key: line.today for line in report.lines}["heavy_items"] == 6
    rows = hours_rows(
        session,
        actor=world.actor(world.coordinator),
        community=world.community,
        first=DAY,
        last=DAY,
        by="kind",
        language="zh",
    )
    assert ["物资搬运", 2, 2, 2.0] in rows


def test_an_own_kind_is_read_through_the_session_when_not_yet_known(session: Session, world: World) -> None:
    code = hauling(session, world).code
    OWN_KINDS.pop(code)  # as in another process that has not read it yet
    found = kind_named(code)
    assert found is not None and found.label == "supply hauling"


def test_a_csv_of_paper_records_names_the_new_kind_in_chinese(session: Session, world: World) -> None:
    hauling(session, world)
    text = "日期,类型,姓名,时长,数据\n2026-03-01,物资搬运,Helper 1,3,包裹数=12；重量（斤）=100\n"
    import_work_done(
        session=session,
        actor=world.actor(world.coordinator),
        community=world.community,
        source=io.StringIO(text),
        now=NOW,
    )
    day = compute_summary(session, world.community, date(2026, 3, 1))["today"]
    assert next(iter(day["kinds"].values()))["figures"] == {"parcels": 12, "weight": 100}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": "消杀"}, "already"),
        ({"label_en": "patrol", "name": "巡防"}, "already"),
        ({"figures": [FigureSpec("Heavy Items!", "heavy", "重")]}, "cannot name a figure"),
        (
            {"figures": [FigureSpec("parcels", "parcels", "包裹数"), FigureSpec("parcels", "p", "包")]},
            "name of its own",
        ),
        ({"figures": []}, "from 1 to 10 figures"),
        ({"figures": [FigureSpec("flag", "flag", "标记", type="text")]}, "whole number"),
        ({"figures": [FigureSpec("households", "households", "住户")]}, "already means"),
    ],
)
def test_a_kind_that_cannot_be_added_is_refused(
    session: Session, world: World, change: dict[str, object], message: str
) -> None:
    values: dict[str, object] = {
        "session": session,
        "actor": world.actor(world.coordinator),
        "community": world.community,
        "name": "物资搬运",
        "label_en": "supply hauling",
        "label_zh": "物资搬运",
        "figures": HAULING,
    } | change
    with pytest.raises(InvalidInput, match=message):
        add_kind(**values)  # type: ignore[arg-type]
    assert session.scalar(select(CommunityKind)) is None


def test_only_coordinators_add_kinds_and_the_second_of_a_name_is_refused(
    session: Session, world: World
) -> None:
    with pytest.raises(NotAllowed):
        add_kind(
            session=session,
            actor=world.actor(world.supply_captain),
            community=world.community,
            name="物资搬运",
            label_en="supply hauling",
            label_zh="物资搬运",
            figures=HAULING,
        )
    hauling(session, world)
    with pytest.raises(InvalidInput, match="already"):
        hauling(session, world)
    assert session.scalar(select(Event).where(Event.action == "kind_added")) is not None


def test_recurring_work_of_an_own_kind(session: Session, world: World) -> None:
    from coord.services.recurring.materialisation import materialise
    from coord.services.recurring.templates import create_template

    code = hauling(session, world).code
    template = create_template(
        session=session,
        actor=world.actor(world.supply_captain),
        community=world.community,
        name="Daily hauling",
        kind="物资搬运",
        title="Hauling {date}",
        rrule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0",
        starts_on=DAY,
        team=world.supply_team,
        due_minutes=120,
        now=NOW,
    )
    assert template.kind == code
    assert materialise(session=session, template=template, now=NOW, days=2) == 2
