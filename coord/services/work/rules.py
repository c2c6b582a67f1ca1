"""Who may take a slot of which task, and what a person refused is told.

A claim is refused when the task is another community's (told as unknown), done or cancelled, over, needs
skills the person lacks, or (where the community asks for it) today's health declaration is missing; then
when the person already holds a slot, or none is free. ``check_claimable`` checks the rules in that order on
SQLite and for a captain's assignment; on PostgreSQL a volunteer's claim checks them inside ``coord_claim``
(migration 0006) under the task's lock. Either way the message comes from ``claim_refusal``, and
``tests/test_claim_rules.py`` runs every rule on both databases, so the two copies give the same answer.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import AlreadyClaimed, CoordError, InvalidTransition, NotAllowed, TaskFull
from coord.i18n import N_
from coord.models import Community, HealthDeclaration, Person, Task, TaskStatus
from coord.services.work.tasks import unknown_task


def check_claimable(
    session: Session, task: Task, person: Person, moment: datetime, *, declaration_needed: bool = True
) -> None:
    """Raise the reason ``person`` may not take a slot of ``task`` now, if there is one."""
    if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
        raise claim_refusal("closed", task.id, status=task.status)
    if (task.ends_at and moment >= task.ends_at) or (
        task.due_at and moment >= task.due_at and not task.starts_at
    ):
        raise claim_refusal("over", task.id)
    missing = sorted(set(task.skills) - set(person.skills))
    if missing:
        raise claim_refusal("skills", task.id, missing=", ".join(missing))
    if declaration_needed:
        community = session.get(Community, task.community_id)
        if community is not None and community.requires_health_declaration:
            today = moment.astimezone(ZoneInfo(community.timezone)).date()
            healthy = session.scalar(
                select(HealthDeclaration.healthy).where(
                    HealthDeclaration.person_id == person.id, HealthDeclaration.day == today
                )
            )
            if not healthy:
                raise claim_refusal("undeclared", task.id)


def claim_refusal(reason: str, task_id: int, *, status: str = "", missing: str = "") -> CoordError:
    """The error a claim refused for ``reason`` raises, whichever database found the reason."""
    if reason == "closed":
        return InvalidTransition(
            N_("Task #{task_id} is {status}; look at the open tasks instead."),
            task_id=task_id,
            status=str(TaskStatus(status)),
        )
    if reason == "over":
        return InvalidTransition(
            N_("Task #{task_id} is already over; look at the open tasks instead."), task_id=task_id
        )
    if reason == "skills":
        return NotAllowed(
            N_("Task #{task_id} needs: {skills}. Ask your captain if you can help otherwise."),
            task_id=task_id,
            skills=missing,
        )
    if reason == "undeclared":
        return NotAllowed(N_("Please send today's health declaration before claiming work."))
    if reason == "unknown":
        return unknown_task(task_id)
    return refusal_to_take(task_id, already=reason == "already")


def refusal_to_take(task_id: int, *, already: bool) -> AlreadyClaimed | TaskFull:
    if already:
        return AlreadyClaimed(N_("You already hold a slot of task #{task_id}."), task_id=task_id)
    return TaskFull(
        N_("Task #{task_id} is full: every slot is taken. Look at the other open tasks."), task_id=task_id
    )
