"""Past rosters: a roster (a template) whose dates lie wholly in the past makes no tasks, so creating one is
refused with a clear message, or, on request, its occurrences are made as past work to fill in afterwards
(tasks ``entered_afterwards``: never reminded or escalated; ``fill_in`` records who did each). And why
materialising made no tasks, in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule as Rule
from sqlalchemy import update
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, InvalidTransition
from coord.i18n import N_
from coord.kinds import get_kind
from coord.models import LADDER_FINISHED, Community, Task, TaskStatus, Template
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_lead
from coord.services.records.past import (
    PastPart,
    check_day_hours,
    check_part,
    check_people,
    done_slot,
    refuse_recorded,
)
from coord.services.recurring.materialisation import (
    MAX_TASKS_PER_CALL,
    _insert,
    _occurrences,
    _plan,
)
from coord.services.recurring.rules import parse_rule
from coord.services.reporting.summary import revise_summaries
from coord.services.work.tasks import get_task


def last_day(rule: Rule, until: date | None, tz: ZoneInfo, now: datetime) -> date | None:
    """The day of the roster's last occurrence if every one lies before ``now``; None if some are to come."""
    local_now = now.astimezone(tz).replace(tzinfo=None)
    upcoming = rule.after(local_now, inc=True)
    if upcoming is not None and (until is None or upcoming.date() <= until):
        return None
    latest = rule.before(local_now, inc=False)
    if until is not None and latest is not None and latest.date() > until:
        latest = rule.before(datetime.combine(until + timedelta(days=1), time()), inc=False)
    return latest.date() if latest is not None else until


def refuse_wholly_past(rule: Rule, until: date | None, tz: ZoneInfo, now: datetime) -> None:
    """Refuse a roster whose dates are all in the past: materialising it would silently make nothing."""
    last = last_day(rule, until, tz, now)
    if last is not None:
        raise InvalidInput(
            N_(
                "Every date of this roster is in the past (the last is {day}), so it would make no tasks. "
                "To enter work already done, make it as past work to fill in (--past), or record it "
                "with coord record work."
            ),
            day=last.isoformat(),
        )


def materialise_past(
    *, session: Session, actor: Actor, template: Template, now: datetime | None = None
) -> int:
    """Make the roster's occurrences from its first day up to now as past work to fill in; how many."""
    require_lead(session, actor, template.community_id, template.team_id)
    moment = now or utcnow()
    community = session.get_one(Community, template.community_id)
    tz = ZoneInfo(community.timezone)
    start = datetime.combine(template.starts_on, time(), tz).astimezone(UTC)
    end = moment
    if template.until is not None:
        end = min(end, datetime.combine(template.until + timedelta(days=1), time(), tz).astimezone(UTC))
    if start >= end:
        return 0
    rule = parse_rule(template.rrule, template.starts_on, tz)
    rows, _ = _plan(session, template, _occurrences(rule, tz, start, end), start, MAX_TASKS_PER_CALL, tz)
    for row in rows:
        row.update(entered_afterwards=True, escalation_step=LADDER_FINISHED, due_at=None, created_at=moment)
    made = _insert(session, template, rows, moment)
    record_event(
        session,
        actor=actor,
        action="roster_made_as_past_work",
        community_id=community.id,
        at=moment,
        template_id=template.id,
        tasks=made,
    )
    return made


def fill_in(
    *,
    session: Session,
    actor: Actor,
    task_id: int,
    parts: Sequence[PastPart],
    note: str = "",
    now: datetime | None = None,
) -> Task:
    """Record who did a task of past work (made from a past roster): their times or hours and figures."""
    task = get_task(session, task_id, community_id=actor.person.community_id if actor.person else None)
    require_lead(session, actor, task.community_id, task.team_id)
    if not task.entered_afterwards or task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise InvalidTransition(
            N_("Task #{task_id} is not past work waiting to be filled in."), task_id=task.id
        )
    if not 1 <= len(parts) <= task.capacity:
        raise InvalidInput(N_("Name who did the work: from 1 to {most} people."), most=task.capacity)
    moment = now or utcnow()
    community = session.get_one(Community, task.community_id)
    zone = ZoneInfo(community.timezone)
    kind = get_kind(task.kind)
    typed = [check_part(kind, part, zone=zone, now=moment, required=i == 0) for i, part in enumerate(parts)]
    check_people(session, actor, community, task.team, [p.person for p in parts])
    for part in parts:
        refuse_recorded(session, part, kind.name, zone)
    check_day_hours(session, parts, zone=zone)
    session.execute(
        update(Task)
        .where(Task.id == task.id)
        .values(filled=len(parts), status=TaskStatus.DONE)
        .execution_options(synchronize_session="fetch")
    )
    for part, figures in zip(parts, typed, strict=True):
        done_slot(session, actor, task, part, figures, note, moment)
    revise_summaries(session, community, since=min(p.done_at for p in parts))
    return task


def why_none(session: Session, template: Template, now: datetime, days: int) -> tuple[str, dict[str, Any]]:
    """Why materialising ``template`` for ``days`` ahead made no task, as a message and its parameters."""
    community = session.get_one(Community, template.community_id)
    tz = ZoneInfo(community.timezone)
    if not template.active:
        return N_("Template #{id} is deactivated: it makes no more tasks."), {"id": template.id}
    rule = parse_rule(template.rrule, template.starts_on, tz)
    last = last_day(rule, template.until, tz, now)
    if last is not None:
        return (
            N_(
                "Every date of template #{id} is in the past (the last is {day}); tasks are made only for "
                "days to come; to make them as past work to fill in: coord template materialise {id} --past."
            ),
            {"id": template.id, "day": last.isoformat()},
        )
    upcoming = rule.after(now.astimezone(tz).replace(tzinfo=None), inc=True)
    if upcoming is not None and upcoming.replace(tzinfo=tz) >= now + timedelta(days=days):
        return (
            N_("The next date of template #{id} is {day}, beyond the days asked for ({days})."),
            {"id": template.id, "day": upcoming.date().isoformat(), "days": days},
        )
    from coord.services.recurring.materialisation import _targets

    if not _targets(session, template):
        return N_("Template #{id} names no place or household to work at just now."), {"id": template.id}
    return (
        N_("The tasks of template #{id} for the days asked for ({days}) exist already."),
        {"id": template.id, "days": days},
    )
