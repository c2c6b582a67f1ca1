"""A roster wholly in the past is refused, or made as past work to fill in; materialising says why none."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, InvalidTransition
from coord.models import Task, TaskStatus, Template
from coord.services.escalation.climb import arm_escalations
from coord.services.records import PastPart
from coord.services.records.rosters import fill_in, materialise_past, why_none
from coord.services.recurring.materialisation import materialise
from coord.services.recurring.templates import create_template, deactivate_template
from coord.services.reporting.summary import compute_summary
from tests.factories import NOW, World

ZONE = ZoneInfo("Asia/Shanghai")


def roster(session: Session, world: World, **changes: object) -> Template:
    values: dict[str, object] = {
        "session": session,
        "actor": world.actor(world.gate_captain),
        "community": world.community,
        "name": "North gate, February",
        "kind": "gate_shift",
        "title": "North gate {date} {time}",
        "rrule": "FREQ=DAILY;BYHOUR=8;BYMINUTE=0",
        "starts_on": date(2026, 2, 20),
        "until": date(2026, 2, 22),
        "team": world.gate_team,
        "place": world.north_gate,
        "duration_minutes": 240,
        "now": NOW,
    }
    return create_template(**(values | changes))  # type: ignore[arg-type]


def test_a_roster_wholly_in_the_past_is_refused(session: Session, world: World) -> None:
    with pytest.raises(
        InvalidInput, match="Every date of this roster is in the past \\(the last is 2026-02-22\\)"
    ):
        roster(session, world)
    with pytest.raises(InvalidInput, match="the last is 2026-02-21"):
        roster(session, world, rrule="FREQ=DAILY;COUNT=2;BYHOUR=8;BYMINUTE=0", until=None)
    assert session.scalar(select(Template)) is None


def test_a_past_roster_made_as_past_work_and_filled_in(session: Session, world: World) -> None:
    template = roster(session, world, past=True)
    assert materialise(session=session, template=template, now=NOW, days=7) == 0
    assert why_none(session, template, NOW, 7)[1] == {"id": template.id, "day": "2026-02-22"}
    made = materialise_past(
        session=session, actor=world.actor(world.gate_captain), template=template, now=NOW
    )
    assert made == 3
    tasks = session.scalars(select(Task).where(Task.template_id == template.id).order_by(Task.id)).all()
    assert all(t.entered_afterwards and t.status == TaskStatus.OPEN for t in tasks)
    assert (
        materialise_past(session=session, actor=world.actor(world.gate_captain), template=template, now=NOW)
        == 0
    )
    arm_escalations(session, now=NOW)
    assert all(t.escalation_due_at is None for t in tasks)
    # When the captain fills in who stood at the gate on the 21st
    first = tasks[1]
    day = date(2026, 2, 21)
    fill_in(
        session=session,
        actor=world.actor(world.gate_captain),
        task_id=first.id,
        parts=[
            PastPart(
                world.volunteers[0],
                done_at=datetime(2026, 2, 21, 12, tzinfo=ZONE),
                checked_in_at=datetime(2026, 2, 21, 8, tzinfo=ZONE),
                figures={"people_checked": 70},
            )
        ],
        now=NOW,
    )
    # Then that day counts it, and the task is not unfilled
    summary = compute_summary(session, world.community, day)["today"]
    assert (summary["done"], summary["hours"], summary["unfilled"]) == (1, 4.0, 0)
    with pytest.raises(InvalidTransition, match="not past work waiting"):
        fill_in(session=session, actor=world.actor(world.gate_captain), task_id=first.id, parts=[], now=NOW)


def test_materialise_says_why_it_made_nothing(session: Session, world: World) -> None:
    later = roster(session, world, starts_on=date(2026, 3, 20), until=None)
    assert materialise(session=session, template=later, now=NOW, days=7) == 0
    message, params = why_none(session, later, NOW, 7)
    assert "beyond the days asked for ({days})" in message and params["day"] == "2026-03-20"
    now_on = roster(session, world, starts_on=date(2026, 3, 2), until=None)
    assert materialise(session=session, template=now_on, now=NOW, days=2) == 2
    assert materialise(session=session, template=now_on, now=NOW, days=2) == 0
    assert "exist already" in why_none(session, now_on, NOW, 2)[0]
    deactivate_template(session=session, actor=world.actor(world.gate_captain), template_id=now_on.id)
    assert "deactivated" in why_none(session, now_on, NOW + timedelta(days=1), 2)[0]
