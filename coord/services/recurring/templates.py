"""Recurring-work templates: an RFC 5545 rule times a set of targets, checked once when created.

A template makes no task itself: ``materialisation`` turns its occurrences into tasks.
"""

from __future__ import annotations

import string
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.kinds import TaskKind, get_kind
from coord.models import Area, Community, Place, PlaceKind, Priority, Team, Template, WatchColour, as_id
from coord.models.kinds import find_kind
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_lead
from coord.services.recurring.rules import check_happens, parse_rule, rule_body
from coord.services.work.tasks import MAX_CAPACITY

MAX_SHIFT_MINUTES = 24 * 60
MAX_DUE_MINUTES = 7 * 24 * 60
TITLE_FIELDS = ("place", "date", "time")


def create_template(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    name: str,
    kind: str,
    title: str,
    rrule: str,
    starts_on: date,
    until: date | None = None,
    team: Team | None = None,
    public_details: str = "",
    priority: Priority = Priority.NORMAL,
    duration_minutes: int | None = None,
    due_minutes: int | None = None,
    capacity: int = 1,
    skills: list[str] | None = None,
    place: Place | None = None,
    area: Area | None = None,
    place_kind: str | None = None,
    household_colour: WatchColour | None = None,
    now: datetime | None = None,
    past: bool = False,
) -> Template:
    """New recurring work, by the team's captain or a coordinator; its tasks appear when materialised.

    Targets, at most one sort: ``place``; the places in ``area`` (a zone includes its grids) and/or of
    ``place_kind``; or the households of ``household_colour``, each only up to its quarantine_until.
    Without a target each occurrence is one task. Shift kinds need ``duration_minutes``; other kinds may
    have ``due_minutes`` (a deadline after each occurrence), or neither. Titles may use {place}, {date}
    and {time}; a household's task names only its building. A roster whose dates are all past is refused
    unless ``past`` (then ``coord.services.records.rosters.materialise_past`` makes it as past work).
    """
    require_lead(session, actor, community.id, team.id if team else None)
    task_kind = find_kind(session, community.id, kind) or get_kind(kind)  # the community's own kinds too
    name = _check_basics(name, capacity, starts_on, until)
    kind_of_place = _check_targets(community, team, place, area, place_kind, household_colour)
    targeted = any(t is not None for t in (place, area, kind_of_place, household_colour))
    title = _check_title(title, has_place=targeted)
    _check_timing(task_kind, duration_minutes, due_minutes)
    rule_text = rule_body(rrule)
    rule = parse_rule(rule_text, starts_on, ZoneInfo(community.timezone))
    check_happens(rule, rule_text)
    if not past:  # a roster wholly in the past would make nothing: said, unless made as past work
        from coord.services.records.rosters import refuse_wholly_past

        refuse_wholly_past(rule, until, ZoneInfo(community.timezone), now or utcnow())
    template = Template(
        community_id=community.id,
        name=name,
        kind=task_kind.name,
        title=title,
        public_details=public_details.strip(),
        team_id=team.id if team else None,
        priority=priority,
        rrule=rule_text,
        starts_on=starts_on,
        until=until,
        duration_minutes=duration_minutes,
        due_minutes=due_minutes,
        capacity=capacity,
        skills=sorted({s.strip().lower() for s in skills or [] if s.strip()}),
        place_id=place.id if place else None,
        area_id=area.id if area else None,
        place_kind=kind_of_place,
        household_colour=household_colour,
    )
    session.add(template)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="template_created",
        community_id=community.id,
        template_id=template.id,
        name=name,
        rrule=rule_text,
    )
    return template


def deactivate_template(
    *, session: Session, actor: Actor, template_id: int, now: datetime | None = None
) -> Template:
    """Stop a template making new tasks; tasks it already made stay as they are."""
    template = session.get(Template, template_id) if as_id(template_id) is not None else None
    if template is None or (actor.person and actor.person.community_id != template.community_id):
        raise NotFound(N_("There is no template #{template_id}."), template_id=template_id)
    require_lead(session, actor, template.community_id, template.team_id)
    if template.active:
        template.active = False
        record_event(
            session,
            at=now or utcnow(),
            actor=actor,
            action="template_deactivated",
            community_id=template.community_id,
            template_id=template.id,
        )
    return template


def _check_basics(name: str, capacity: int, starts_on: date, until: date | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise InvalidInput(N_("A template needs a name of 1 to 120 characters."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput(N_("A task needs between 1 and {most} people."), most=MAX_CAPACITY)
    if until is not None and until < starts_on:
        raise InvalidInput(N_("The last day cannot be before the first day."))
    return name


def _check_title(title: str, *, has_place: bool) -> str:
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(N_("A task needs a title of 1 to 200 characters."))
    allowed = ", ".join("{" + f + "}" for f in TITLE_FIELDS)
    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(title) if f is not None]
    except ValueError:
        raise InvalidInput(N_("A title may use {allowed} and no other braces."), allowed=allowed) from None
    for field, spec, conversion in fields:
        if field not in TITLE_FIELDS or spec or conversion:
            raise InvalidInput(
                N_("“{field}” cannot be used in a title; use {allowed}."), field=field[:30], allowed=allowed
            )
        if field == "place" and not has_place:
            raise InvalidInput(
                N_("The title names {field}, but the template has no place or households."),
                field="{place}",
            )
    return title


def _check_timing(kind: TaskKind, duration: int | None, due: int | None) -> None:
    if duration is not None and due is not None:
        raise InvalidInput(N_("Give a shift length or a deadline, not both."))
    if kind.shift and duration is None:
        raise InvalidInput(N_("{kind} is shift work: give the shift length in minutes."), kind=kind.name)
    if duration is not None and not 1 <= duration <= MAX_SHIFT_MINUTES:
        raise InvalidInput(N_("A shift lasts between 1 and {most} minutes."), most=MAX_SHIFT_MINUTES)
    if due is not None and not 1 <= due <= MAX_DUE_MINUTES:
        raise InvalidInput(
            N_("A deadline is between 1 and {most} minutes after each occurrence."), most=MAX_DUE_MINUTES
        )


def _check_targets(
    community: Community,
    team: Team | None,
    place: Place | None,
    area: Area | None,
    place_kind: str | None,
    colour: WatchColour | None,
) -> str | None:
    """Validate the targets; return the kind of place, normalised."""
    chosen = [place is not None, area is not None or place_kind is not None, colour is not None]
    if sum(chosen) > 1:
        raise InvalidInput(
            N_("Choose one kind of target: a place, places in an area, or households of a colour.")
        )
    for thing in (team, place, area):
        if thing is not None and thing.community_id != community.id:
            raise InvalidInput(N_("Everything a task names must belong to the same community."))
    if place_kind is None:
        return None
    try:
        return PlaceKind(place_kind.strip().lower()).value
    except ValueError:
        raise InvalidInput(
            N_("Unknown kind of place “{value}”. Known kinds: {known}."),
            value=place_kind[:30],
            known=", ".join(k.value for k in PlaceKind),
        ) from None
