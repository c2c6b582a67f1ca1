"""An import job: CSV rows of places, households or people, every row checked first, then all written or none.

Rules a community office can rely on (the columns and values are described in ``rows``):
- Columns a file has are the truth for the rows it names (an empty cell means the default, or "none");
  columns it leaves out are not touched on existing rows.
- Re-importing does not duplicate: places are matched by name, households by (building, unit, room), people by
  phone, else by name within the named team (or among people in no team; someone known there without a phone
  takes the file's phone). An import adds rows and roles and never deletes any: it never clears a person's
  phone, never takes a person out of a team and never takes away a coordinator's role.
- Problems are reported by the file's line number (the header is line 1); with any problem nothing is written.
- Rows are created the way the services create them, with the same events; changes are recorded as
  ``*_updated`` events naming the fields (not their values), and each import ends with an ``imported`` event.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import ImportFailed
from coord.i18n import N_
from coord.models import Community
from coord.services.imports.rows import Problems, Row
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_coordinator


@dataclass(frozen=True)
class ImportReport:
    """How many data rows the file had, and how many records they created or changed (the rest were equal)."""

    rows: int
    created: int
    updated: int


@dataclass(frozen=True)
class _Import:
    """Where an import writes: the session, who is importing, and into which community."""

    session: Session
    actor: Actor
    community: Community

    def log(self, action: str, *, now: datetime | None = None, **data: Any) -> None:
        record_event(
            self.session,
            at=now or utcnow(),
            actor=self.actor,
            action=action,
            community_id=self.community.id,
            **data,
        )

    @contextmanager
    def writing(self) -> Iterator[None]:
        """All writes in one savepoint: any failure leaves the database as it was."""
        try:
            with self.session.begin_nested():
                yield
                self.session.flush()
        except IntegrityError as error:  # most likely, someone else wrote the same rows meanwhile
            reason = str(error.orig).splitlines()[0][:200]
            raise ImportFailed(
                N_("The database refused the import ({reason}); nothing was imported. Try again."),
                problems=[],
                reason=reason,
            ) from error

    def done(self, what: str, rows: list[Row], created: int, updated: int) -> ImportReport:
        self.log("imported", what=what, rows=len(rows), created=created, updated=updated)
        return ImportReport(len(rows), created, updated)


def _start(session: Session, actor: Actor, community: Community) -> tuple[_Import, Problems]:
    require_coordinator(session, actor, community.id)
    return _Import(session, actor, community), Problems()


def _apply(record: Any, values: dict[str, Any], fields: tuple[str, ...]) -> list[str]:
    """Set the given fields that differ; return the names of those changed."""
    changed = [f for f in fields if f in values and getattr(record, f) != values[f]]
    for name in changed:
        setattr(record, name, values[name])
    return changed
