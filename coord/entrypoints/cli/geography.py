"""``coord area`` and ``coord place``: the community's zones, grids and the places work happens at."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from coord.entrypoints.cli.community import KIND_NAMES, CommunityOption, refuse_duplicate
from coord.entrypoints.cli.runtime import command_run
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import (
    Area,
    AreaKind,
    Person,
    Place,
    PlaceKind,
)
from coord.services.people import geography
from coord.services.people.communities import add_area, add_place, find_area, find_place
from coord.services.people.people import find_person

area_app = typer.Typer(help="Zones (片区) and grids (网格).", no_args_is_help=True)
place_app = typer.Typer(help="Buildings, gates, depots, drop points, desks.", no_args_is_help=True)


@area_app.command("add")
def add_area_command(
    name: Annotated[str, typer.Argument(help="e.g. 东片区 or 第3网格.")],
    kind: Annotated[AreaKind, typer.Option("--kind", help="zone or grid.")],
    parent: Annotated[str | None, typer.Option("--parent", help="The zone a grid sits in.")] = None,
    community: CommunityOption = None,
) -> None:
    """Add a zone, or a grid inside a zone."""
    with command_run() as run:
        chosen = run.community(community)
        inside = find_area(run.session, chosen.id, parent) if parent else None
        refuse_duplicate(run.session, Area, chosen.id, name)
        area = add_area(
            session=run.session, actor=run.actor, community=chosen, name=name, kind=kind, parent=inside
        )
        run.out.line(N_("Added {kind} {name}."), kind=run.t(KIND_NAMES[str(area.kind)]), name=area.name)


@place_app.command("add")
def add_place_command(
    name: Annotated[str, typer.Argument(help="e.g. 12栋 or 南门.")],
    kind: Annotated[PlaceKind, typer.Option("--kind", help="building, gate, depot, drop_point or desk.")],
    area: Annotated[str | None, typer.Option("--area", help="The zone or grid it is in.")] = None,
    floors: Annotated[int | None, typer.Option("--floors", min=1, max=200)] = None,
    units: Annotated[int | None, typer.Option("--units", min=1, max=100)] = None,
    community: CommunityOption = None,
) -> None:
    """Add a place where work happens."""
    with command_run() as run:
        chosen = run.community(community)
        inside = find_area(run.session, chosen.id, area) if area else None
        refuse_duplicate(run.session, Place, chosen.id, name)
        place = add_place(
            session=run.session,
            actor=run.actor,
            community=chosen,
            name=name,
            kind=kind,
            area=inside,
            floors=floors,
            units=units,
        )
        run.out.line(N_("Added {kind} {name}."), kind=run.t(KIND_NAMES[str(place.kind)]), name=place.name)


NONE_WORDS = ("-", "none", "无")


@place_app.command("list")
def list_places_command(community: CommunityOption = None) -> None:
    """List the places, with the households and tasks at each."""
    with command_run() as run:
        chosen = run.community(community)
        places = geography.list_places(run.session, actor=run.actor, community=chosen)
        rows = run.out.table(
            N_("name"),
            N_("kind"),
            N_("zone or grid"),
            N_("floors"),
            N_("units"),
            N_("households"),
            N_("tasks"),
        )
        for place in places:
            uses = geography.place_uses(run.session, place)
            rows.add(
                place.name,
                run.t(KIND_NAMES[str(place.kind)]),
                place.area.name if place.area else "",
                place.floors,
                place.units,
                uses.households,
                uses.tasks,
            )
        if not rows.count:
            run.out.line(N_("No places yet: add one with coord place add NAME --kind gate."))


@place_app.command("edit")
def edit_place_command(
    name: Annotated[str, typer.Argument(help="The place's name now.")],
    new_name: Annotated[str | None, typer.Option("--name", help="Its new name.")] = None,
    kind: Annotated[
        PlaceKind | None, typer.Option("--kind", help="building, gate, depot, drop_point or desk.")
    ] = None,
    area: Annotated[
        str | None, typer.Option("--area", help="The zone or grid it is in (- for none).")
    ] = None,
    floors: Annotated[int | None, typer.Option("--floors", min=1, max=200)] = None,
    units: Annotated[int | None, typer.Option("--units", min=1, max=100)] = None,
    community: CommunityOption = None,
) -> None:
    """Rename a place, or change its kind, area, floors or units."""
    with command_run() as run:
        chosen = run.community(community)
        place = find_place(run.session, chosen.id, name)
        changes: dict[str, Any] = {}
        if area is not None:
            changes["area"] = (
                None if area.strip().lower() in NONE_WORDS else find_area(run.session, chosen.id, area)
            )
        if floors is not None:
            changes["floors"] = floors
        if units is not None:
            changes["units"] = units
        fields = geography.edit_place(
            session=run.session,
            actor=run.actor,
            place=place,
            name=new_name,
            kind=kind,
            now=run.now,
            **changes,
        )
        if not fields:
            run.out.line(N_("Nothing to change: {name} is like that already."), name=place.name)
            return
        run.out.line(N_("Updated {name}: {fields}."), name=place.name, fields=", ".join(fields))


@place_app.command("remove")
def remove_place_command(
    name: Annotated[str, typer.Argument(help="The place's name.")], community: CommunityOption = None
) -> None:
    """Remove a place that no task, household or recurring work refers to."""
    with command_run() as run:
        chosen = run.community(community)
        place = find_place(run.session, chosen.id, name)
        shown = place.name
        geography.remove_place(session=run.session, actor=run.actor, place=place, now=run.now)
        run.out.line(N_("Removed {name}."), name=shown)


@area_app.command("list")
def list_areas_command(community: CommunityOption = None) -> None:
    """List the zones and grids, with the places in each."""
    with command_run() as run:
        chosen = run.community(community)
        areas = geography.list_areas(run.session, actor=run.actor, community=chosen)
        rows = run.out.table(N_("name"), N_("kind"), N_("in zone"), N_("places"), N_("teams"))
        for area in areas:
            uses = geography.area_uses(run.session, area)
            rows.add(
                area.name,
                run.t(KIND_NAMES[str(area.kind)]),
                area.parent.name if area.parent else "",
                uses.places,
                uses.teams,
            )
        if not rows.count:
            run.out.line(N_("No zones or grids yet: add one with coord area add NAME --kind zone."))


@area_app.command("edit")
def edit_area_command(
    name: Annotated[str, typer.Argument(help="The zone or grid's name now.")],
    new_name: Annotated[str | None, typer.Option("--name", help="Its new name.")] = None,
    parent: Annotated[str | None, typer.Option("--parent", help="The zone a grid moves to.")] = None,
    community: CommunityOption = None,
) -> None:
    """Rename a zone or grid, or move a grid to another zone."""
    with command_run() as run:
        chosen = run.community(community)
        area = find_area(run.session, chosen.id, name)
        changes: dict[str, Any] = {}
        if parent is not None:
            changes["parent"] = find_area(run.session, chosen.id, parent)
        fields = geography.edit_area(
            session=run.session, actor=run.actor, area=area, name=new_name, now=run.now, **changes
        )
        if not fields:
            run.out.line(N_("Nothing to change: {name} is like that already."), name=area.name)
            return
        run.out.line(N_("Updated {name}: {fields}."), name=area.name, fields=", ".join(fields))


ROLE_NAMES = {
    "leader": N_("grid leader"),
    "registrar": N_("returnee registrar"),
    "medic": N_("temperature-check medic"),
    "buyer": N_("supplies buyer"),
}


@area_app.command("roles")
def area_roles_command(
    grid: Annotated[str, typer.Argument(help="The grid.")],
    assignments: Annotated[
        list[str] | None,
        typer.Argument(help="leader=NAME registrar=NAME medic=NAME buyer=NAME (NAME - clears it)."),
    ] = None,
    community: CommunityOption = None,
) -> None:
    """Show or name a grid's leader and three roles (一长三员), who hear its escalations with the captain."""
    with command_run() as run:
        chosen = run.community(community)
        area = find_area(run.session, chosen.id, grid)
        roles: dict[str, Person | None] = {}
        for item in assignments or []:
            role, equals, name = item.partition("=")
            if not equals or not name.strip():
                raise InvalidInput(N_("Write each role as role=NAME, for example leader=王芳."))
            role = role.strip().lower()
            roles[role] = (
                None if name.strip().lower() in NONE_WORDS else find_person(run.session, chosen.id, name)
            )
        if roles:
            changed = geography.set_grid_roles(
                session=run.session, actor=run.actor, area=area, roles=roles, now=run.now
            )
            run.out.line(N_("Updated {name}: {fields}."), name=area.name, fields=", ".join(changed) or "-")
        pairs: list[tuple[str, object]] = []
        for role, label in ROLE_NAMES.items():
            person_id = getattr(area, f"{role}_id")
            person = run.session.get(Person, person_id) if person_id else None
            pairs.append((label, person.name if person else run.t(N_("nobody"))))
        run.out.fields(pairs)


@area_app.command("remove")
def remove_area_command(
    name: Annotated[str, typer.Argument(help="The zone or grid's name.")], community: CommunityOption = None
) -> None:
    """Remove a zone or grid that no place, grid, team or recurring work refers to."""
    with command_run() as run:
        chosen = run.community(community)
        area = find_area(run.session, chosen.id, name)
        shown = area.name
        geography.remove_area(session=run.session, actor=run.actor, area=area, now=run.now)
        run.out.line(N_("Removed {name}."), name=shown)
