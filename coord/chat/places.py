"""A coordinator keeps the community's places and areas in chat, as with ``coord place``/``coord area``:
``places`` and ``areas`` list them, ``rename OLD = NEW`` renames one, ``remove NAME`` removes one nothing
refers to, and ``grid GRID leader=NAME medic=NAME …`` names a grid's leader and three roles (一长三员).
Every change goes through ``coord.services.people.geography``, which checks the permission."""

from __future__ import annotations

import re

from coord.chat.context import Context
from coord.chat.parse import Command
from coord.chat.port import Phrase, Reply
from coord.errors import CoordError, InvalidInput, NotFound
from coord.i18n import N_
from coord.models import Area, AreaKind, Person, Place
from coord.services.people import geography
from coord.services.people.communities import find_area, find_place
from coord.services.people.people import find_person

KIND_NAMES = {
    "zone": N_("zone"),
    "grid": N_("grid"),
    "building": N_("building"),
    "gate": N_("gate"),
    "depot": N_("supply depot"),
    "drop_point": N_("parcel drop point"),
    "desk": N_("ordering desk"),
}
ROLE_NAMES = {
    "leader": N_("grid leader"),
    "registrar": N_("returnee registrar"),
    "medic": N_("temperature-check medic"),
    "buyer": N_("supplies buyer"),
}
#: ``role=NAME`` of the ``grid`` command, as people type the roles.
ROLE_WORDS = {
    **dict.fromkeys(("leader", "网格长", "格长"), "leader"),
    **dict.fromkeys(("registrar", "登记员", "返乡登记员", "返乡人员登记员"), "registrar"),
    **dict.fromkeys(("medic", "医护", "测温员", "医生"), "medic"),
    **dict.fromkeys(("buyer", "采购员", "物资采购员", "代购员"), "buyer"),
}
CLEAR_WORDS = frozenset({"-", "—", "none", "nobody", "无", "无人", "清除"})
PLACE_WORDS = frozenset({"place", "地点", "场所"})
AREA_WORDS = frozenset({"area", "zone", "grid", "片区", "网格", "区域"})
RENAME_EXAMPLE = N_("rename Building 12 = Building 12A")
MAX_LISTED = 60
_DIGITS = re.compile(r"(\d+)")
NOT_A_ROLE = N_(
    "A grid's roles are leader=, registrar=, medic= and buyer=, not “{role}”. Nothing was changed."
)


def places(ctx: Context, command: Command) -> list[Reply]:
    """``places``: every place with its kind, its area, and what refers to it."""
    found = sorted(
        geography.list_places(ctx.session, actor=ctx.actor, community=ctx.community),
        key=lambda p: (p.area_id is None, p.area_id or 0, _natural(p.name)),
    )
    if not found:
        return [ctx.say(N_("No places yet: add them with coord place add."))]
    lines = tuple(_place_line(ctx, place) for place in found[:MAX_LISTED])
    return [ctx.say(N_("Places ({count}):\n{lines}"), count=len(found), lines=lines)]


def _natural(name: str) -> tuple[tuple[int, int | str], ...]:
    """``8栋`` before ``10栋``: numbers in a name compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(name) if part)


def _place_line(ctx: Context, place: Place) -> Phrase:
    uses = geography.place_uses(ctx.session, place)
    return Phrase(
        N_("{name}: {kind}, {area}; tasks {tasks}, households {households}"),
        {
            "name": place.name,
            "kind": Phrase(KIND_NAMES[str(place.kind)]),
            "area": place.area.name if place.area else Phrase(N_("in no area")),
            "tasks": uses.tasks,
            "households": uses.households,
        },
    )


def areas(ctx: Context, command: Command) -> list[Reply]:
    """``areas``: the zones, each with its grids, their places, and each grid's leader and three roles."""
    found = geography.list_areas(ctx.session, actor=ctx.actor, community=ctx.community)
    if not found:
        return [ctx.say(N_("No zones or grids yet: add one with coord area add NAME --kind zone."))]
    lines = tuple(_area_line(ctx, area) for area in found[:MAX_LISTED])
    return [ctx.say(N_("Zones and grids ({count}):\n{lines}"), count=len(found), lines=lines)]


def _area_line(ctx: Context, area: Area) -> Phrase:
    uses = geography.area_uses(ctx.session, area)
    line = Phrase(
        N_("{name}: {kind}; places {places}, teams {teams}"),
        {
            "name": area.name if area.parent_id is None else "  " + area.name,
            "kind": Phrase(KIND_NAMES[str(area.kind)]),
            "places": uses.places,
            "teams": uses.teams,
        },
    )
    if area.kind != AreaKind.GRID:
        return line
    return Phrase(N_("{line}; {roles}"), {"line": line, "roles": _roles(ctx, area)})


def _roles(ctx: Context, area: Area) -> Phrase:
    names = {}
    for role in ROLE_NAMES:
        person_id = getattr(area, f"{role}_id")
        person = ctx.session.get(Person, person_id) if person_id else None
        names[role] = person.name if person else Phrase(N_("nobody"))
    return Phrase(N_("grid leader {leader}, registrar {registrar}, medic {medic}, buyer {buyer}"), names)


def rename(ctx: Context, command: Command) -> list[Reply]:
    """``rename OLD = NEW`` (or ``rename place OLD = NEW``, ``rename area OLD = NEW``)."""
    words, folded = list(command.as_typed), list(command.args)  # "=" or "＝"
    if "=" in folded and 0 < folded.index("=") < len(folded) - 1:
        cut = folded.index("=")
        old, new = " ".join(words[:cut]), " ".join(words[cut + 1 :])
    elif not words and len(command.options) == 1:  # "rename 12栋=12号楼"
        ((old, new),) = command.options.items()
    else:
        raise InvalidInput(
            N_("Which one, and its new name? For example: {example}"), example=Phrase(RENAME_EXAMPLE)
        )
    thing = _place_or_area(ctx, old)
    shown = thing.name
    if isinstance(thing, Place):
        fields = ctx.attempt(
            lambda: geography.edit_place(
                session=ctx.session, actor=ctx.actor, place=thing, name=new, now=ctx.now
            )
        )
    else:
        fields = ctx.attempt(
            lambda: geography.edit_area(
                session=ctx.session, actor=ctx.actor, area=thing, name=new, now=ctx.now
            )
        )
    if not fields:
        return [ctx.say(N_("Nothing to change: {name} is like that already."), name=shown)]
    return [ctx.say(N_("Renamed “{old}” to “{new}”."), old=shown, new=thing.name)]


def remove(ctx: Context, command: Command) -> list[Reply]:
    """``remove NAME`` (or ``remove place NAME``, ``remove area NAME``): only when nothing refers to it."""
    if not command.args:
        raise InvalidInput(
            N_("Which place or area? For example: {example}"), example=Phrase(N_("remove South Gate"))
        )
    thing = _place_or_area(ctx, " ".join(command.as_typed))
    shown = thing.name
    if isinstance(thing, Place):
        ctx.attempt(
            lambda: geography.remove_place(session=ctx.session, actor=ctx.actor, place=thing, now=ctx.now)
        )
    else:
        ctx.attempt(
            lambda: geography.remove_area(session=ctx.session, actor=ctx.actor, area=thing, now=ctx.now)
        )
    return [ctx.say(N_("Removed {name}."), name=shown)]


def _place_or_area(ctx: Context, ref: str) -> Place | Area:
    """The place (or, said first or when no place has the name, the zone or grid) ``ref`` names."""
    geography.list_areas(ctx.session, actor=ctx.actor, community=ctx.community)  # coordinators only
    first, _, rest = ref.strip().partition(" ")
    if first.lower() in PLACE_WORDS and rest:
        return find_place(ctx.session, ctx.community.id, rest)
    if first.lower() in AREA_WORDS and rest:
        for name in (ref, rest):  # "grid 2" is the second grid; "grid North" the grid called North
            try:
                return find_area(ctx.session, ctx.community.id, name)
            except NotFound:
                continue
    try:
        return find_place(ctx.session, ctx.community.id, ref)
    except NotFound:
        pass
    try:
        return find_area(ctx.session, ctx.community.id, ref)
    except CoordError:
        raise NotFound(
            N_("There is no place, zone or grid called “{name}”."), name=ref.strip()[:60]
        ) from None


def grid(ctx: Context, command: Command) -> list[Reply]:
    """``grid GRID`` shows a grid's leader and three roles; ``grid GRID leader=NAME medic=NAME …`` names
    them (``NAME`` ``-`` clears one). Coordinators only."""
    if not command.args:
        raise InvalidInput(
            N_("Which grid? For example: {example}"),
            example=Phrase(N_("grid Grid 1-1 leader=NAME medic=NAME")),
        )
    geography.list_areas(ctx.session, actor=ctx.actor, community=ctx.community)  # coordinators only
    ref = " ".join(command.as_typed)
    area = find_area(ctx.session, ctx.community.id, f"grid {ref}" if ref.isdigit() else ref)  # grid 2
    roles: dict[str, Person | None] = {}
    for key, value in command.options.items():
        role = ROLE_WORDS.get(key.lower())
        if role is None:
            raise InvalidInput(
                NOT_A_ROLE,
                role=key[:30],
            )
        name = value.replace("_", " ").strip()
        roles[role] = (
            None if name.lower() in CLEAR_WORDS else find_person(ctx.session, ctx.community.id, name)
        )
    if roles:
        ctx.attempt(
            lambda: geography.set_grid_roles(
                session=ctx.session, actor=ctx.actor, area=area, roles=roles, now=ctx.now
            )
        )
    return [ctx.say(N_("Grid {name}: {roles}"), name=area.name, roles=_roles(ctx, area))]
