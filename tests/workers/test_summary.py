"""The daily summary: figures from facts, stored once, sent to coordinators and captains, four formats."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput
from coord.models import DailySummary, Notification
from coord.services.escalation.ladder import set_policy
from coord.services.reporting.report import render_report, summary_text
from coord.services.reporting.summary import compute_summary, period_of, send_daily_summary
from coord.services.work import claims
from tests.factories import NOW, SYSTEM, World, checkin_call, delivery, gate_shift
from tests.workers.helpers import settle

DAY = date(2026, 3, 2)  # NOW is 14:00 that day in Asia/Shanghai; the summary is at 20:00
SUMMARY_AT = NOW + timedelta(hours=6)


@pytest.fixture
def day_of_work(session: Session, world: World) -> World:
    """A day: a gate shift served (3 h) with one no-show, a delivery done, one overdue, one shift unfilled."""
    set_policy(
        session=session,
        actor=SYSTEM,
        community=world.community,
        kind="gate_shift",
        priority="normal",
        steps=[],
    )
    shift = gate_shift(session, world)
    present, absent = world.volunteers[:2]
    for person in (present, absent):
        claims.claim(session=session, actor=world.actor(person), task_id=shift.id, now=NOW)
    assert shift.starts_at is not None
    claims.check_in(session=session, actor=world.actor(present), task_id=shift.id, now=shift.starts_at)
    claims.mark_no_show(
        session=session,
        actor=SYSTEM,
        task_id=shift.id,
        person=absent,
        now=shift.starts_at + timedelta(minutes=10),
    )
    claims.complete(
        session=session,
        actor=world.actor(present),
        task_id=shift.id,
        figures={"people_checked": 120, "temperatures": 118},
        now=shift.starts_at + timedelta(hours=3),
    )
    done = delivery(session, world)
    helper = world.supply_volunteers[0]
    claims.claim(session=session, actor=world.actor(helper), task_id=done.id, now=NOW)
    claims.complete(
        session=session,
        actor=world.actor(helper),
        task_id=done.id,
        figures={"households": 3, "items": 12},
        now=NOW,
    )
    late = delivery(session, world, hours=4, household=1)
    assert late.due_at is not None
    settle(session, late.due_at)  # the captain is told it is overdue: escalated work
    short = gate_shift(session, world, hours_from_now=1)
    claims.claim(session=session, actor=world.actor(world.volunteers[2]), task_id=short.id, now=NOW)
    session.flush()
    return world


def test_the_summary_counts_facts_per_kind_and_team(session: Session, day_of_work: World) -> None:
    world = day_of_work
    figures = compute_summary(session, world.community, DAY, as_of=SUMMARY_AT)
    today = figures["today"]
    assert (today["done"], today["hours"]) == (2, 3.0)
    assert today["kinds"]["gate_shift"] == {
        "done": 1,
        "completions": 1,
        "figures": {"people_checked": 120, "temperatures": 118},
    }
    assert today["kinds"]["delivery"] == {
        "done": 1,
        "completions": 1,
        "figures": {"households": 3, "items": 12},
    }
    assert (today["unfilled"], today["no_shows"], today["overdue"], today["escalated"]) == (1, 1, 1, 1)
    gate = figures["teams"][str(world.gate_team.id)]
    supply = figures["teams"][str(world.supply_team.id)]
    assert (gate["done"], gate["hours"], gate["no_shows"], gate["unfilled"]) == (1, 3.0, 1, 1)
    assert (supply["done"], supply["overdue"], supply["escalated"]) == (1, 1, 1)
    assert figures["totals"]["done"] == 2 and figures["totals"]["no_shows"] == 1
    # every fell-through figure carries a running total
    totals = figures["totals"]
    assert (totals["unfilled"], totals["overdue"], totals["escalated"]) == (1, 1, 1)


def test_a_day_counts_the_24_hours_up_to_its_summary_time(session: Session, day_of_work: World) -> None:
    world = day_of_work
    start, end = period_of(world.community, DAY)
    assert (end - start, end) == (timedelta(hours=24), SUMMARY_AT)
    # The next day's summary sees none of today's work, but its running totals do
    tomorrow = compute_summary(session, world.community, DAY + timedelta(days=1))
    assert tomorrow["today"]["done"] == 0 and tomorrow["totals"]["done"] == 2


def test_sent_once_to_coordinators_and_each_captain(session: Session, day_of_work: World) -> None:
    world = day_of_work
    first = send_daily_summary(session, community_id=world.community.id, day=DAY, now=SUMMARY_AT)
    again = send_daily_summary(
        session, community_id=world.community.id, day=DAY, now=SUMMARY_AT + timedelta(minutes=5)
    )
    assert (first, again) == (3, 0)
    assert session.scalar(select(func.count()).select_from(DailySummary)) == 1
    readers = session.execute(
        select(Notification.person_id, Notification.params).where(Notification.dedupe_key.like("summary:%"))
    ).all()
    teams = {person: params["team_id"] for person, params in readers}
    assert teams == {
        world.coordinator.id: None,
        world.gate_captain.id: world.gate_team.id,
        world.supply_captain.id: world.supply_team.id,
    }


def test_text_for_a_coordinator_and_for_a_captain(session: Session, day_of_work: World) -> None:
    world = day_of_work
    figures = compute_summary(session, world.community, DAY, as_of=SUMMARY_AT)
    text = summary_text(figures, "en")
    assert (
        "Tasks done (each task once): 2; people's completions (each person's part): 2; hours served: 3.0."
        in text
    )
    assert "Fell through since the start: unfilled shifts 1, no-shows 1, overdue 1, escalated 1." in text
    assert "people checked 120" in text and "households served 3" in text
    assert "Fell through: unfilled shifts 1, no-shows 1, overdue 1, escalated 1." in text
    assert "Supplies" in text and "Gate duty" in text
    captain = summary_text(figures, "en", team_id=world.gate_team.id)
    assert (
        "Tasks done (each task once): 1; people's completions (each person's part): 1; hours served: 3.0."
        in captain
        and "households served" not in captain.split("Since")[0]
    )
    assert summary_text(figures, "zh")  # renders in Chinese (untranslated lines fall back to English)


def test_exports_csv_xlsx_and_png(session: Session, day_of_work: World) -> None:
    world = day_of_work
    args = {"community": world.community, "day": DAY, "now": SUMMARY_AT}
    rows = list(csv.reader(io.StringIO(str(render_report(session, format="csv", **args)))))
    assert rows[0] == ["scope", "team", "kind", "figure", "today", "since the start"]
    assert ["community", "", "gate duty", "people checked", "120", "120"] in rows
    book = load_workbook(io.BytesIO(bytes(render_report(session, format="xlsx", **args))))
    assert book.sheetnames == ["2026-03-02", "Fell through"]
    png = render_report(session, format="png", **args)
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")
    with pytest.raises(InvalidInput, match="format"):
        render_report(session, format="pdf", **args)


def test_running_totals_carry_on_from_the_day_before(session: Session, day_of_work: World) -> None:
    world = day_of_work
    tomorrow = DAY + timedelta(days=1)
    helper = world.supply_volunteers[1]
    extra = delivery(session, world, hours=20)
    claims.claim(
        session=session, actor=world.actor(helper), task_id=extra.id, now=SUMMARY_AT + timedelta(hours=1)
    )
    claims.complete(
        session=session,
        actor=world.actor(helper),
        task_id=extra.id,
        figures={"households": 2},
        now=SUMMARY_AT + timedelta(hours=2),
    )
    # Counted afresh (no summary stored for the day before) ...
    afresh = compute_summary(session, world.community, tomorrow)
    # ... and carried on from the stored summary of the day before: the same running totals
    send_daily_summary(session, community_id=world.community.id, day=DAY, now=SUMMARY_AT)
    carried = compute_summary(session, world.community, tomorrow)
    assert carried["totals"] == afresh["totals"]
    assert carried["totals"]["kinds"]["delivery"] == {
        "done": 2,
        "completions": 2,
        "figures": {"households": 5, "items": 12},
    }
    assert (carried["days_running"], carried["today"]["done"]) == (afresh["days_running"], 1)


def test_calls_report_how_many_had_a_fever_not_a_sum_of_temperatures(session: Session, world: World) -> None:
    from coord.chat.coordinator import _done_lines
    from coord.chat.render import render_text
    from coord.services.work import boards

    # Given three daily calls done today: 36.6 °C, 38.3 °C, and one nobody answered
    helper = world.supply_volunteers[0]
    for household, figures in enumerate(
        [
            {"reached": True, "temperature": 36.6, "symptoms": False},
            {"reached": True, "temperature": 38.3, "symptoms": True},
            {"reached": False},
        ]
    ):
        call = checkin_call(session, world, household=household % len(world.households), hours=2)
        claims.claim(session=session, actor=world.actor(helper), task_id=call.id, now=NOW)
        claims.complete(session=session, actor=world.actor(helper), task_id=call.id, figures=figures, now=NOW)
    # Then the summary counts one fever, two households reached, one with symptoms
    summary = compute_summary(session, world.community, DAY, as_of=SUMMARY_AT)
    expected = {"reached": 2, "temperature": 1, "symptoms": 1}
    assert summary["today"]["kinds"]["checkin_call"] == {"done": 3, "completions": 3, "figures": expected}
    assert "fever (37.3 °C or more) 1" in summary_text(summary, "en")
    assert "发热（37.3 °C 及以上） 1" in summary_text(summary, "zh")
    # And so do a coordinator's figures so far in the chat
    today = boards.todays_figures(
        session, actor=SYSTEM, community=world.community, now=NOW + timedelta(hours=1)
    )
    assert today.per_kind["checkin_call"] == expected
    assert "fever (37.3 °C or more) 1" in "\n".join(render_text(p, "en") for p in _done_lines(today))
