"""Importing places, and the zones and grids they name."""

from __future__ import annotations

from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Area, AreaKind, Community, Household, Place, PlaceKind
from coord.services.imports.job import ImportReport, _apply, _Import, _start
from coord.services.imports.rows import PLACES, Problems, Row, read_rows, report_repeats
from coord.services.people.access import Actor

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
