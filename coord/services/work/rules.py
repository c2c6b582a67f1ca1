"""Who may take a slot of which task, and what a person refused is told.

``claim_refusal_reason`` is the claim rule, the one place it is written: a pure function of the task, the
person's skills, the moment and (where the community asks for one) today's health declaration. A
volunteer's claim and a captain's assignment reach it through ``check_claimable``; auto-assignment calls
it for every candidate with what it read in bulk. The rules, in order: the task is done or cancelled, over,
needs skills the person lacks, or today's declaration is missing. Then the slot itself may be refused
(``refusal_to_take``): the person already holds one, or none is free. A task of another community is
never found in the first place (``tasks.get_task``), so it is told as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import AlreadyClaimed, CoordError, InvalidTransition, NotAllowed, TaskFull
from coord.i18n import N_
from coord.models import Community, HealthDeclaration, Person, Task, TaskStatus


@dataclass(frozen=True)
class Refusal:
    """Why a person may not take a slot: ``closed`` (with the task's status), ``over``, ``skills`` (with
    the missing ones) or ``undeclared``."""

    reason: str
    status: str = ""
    missing: str = ""


def claim_refusal_reason(
    task: Task, skills: Iterable[str], moment: datetime, *, healthy_today: bool | None
) -> Refusal | None:
    """Why a person with ``skills`` may not take a slot of ``task`` at ``moment``, or None when they may.

    ``healthy_today`` is the person's health declaration of the day (False when none was made), or None
    where no declaration is asked for.
    """
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        return Refusal("closed", status=task.status)
    shift_over = task.ends_at is not None and moment >= task.ends_at
    deadline_passed = task.due_at is not None and not task.starts_at and moment >= task.due_at
    if shift_over or deadline_passed:
        return Refusal("over")
    missing = sorted(set(task.skills) - set(skills))
    if missing:
        return Refusal("skills", missing=", ".join(missing))
    if healthy_today is False:
        return Refusal("undeclared")
    return None


def check_claimable(
    session: Session, task: Task, person: Person, moment: datetime, *, declaration_needed: bool = True
) -> None:
    """Raise the reason ``person`` may not take a slot of ``task`` now, if there is one."""
    healthy = healthy_today(session, task.community_id, person, moment) if declaration_needed else None
    refused = claim_refusal_reason(task, person.skills, moment, healthy_today=healthy)
    if refused is not None:
        raise claim_refusal(refused, task.id)


def healthy_today(session: Session, community_id: int, person: Person, moment: datetime) -> bool | None:
    """Whether ``person`` declared themselves healthy today in the community's timezone; None where the
    community asks for no declaration."""
    community = session.get(Community, community_id)
    if community is None or not community.requires_health_declaration:
        return None
    today = moment.astimezone(ZoneInfo(community.timezone)).date()
    healthy = session.scalar(
        select(HealthDeclaration.healthy).where(
            HealthDeclaration.person_id == person.id, HealthDeclaration.day == today
        )
    )
    return bool(healthy)


def claim_refusal(refused: Refusal, task_id: int) -> CoordError:
    """The error a claim refused for ``refused.reason`` raises, in the person's words."""
    if refused.reason == "closed":
        return InvalidTransition(
            N_("Task #{task_id} is {status}; look at the open tasks instead."),
            task_id=task_id,
            status=str(TaskStatus(refused.status)),
        )
    if refused.reason == "over":
        return InvalidTransition(
            N_("Task #{task_id} is already over; look at the open tasks instead."), task_id=task_id
        )
    if refused.reason == "skills":
        return NotAllowed(
            N_("Task #{task_id} needs: {skills}. Ask your captain if you can help otherwise."),
            task_id=task_id,
            skills=refused.missing,
        )
    return NotAllowed(N_("Please send today's health declaration before claiming work."))


def refusal_to_take(task_id: int, *, already: bool) -> AlreadyClaimed | TaskFull:
    """The error when the slot itself cannot be had: the person holds one already, or none is free."""
    if already:
        return AlreadyClaimed(N_("You already hold a slot of task #{task_id}."), task_id=task_id)
    return TaskFull(
        N_("Task #{task_id} is full: every slot is taken. Look at the other open tasks."), task_id=task_id
    )
