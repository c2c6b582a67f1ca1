"""A task's event log as the operator reads it: when, what, by whom, about whom."""

from __future__ import annotations

import json

from sqlalchemy import select

from coord.entrypoints.cli.runtime import Run
from coord.entrypoints.cli.times import show_time
from coord.i18n import N_
from coord.models import Event, Person


def show_events(run: Run, task_id: int, timezone: str) -> None:
    events = list(
        run.session.scalars(select(Event).where(Event.task_id == task_id).order_by(Event.at, Event.id))
    )
    ids = {e.actor_id for e in events} | {e.subject_id for e in events}
    ids.discard(None)
    names: dict[int | None, str] = {
        person_id: name
        for person_id, name in run.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
    }
    rows = run.out.table(N_("time"), N_("event"), N_("by"), N_("about"), N_("details"), title=N_("Event log"))
    for event in events:
        by = names.get(event.actor_id, "") if event.actor_id else run.t(N_("system"))
        rows.add(
            show_time(event.at, timezone),
            event.action,
            f"{by} ({event.channel})",
            names.get(event.subject_id, "") if event.subject_id else "",
            _details(event.data),
        )


def _details(data: dict[str, object]) -> str:
    shown = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    return ", ".join(
        f"{k}={v if isinstance(v, str | int | float) else json.dumps(v, ensure_ascii=False)}"
        for k, v in shown.items()
    )
