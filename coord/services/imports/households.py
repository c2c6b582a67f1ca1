"""Importing households into the community's existing buildings."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.i18n import N_
from coord.models import Community, Household, Place, PlaceKind
from coord.services.imports.job import ImportReport, _apply, _Import, _start
from coord.services.imports.rows import HOUSEHOLDS, Row, normalise_phones, read_rows, report_repeats
from coord.services.people.access import Actor

HOUSEHOLD_FIELDS = (
    "contact_name",
    "phone",
    "elderly",
    "lives_alone",
    "disabled",
    "watch_colour",
    "quarantine_until",
    "notes",
)


def import_households(
    *, session: Session, actor: Actor, community: Community, source: TextIO
) -> ImportReport:
    """Create or update households in the community's existing buildings from a CSV file."""
    job, problems = _start(session, actor, community)
    rows = read_rows(source, HOUSEHOLDS, problems)
    normalise_phones(rows, community.phone_region, problems)
    places = {p.name: p for p in session.scalars(select(Place).where(Place.community_id == community.id))}
    for row in (r for r in rows if r.ok):
        place = places.get(row.values["building"])
        if place is not None and place.kind == PlaceKind.BUILDING:
            row.values["building_id"] = place.id
            continue
        row.ok = False
        msgid = N_("There is no building called “{name}”; import it with the places first.")
        if place is not None:
            msgid = N_("“{name}” is not a building.")
        problems.add(row.line, msgid, name=row.values["building"])
    report_repeats(rows, _household_key, problems)
    problems.raise_if_any()
    existing = session.scalars(select(Household).where(Household.community_id == community.id))
    by_key = {(h.building_id, h.unit, h.room): h for h in existing}
    for row in rows:
        row.target = by_key.get(_household_key(row))
    with job.writing():
        created, updated = _write_households(job, rows)
    return job.done("households", rows, created, updated)


def _household_key(row: Row) -> tuple[int, str, str]:
    return row.values["building_id"], row.values.get("unit", ""), row.values["room"]


def _write_households(job: _Import, rows: list[Row]) -> tuple[int, int]:
    created: list[Household] = []
    updated = 0
    for row in rows:
        household: Household | None = row.target
        if household is None:
            values = {k: v for k, v in row.values.items() if k in HOUSEHOLD_FIELDS}
            building_id, unit, room = _household_key(row)
            created.append(
                Household(
                    community_id=job.community.id, building_id=building_id, unit=unit, room=room, **values
                )
            )
            continue
        old = household.watch_colour
        changed = _apply(household, row.values, HOUSEHOLD_FIELDS)
        updated += bool(changed)
        if "watch_colour" in changed:  # recorded as set_colour records it; the old follow-up gives way
            new = household.watch_colour
            job.log(
                "watch_colour_set",
                household_id=household.id,
                old=str(old) if old else None,
                new=str(new) if new else None,
                reason="import",
            )
            from coord.services.watch.colours import restart_follow_up

            restart_follow_up(job.session, household, now=utcnow())
        if others := [name for name in changed if name != "watch_colour"]:
            job.log("household_updated", household_id=household.id, fields=others)
    job.session.add_all(created)
    job.session.flush()
    for household in created:
        job.log("household_added", household_id=household.id)
    return len(created), updated
