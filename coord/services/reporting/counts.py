"""The one definition of a count of work, used by every report (the daily summary, the coordinator's "today",
the exports, the upward report and the hours).

- **Tasks done**: each task once, on the day of its first completion (a gate shift of two people is one task).
- **People's completions**: each holder's done slot once (that gate shift is two completions).
- **Hours served**: per slot, the hours set on it (entered for a past day, confirmed from the shift window or
  corrected by the captain), else from check-in to done (or to when the slot ended).
- **Figures**: summed over completions, each figure of its own kind, as the figure says (a fever counts once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select, true
from sqlalchemy.orm import Session, aliased

from coord.kinds import KINDS
from coord.models import Assignment, AssignmentState, Task
from coord.models.kinds import load_community_kinds

#: (kind, figure, yes/no?, counted from) of every built-in kind; a community's own kinds join per query.
KIND_FIGURES = [
    (kind.name, f.name, f.type is bool, f.at_least) for kind in KINDS.values() for f in kind.figures
]


def kind_figures(session: Session, community_id: int) -> list[tuple[str, str, bool, float | None]]:
    """The figures summed for the community: the built-in kinds' and those of its own kinds."""
    own = load_community_kinds(session, community_id)
    return KIND_FIGURES + [(k.name, f.name, f.type is bool, f.at_least) for k in own for f in k.figures]


@dataclass
class WorkCount:
    """What one kind of work of one team came to in a period."""

    tasks: int = 0
    completions: int = 0
    seconds: float = 0.0
    figures: dict[str, int | float] = field(default_factory=dict)


def seconds_between(session: Session, begin: Any, finish: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", finish - begin)
    return (func.julianday(finish) - func.julianday(begin)) * 86400.0


def served_seconds(session: Session) -> ColumnElement[Any]:
    """A slot's time served, in seconds: its set hours, else check-in to its end (None: none served)."""
    return case(
        (Assignment.hours.is_not(None), Assignment.hours * 3600.0),
        (
            Assignment.checked_in_at.is_not(None),
            seconds_between(session, Assignment.checked_in_at, Assignment.ended_at),
        ),
    )


def work_done(
    session: Session, community_id: int, *, since: datetime | None, until: datetime
) -> dict[tuple[str, int | None], WorkCount]:
    """Per (kind, team): tasks done, people's completions, seconds served and figures, in [since, until)."""
    counts: dict[tuple[str, int | None], WorkCount] = {}
    known = kind_figures(session, community_id)
    for kind, team_id, completions, seconds, *figures in _slots(session, community_id, since, until, known):
        count = counts.setdefault((kind, team_id), WorkCount())
        count.completions += int(completions or 0)
        count.seconds += float(seconds or 0)
        for (of_kind, name, _, _), value in zip(known, figures, strict=True):
            if of_kind == kind and value is not None:
                count.figures[name] = tidy(count.figures.get(name, 0) + value)
    for kind, team_id, tasks in _tasks(session, community_id, since, until):
        counts.setdefault((kind, team_id), WorkCount()).tasks += int(tasks)
    return counts


def _slots(
    session: Session,
    community_id: int,
    since: datetime | None,
    until: datetime,
    known: list[tuple[str, str, bool, float | None]],
) -> list[Any]:
    """One scan: completions, seconds served and each figure summed, per kind and team.

    A figure is read only for rows of its own kind: PostgreSQL parses a JSON value again for every
    field taken from it, so reading every figure name on every row costs several times more.
    """
    done = Assignment.state == AssignmentState.DONE
    columns: list[Any] = [
        Task.kind,
        Task.team_id,
        func.sum(case((done, 1), else_=0)),
        func.sum(served_seconds(session)),
    ]
    for kind, name, is_bool, at_least in known:
        value = Assignment.figures[name]
        if is_bool:
            figure = case((value.as_boolean() == true(), 1), else_=0)
        elif at_least is not None:  # how many reached it (a fever), not the sum of the values
            figure = case((value.as_float() >= at_least, 1), else_=0)
        else:
            figure = value.as_float()
        columns.append(func.sum(case((and_(done, Task.kind == kind), figure))))
    query = (
        select(*columns)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Task.community_id == community_id,
            Assignment.ended_at < until,
            done | Assignment.checked_in_at.is_not(None) | Assignment.hours.is_not(None),
        )
        .group_by(Task.kind, Task.team_id)
    )
    if since is not None:
        query = query.where(Assignment.ended_at >= since)
    return list(session.execute(query).all())


def _tasks(session: Session, community_id: int, since: datetime | None, until: datetime) -> list[Any]:
    """Tasks done per kind and team: each task once, in the period of its first completion (a task with a
    completion in the period and none before it)."""
    done = Assignment.state == AssignmentState.DONE
    query = (
        select(Task.kind, Task.team_id, func.count(func.distinct(Task.id)))
        .join(Assignment, Assignment.task_id == Task.id)
        .where(Task.community_id == community_id, done, Assignment.ended_at < until)
        .group_by(Task.kind, Task.team_id)
    )
    if since is not None:
        earlier = aliased(Assignment)
        done_before = exists().where(
            earlier.task_id == Task.id,
            earlier.state == AssignmentState.DONE,
            earlier.ended_at < since,
        )
        query = query.where(Assignment.ended_at >= since, ~done_before)
    return list(session.execute(query).all())


def tidy(total: float) -> int | float:
    return int(total) if float(total).is_integer() else round(float(total), 1)
