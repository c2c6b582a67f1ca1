"""Escalation policies: the ladder of rungs each task climbs as time passes.

A rung says when (an anchor of the task and an offset in minutes), on which condition, what to do
(notify, auto-assign, mark no-shows) and to whom. Reminders, unfilled-shift alerts, auto-assignment,
no-show detection and escalation to captains and coordinators are all rungs of one ladder, so one
fenced pointer on the task (``Task.escalation_step`` / ``escalation_token``) walks them in order.

Policies live per community, kind and priority (``*`` = any); DESIGN.md "Time-based duties" gives the
defaults, seeded when a community has none. A policy is frozen onto a task when its escalation starts.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.kinds import KINDS, get_kind
from coord.models import Community, EscalationPolicy, Priority, Task
from coord.models.duties import ANY_POLICY
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_coordinator

MAX_RUNGS = 24
MAX_OFFSET_MINUTES = 7 * 24 * 60


class Anchor(enum.StrEnum):
    START = "start"  # a shift's start
    END = "end"  # a shift's end, or a deadline
    CREATED = "created"


class Condition(enum.StrEnum):
    CLAIMED = "claimed"  # someone holds a slot and has not checked in yet (reminders)
    UNCLAIMED = "unclaimed"  # a slot is still free
    NOT_CHECKED_IN = "not_checked_in"  # a holder did not check in by the start
    NOT_DONE = "not_done"  # the work is not finished


class Action(enum.StrEnum):
    NOTIFY = "notify"
    AUTO_ASSIGN = "auto_assign"
    MARK_NO_SHOW = "mark_no_show"


class Audience(enum.StrEnum):
    ASSIGNEE = "assignee"
    TEAM = "team"  # the team's group chats
    CAPTAIN = "captain"
    COORDINATORS = "coordinators"
    RESERVE = "reserve"  # the community's reserve (assault) team


@dataclass(frozen=True)
class Rung:
    anchor: Anchor
    offset: int  # minutes after the anchor (negative: before)
    condition: Condition
    action: Action = Action.NOTIFY
    to: tuple[Audience, ...] = ()

    def at(self, task: Task) -> datetime | None:
        """When this rung is due for ``task``; None when the task has no such anchor."""
        base = {
            Anchor.START: task.starts_at,
            Anchor.END: task.ends_at or task.due_at,
            Anchor.CREATED: task.created_at,
        }[self.anchor]
        return None if base is None else base + timedelta(minutes=self.offset)

    def to_json(self) -> dict[str, Any]:
        return {
            "anchor": str(self.anchor),
            "offset": self.offset,
            "condition": str(self.condition),
            "action": str(self.action),
            "to": [str(a) for a in self.to],
        }

    @classmethod
    def from_json(cls, raw: Any) -> Rung:
        """A rung from its JSON form, or ``InvalidInput`` saying which part is wrong."""
        if not isinstance(raw, dict):
            raise InvalidInput(N_("Each escalation step must be a set of named values."))
        try:
            anchor = Anchor(raw.get("anchor", ""))
            condition = Condition(raw.get("condition", ""))
            action = Action(raw.get("action", "notify"))
            to = tuple(Audience(a) for a in raw.get("to", []))
            offset = int(raw.get("offset", 0))
        except (ValueError, TypeError):
            raise InvalidInput(
                N_(
                    "An escalation step needs anchor (start, end, created), offset in minutes, condition "
                    "(claimed, unclaimed, not_checked_in, not_done), action (notify, auto_assign, "
                    "mark_no_show) and to (assignee, team, captain, coordinators, reserve)."
                )
            ) from None
        if abs(offset) > MAX_OFFSET_MINUTES:
            raise InvalidInput(N_("An escalation step must fall within a week of its anchor."))
        if action == Action.NOTIFY and not to:
            raise InvalidInput(N_("An escalation step that notifies must say to whom."))
        return cls(anchor, offset, condition, action, to)


A, C = Audience, Condition


def _rung(
    anchor: Anchor, offset: int, condition: Condition, *to: Audience, action: Action = Action.NOTIFY
) -> Rung:
    return Rung(anchor, offset, condition, action, tuple(to))


REMINDERS = (_rung(Anchor.START, -60, C.CLAIMED, A.ASSIGNEE), _rung(Anchor.START, -10, C.CLAIMED, A.ASSIGNEE))
UNFILLED = (
    _rung(Anchor.START, -120, C.UNCLAIMED, A.TEAM),
    _rung(Anchor.START, -90, C.UNCLAIMED, action=Action.AUTO_ASSIGN),
    _rung(Anchor.START, -60, C.UNCLAIMED, A.CAPTAIN),
    _rung(Anchor.START, -30, C.UNCLAIMED, A.COORDINATORS),
)
NO_SHOW = (
    _rung(Anchor.START, 10, C.NOT_CHECKED_IN, action=Action.MARK_NO_SHOW),
    _rung(Anchor.START, 20, C.NOT_CHECKED_IN, A.CAPTAIN),
    _rung(Anchor.START, 40, C.NOT_CHECKED_IN, A.COORDINATORS),
)
UNFINISHED_SHIFT = (_rung(Anchor.END, 60, C.NOT_DONE, A.CAPTAIN),)
DEADLINE = (
    _rung(Anchor.END, -30, C.NOT_DONE, A.ASSIGNEE),
    _rung(Anchor.END, 0, C.NOT_DONE, A.CAPTAIN),
    _rung(Anchor.END, 60, C.NOT_DONE, A.COORDINATORS),
)
URGENT = (
    _rung(Anchor.CREATED, 15, C.UNCLAIMED, A.TEAM),
    _rung(Anchor.CREATED, 30, C.UNCLAIMED, A.CAPTAIN, A.RESERVE),
    _rung(Anchor.CREATED, 45, C.UNCLAIMED, A.COORDINATORS),
)


def default_rungs(kind: str, priority: str) -> list[Rung]:
    """DESIGN.md's defaults for a kind of work and a priority."""
    task_kind = get_kind(kind) if kind != ANY_POLICY else None
    rungs: list[Rung] = []
    if task_kind is None or task_kind.shift:
        rungs += [*REMINDERS, *UNFILLED]
        rungs += NO_SHOW if task_kind is None or task_kind.needs_check_in else UNFINISHED_SHIFT
    if task_kind is None or not task_kind.shift:
        rungs += DEADLINE
    if priority == Priority.URGENT:
        rungs += URGENT
    return rungs


def ensure_default_policies(session: Session, community_id: int) -> int:
    """Seed DESIGN.md's ladders for every kind and priority when the community has no policy yet."""
    if session.scalar(select(EscalationPolicy.id).where(EscalationPolicy.community_id == community_id)):
        return 0
    rows = [
        EscalationPolicy(
            community_id=community_id,
            kind=kind,
            priority=str(priority),
            steps=[r.to_json() for r in default_rungs(kind, priority)],
        )
        for kind in [*KINDS, ANY_POLICY]
        for priority in (Priority.NORMAL, Priority.URGENT)
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def policy_for(session: Session, community_id: int, kind: str, priority: str) -> EscalationPolicy:
    """The most specific policy: this kind and priority, then this kind, then this priority, then any."""
    ensure_default_policies(session, community_id)
    candidates = session.scalars(
        select(EscalationPolicy).where(
            EscalationPolicy.community_id == community_id,
            EscalationPolicy.kind.in_([kind, ANY_POLICY]),
            EscalationPolicy.priority.in_([priority, ANY_POLICY]),
        )
    ).all()
    if not candidates:
        # Every row of this community was removed but this one: fall back to the built-in ladder.
        return EscalationPolicy(
            community_id=community_id,
            kind=kind,
            priority=priority,
            steps=[r.to_json() for r in default_rungs(kind, priority)],
        )
    return min(candidates, key=lambda p: (p.kind == ANY_POLICY, p.priority == ANY_POLICY))


def set_policy(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    kind: str,
    priority: str,
    steps: Sequence[Any],
    now: datetime | None = None,
) -> EscalationPolicy:
    """Replace the ladder for ``kind`` and ``priority`` (``*`` = any); tasks under way keep theirs."""
    require_coordinator(session, actor, community.id)
    kind = ANY_POLICY if kind == ANY_POLICY else get_kind(kind).name
    if priority != ANY_POLICY and priority not in set(Priority):
        raise InvalidInput(N_("Priority must be normal, urgent or *."))
    if len(steps) > MAX_RUNGS:
        raise InvalidInput(N_("An escalation policy has at most {most} steps."), most=MAX_RUNGS)
    rungs = [Rung.from_json(raw) for raw in steps]
    ensure_default_policies(session, community.id)
    policy = session.scalar(
        select(EscalationPolicy).where(
            EscalationPolicy.community_id == community.id,
            EscalationPolicy.kind == kind,
            EscalationPolicy.priority == priority,
        )
    )
    if policy is None:
        policy = EscalationPolicy(community_id=community.id, kind=kind, priority=priority)
        session.add(policy)
    policy.steps = [r.to_json() for r in rungs]
    policy.updated_at = now or utcnow()
    policy.updated_by_id = actor.person_id
    session.flush()
    record_event(
        session,
        actor=actor,
        action="escalation_policy_set",
        community_id=community.id,
        at=policy.updated_at,
        kind=kind,
        priority=priority,
        steps=len(rungs),
    )
    return policy


def freeze(task: Task, policy: EscalationPolicy) -> dict[str, Any]:
    """The snapshot stored on the task: the rungs that apply to it, in the order they fall due."""
    snapshot, _ = freeze_rungs(task, policy.id, [Rung.from_json(raw) for raw in policy.steps])
    return snapshot


def freeze_rungs(
    task: Task, policy_id: int | None, rungs: Sequence[Rung]
) -> tuple[dict[str, Any], list[Rung]]:
    """``freeze`` for rungs already read: the snapshot, and its rungs in order."""
    timed = [(at, i, r) for i, r in enumerate(rungs) if (at := r.at(task)) is not None]
    timed.sort(key=lambda item: (item[0], item[1]))
    ordered = [r for _, _, r in timed]
    return {"policy_id": policy_id, "rungs": [r.to_json() for r in ordered]}, ordered


def frozen_rungs(task: Task) -> list[Rung]:
    snapshot = task.escalation_policy or {}
    return [Rung.from_json(raw) for raw in snapshot.get("rungs", [])]
