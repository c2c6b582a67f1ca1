"""CSV import of places, households and people: every row is checked first, then all are written or none.

Rules a community office can rely on (the columns and values are described in ``import_rows``):
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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import ImportFailed, InvalidInput
from coord.i18n import N_
from coord.models import (
    Area,
    AreaKind,
    Community,
    CommunityRole,
    Household,
    Membership,
    Person,
    Place,
    PlaceKind,
    Team,
    TeamRole,
)
from coord.services.imports.rows import (
    HOUSEHOLDS,
    PEOPLE,
    PLACES,
    Problems,
    Row,
    phone_key,
    read_rows,
    report_repeats,
)
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


# ---- places --------------------------------------------------------------------------------------------

AreaPlan = dict[str, tuple[AreaKind, str]]  # area name -> (zone or grid, the grid's zone)


def import_places(*, session: Session, actor: Actor, community: Community, source: TextIO) -> ImportReport:
    """Create or update places, and the zones and grids they name, from a CSV file."""
    job, problems = _start(session, actor, community)
    rows = read_rows(source, PLACES, problems)
    places = {p.name: p for p in session.scalars(select(Place).where(Place.community_id == community.id))}
    areas = {a.name: a for a in session.scalars(select(Area).where(Area.community_id == community.id))}
    inhabited = set(
        session.scalars(select(Household.building_id).where(Household.community_id == community.id))
    )
    report_repeats(rows, lambda row: row.values["name"], problems)
    new_areas = _plan_areas(rows, areas, problems)
    for row in (r for r in rows if r.ok):
        row.target = place = places.get(row.values["name"])
        if place is not None and place.id in inhabited and row.values.get("kind", place.kind) != place.kind:
            problems.add(row.line, N_("“{name}” has households, so it stays a building."), name=place.name)
    problems.raise_if_any()
    with job.writing():
        _create_areas(job, new_areas, areas)
        created, updated = _write_places(job, rows, areas)
    return job.done("places", rows, created, updated)


def _plan_areas(rows: list[Row], areas: dict[str, Area], problems: Problems) -> AreaPlan:
    """The zones and grids to create; a name used both ways or a grid put in two zones is a problem."""
    names = {a.id: a.name for a in areas.values()}
    known = {a.name: (a.kind, names.get(a.parent_id or 0, "")) for a in areas.values()}
    new: AreaPlan = {}
    for row in (r for r in rows if r.ok):
        zone, grid = row.values.get("zone", ""), row.values.get("grid", "")
        try:
            if zone:
                _plan_area(zone, AreaKind.ZONE, "", known, new)
            if grid:
                _plan_area(grid, AreaKind.GRID, zone, known, new)
        except InvalidInput as error:
            problems.add(row.line, error.msgid, **error.params)
    return new


def _plan_area(name: str, kind: AreaKind, zone: str, known: AreaPlan, new: AreaPlan) -> None:
    if name not in known:
        if kind == AreaKind.GRID and not zone:
            raise InvalidInput(N_("The grid “{grid}” is new: name its zone too."), grid=name)
        known[name] = new[name] = (kind, zone)
        return
    actual_kind, actual_zone = known[name]
    if actual_kind != kind:
        if kind == AreaKind.ZONE:
            raise InvalidInput(N_("“{name}” is a grid, not a zone."), name=name)
        raise InvalidInput(N_("“{name}” is a zone, not a grid."), name=name)
    if zone and actual_zone != zone:
        msgid = N_("The grid “{grid}” is in zone “{actual}”, not in “{zone}”.")
        raise InvalidInput(msgid, grid=name, actual=actual_zone, zone=zone)


def _create_areas(job: _Import, new: AreaPlan, areas: dict[str, Area]) -> None:
    created = []
    for kind in (AreaKind.ZONE, AreaKind.GRID):  # zones first: grids sit in them
        for name, (area_kind, zone) in new.items():
            if area_kind == kind:
                parent = areas.get(zone)
                areas[name] = Area(community_id=job.community.id, name=name, kind=kind, parent=parent)
                created.append(areas[name])
    job.session.add_all(created)
    job.session.flush()
    for area in created:
        job.log("area_added", area_id=area.id, name=area.name)


def _write_places(job: _Import, rows: list[Row], areas: dict[str, Area]) -> tuple[int, int]:
    created: list[Place] = []
    updated = 0
    for row in rows:
        values = dict(row.values)
        if "zone" in values or "grid" in values:
            zone, grid = values.pop("zone", ""), values.pop("grid", "")
            area = areas.get(grid or zone)
            values["area_id"] = area.id if area else None
        place: Place | None = row.target
        if place is None:
            values.setdefault("kind", PlaceKind.BUILDING)
            created.append(Place(community_id=job.community.id, **values))
        elif changed := _apply(place, values, ("kind", "area_id", "floors", "units")):
            updated += 1
            job.log("place_updated", place_id=place.id, fields=changed)
    job.session.add_all(created)
    job.session.flush()
    for place in created:
        job.log("place_added", place_id=place.id, name=place.name)
    return len(created), updated


# ---- households ----------------------------------------------------------------------------------------

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
        if "watch_colour" in changed:  # recorded as set_watch_colour records it
            new = household.watch_colour
            job.log(
                "watch_colour_set",
                household_id=household.id,
                old=str(old) if old else None,
                new=str(new) if new else None,
                reason="import",
            )
        if others := [name for name in changed if name != "watch_colour"]:
            job.log("household_updated", household_id=household.id, fields=others)
    job.session.add_all(created)
    job.session.flush()
    for household in created:
        job.log("household_added", household_id=household.id)
    return len(created), updated


# ---- people --------------------------------------------------------------------------------------------


@dataclass
class _Directory:
    """The community's people, teams and roles, loaded once so that no row needs a query."""

    teams: dict[str, Team]
    coordinators: set[int]
    by_phone: dict[str, list[Person]] = field(default_factory=dict)
    by_name: dict[str, list[Person]] = field(default_factory=dict)
    members: dict[tuple[int, int], Membership] = field(default_factory=dict)
    in_some_team: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session, community: Community) -> _Directory:
        teams = session.scalars(select(Team).where(Team.community_id == community.id)).all()
        roles = select(CommunityRole.person_id).where(
            CommunityRole.community_id == community.id, CommunityRole.role == "coordinator"
        )
        directory = cls({t.name: t for t in teams}, set(session.scalars(roles)))
        for person in session.scalars(select(Person).where(Person.community_id == community.id)):
            directory.by_name.setdefault(person.name, []).append(person)
            if person.phone:
                directory.by_phone.setdefault(phone_key(person.phone), []).append(person)
        memberships = select(Membership).where(Membership.team_id.in_([t.id for t in teams]))
        for m in session.scalars(memberships):
            directory.members[(m.team_id, m.person_id)] = m
            directory.in_some_team.add(m.person_id)
        return directory

    def in_team(self, person: Person, team: Team | None) -> bool:
        """In ``team``; or, for no team, in none."""
        if team is not None:
            return (team.id, person.id) in self.members
        return person.id not in self.in_some_team


def import_people(*, session: Session, actor: Actor, community: Community, source: TextIO) -> ImportReport:
    """Create or update people, their team memberships and coordinator roles from a CSV file."""
    job, problems = _start(session, actor, community)
    rows = read_rows(source, PEOPLE, problems)
    directory = _Directory.load(session, community)
    for row in (r for r in rows if r.ok):
        _match_person(row, directory, problems)
    report_repeats(rows, _person_key, problems)
    problems.raise_if_any()
    known = [row for row in rows if row.target is not None]
    new = [row for row in rows if row.target is None]
    with job.writing():
        _create_people(job, new)
        for row in new:
            _grant_roles(job, row, directory)
        updated = sum(_update_person(job, row, directory) for row in known)
    return job.done("people", rows, len(new), updated)


def _match_person(row: Row, directory: _Directory, problems: Problems) -> None:
    """Resolve the row's team and find the person it names: by phone, else by name within the team."""
    values = row.values
    team_name = values.get("team", "")
    team = values["team"] = directory.teams.get(team_name)
    if team_name and team is None:
        row.ok = False
        problems.add(row.line, N_("There is no team called “{team}”; create it first."), team=team_name)
        return
    if values.get("role") == "captain" and team is None:
        row.ok = False
        problems.add(row.line, N_("A captain needs a team: fill in the team column."))
        return
    phone = phone_key(values.get("phone", ""))
    matches = directory.by_phone.get(phone, []) if phone else []
    if not matches:  # by name; a phone in the file may be new for someone listed before without one
        named = directory.by_name.get(values["name"], [])
        matches = [p for p in named if directory.in_team(p, team) and not (phone and p.phone)]
    if len(matches) > 1:
        row.ok = False
        msgid = N_("{count} people match “{name}”; tell them apart by phone number.")
        problems.add(row.line, msgid, count=len(matches), name=values["name"])
        return
    row.target = matches[0] if matches else None


def _person_key(row: Row) -> tuple[Any, ...]:
    if row.target is not None:
        return ("person", row.target.id)
    phone = phone_key(row.values.get("phone", ""))
    team = row.values["team"]
    return ("phone", phone) if phone else ("name", row.values["name"], team.id if team else None)


def _create_people(job: _Import, rows: list[Row]) -> None:
    for row in rows:
        row.target = Person(
            community_id=job.community.id,
            name=row.values["name"],
            phone=row.values.get("phone", ""),
            language=row.values.get("language") or job.community.language,
            skills=row.values.get("skills", []),
        )
    job.session.add_all([row.target for row in rows])
    job.session.flush()
    for row in rows:
        job.log("person_added", subject_id=row.target.id)


def _update_person(job: _Import, row: Row, directory: _Directory) -> bool:
    """Bring a known person in line with the row; True if anything changed."""
    values = dict(row.values)
    if "language" in values:
        values["language"] = values["language"] or job.community.language
    if phone_key(values.get("phone", "")) in ("", phone_key(row.target.phone)):
        values.pop("phone", None)  # the same number written differently; and an import never clears one
    fields = _apply(row.target, values, ("name", "phone", "language", "skills"))
    if fields:
        job.log("person_updated", subject_id=row.target.id, fields=fields)
    return _grant_roles(job, row, directory) or bool(fields)


def _grant_roles(job: _Import, row: Row, directory: _Directory) -> bool:
    """Put the person in the row's team with the row's role, and make them a coordinator if it says so."""
    person: Person = row.target
    team: Team | None = row.values["team"]
    role = row.values.get("role")
    changed = False
    if team is not None:
        wanted = TeamRole.CAPTAIN if role == "captain" else TeamRole.VOLUNTEER
        membership = directory.members.get((team.id, person.id))
        if membership is None:
            membership = Membership(team_id=team.id, person_id=person.id, role=wanted)
            directory.members[(team.id, person.id)] = membership
            job.session.add(membership)
            changed = True
        elif role in ("volunteer", "captain") and membership.role != wanted:
            membership.role = wanted
            changed = True
        if changed:  # as add_member records it
            job.log("member_added", subject_id=person.id, team_id=team.id, role=str(wanted))
    if role == "coordinator" and person.id not in directory.coordinators:
        directory.coordinators.add(person.id)
        job.session.add(CommunityRole(community_id=person.community_id, person_id=person.id))
        job.log("coordinator_added", subject_id=person.id)
        changed = True
    return changed
