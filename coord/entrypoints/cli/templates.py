"""``coord template``: recurring work (gate rosters, disinfection rounds, daily calls)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.runtime import command_run
from coord.entrypoints.cli.times import parse_day, show_time
from coord.errors import NotFound
from coord.i18n import N_
from coord.models import PlaceKind, Priority, Template, WatchColour
from coord.services.people.communities import find_area, find_place
from coord.services.people.people import find_team

template_app = typer.Typer(
    help="Recurring work: create, list, materialise, deactivate.", no_args_is_help=True
)

TemplateArgument = Annotated[int, typer.Argument(help="The template's number.")]


@template_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="e.g. 南门值守.")],
    kind: Annotated[str, typer.Option("--kind", help="gate_shift, disinfection, checkin_call, ...")],
    title: Annotated[str, typer.Option("--title", help="Task title; may use {place} and {date}.")],
    rrule: Annotated[str, typer.Option("--rrule", help="e.g. FREQ=DAILY;BYHOUR=8,14,20;BYMINUTE=0")],
    starts_on: Annotated[str, typer.Option("--starts-on", help="2026-03-02, today or tomorrow.")] = "today",
    until: Annotated[str | None, typer.Option("--until", help="Last day.")] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    details: Annotated[str, typer.Option("--details", help="Public details.")] = "",
    urgent: Annotated[bool, typer.Option("--urgent")] = False,
    duration: Annotated[
        int | None, typer.Option("--duration", min=1, max=1440, help="Shift minutes.")
    ] = None,
    due: Annotated[
        int | None, typer.Option("--due", min=1, max=10080, help="Deadline, minutes after.")
    ] = None,
    capacity: Annotated[int, typer.Option("--capacity", min=1, max=500)] = 1,
    skill: Annotated[list[str] | None, typer.Option("--skill", help="Needed skill; repeat.")] = None,
    place: Annotated[str | None, typer.Option("--place", help="One place.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="Every --place-kind place in this area.")] = None,
    place_kind: Annotated[PlaceKind | None, typer.Option("--place-kind")] = None,
    colour: Annotated[
        WatchColour | None, typer.Option("--colour", help="Every household of this colour.")
    ] = None,
    past: Annotated[
        bool, typer.Option("--past", help="Its dates are past: make them now as past work to fill in.")
    ] = False,
    community: CommunityOption = None,
) -> None:
    """Create a template for recurring work; its tasks appear when it is materialised."""
    from coord.services.recurring.templates import create_template

    with command_run() as run:
        chosen = run.community(community)
        zone = chosen.timezone
        template = create_template(
            session=run.session,
            actor=run.actor,
            community=chosen,
            name=name,
            kind=kind,
            title=title,
            rrule=rrule,
            starts_on=parse_day(starts_on, timezone=zone, now=run.now),
            until=parse_day(until, timezone=zone, now=run.now) if until else None,
            team=find_team(run.session, chosen.id, team) if team else None,
            public_details=details,
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            duration_minutes=duration,
            due_minutes=due,
            capacity=capacity,
            skills=skill or [],
            **_targets(run.session, chosen.id, place, area, place_kind, colour),
            now=run.now,
            past=past,
        )
        run.out.line(N_("Created template #{id}: {name}"), id=template.id, name=template.name)
        if past:
            from coord.services.records.rosters import materialise_past

            made = materialise_past(session=run.session, actor=run.actor, template=template, now=run.now)
            run.out.line(
                N_("Made {count} task of past work to fill in (coord record fill TASK …)."), count=made
            )


def _targets(
    session: Session,
    community_id: int,
    place: str | None,
    area: str | None,
    place_kind: PlaceKind | None,
    colour: WatchColour | None,
) -> dict[str, Any]:
    """What each occurrence is made for: one place, the places of a kind in an area, or households."""
    return {
        "place": find_place(session, community_id, place) if place else None,
        "area": find_area(session, community_id, area) if area else None,
        "place_kind": str(place_kind) if place_kind else None,
        "household_colour": colour,
    }


@template_app.command("list")
def list_templates(
    all_: Annotated[bool, typer.Option("--all", help="Include deactivated templates.")] = False,
    community: CommunityOption = None,
) -> None:
    """List the templates of recurring work."""
    with command_run() as run:
        chosen = run.community(community)
        query = select(Template).where(Template.community_id == chosen.id).order_by(Template.id)
        if not all_:
            query = query.where(Template.active.is_(True))
        rows = run.out.table(
            N_("#"),
            N_("name"),
            N_("kind"),
            N_("rule"),
            N_("from"),
            N_("until"),
            N_("tasks made until"),
            N_("active"),
        )
        for template in run.session.scalars(query):
            rows.add(
                template.id,
                template.name,
                template.kind,
                template.rrule,
                template.starts_on,
                template.until or "",
                show_time(template.materialised_until, chosen.timezone),
                "✓" if template.active else "",
            )
        if not rows.count:
            run.out.line(N_("No templates yet: create one with coord template create."))


@template_app.command("materialise")
def materialise(
    template_id: Annotated[int | None, typer.Argument(help="One template (default: all).")] = None,
    days: Annotated[int, typer.Option("--days", min=1, max=60, help="How far ahead.")] = 7,
    past: Annotated[
        bool, typer.Option("--past", help="Make its past dates as past work to fill in (one template).")
    ] = False,
    community: CommunityOption = None,
) -> None:
    """Create the tasks of recurring work for the days ahead (running it again adds no duplicates)."""
    from coord.services.recurring.materialisation import materialise, materialise_all

    with command_run() as run:
        chosen = run.community(community)
        if past:
            from coord.services.records.rosters import materialise_past

            template = run.session.get(Template, template_id) if template_id is not None else None
            if template is None or template.community_id != chosen.id:
                raise NotFound(N_("There is no template #{template_id}."), template_id=template_id or 0)
            made = materialise_past(session=run.session, actor=run.actor, template=template, now=run.now)
            run.out.line(
                N_("Made {count} task of past work to fill in (coord record fill TASK …)."), count=made
            )
            return
        if template_id is None:
            made = materialise_all(session=run.session, now=run.now, days=days, community_id=chosen.id)
        else:
            template = run.session.get(Template, template_id)
            if template is None or template.community_id != chosen.id:
                raise NotFound(N_("There is no template #{template_id}."), template_id=template_id)
            made = materialise(session=run.session, template=template, now=run.now, days=days)
        run.out.line(N_("Tasks made for the next {days} day: {count}."), count=made, days=days)
        if made == 0:  # say why, for each template that made none
            from coord.services.records.rosters import why_none

            query = select(Template).where(Template.community_id == chosen.id).order_by(Template.id)
            if template_id is not None:
                query = query.where(Template.id == template_id)
            for each in run.session.scalars(query):
                msgid, params = why_none(run.session, each, run.now, days)
                run.out.line(msgid, **params)


@template_app.command("deactivate")
def deactivate(template_id: TemplateArgument, community: CommunityOption = None) -> None:
    """Stop a template making new tasks."""
    from coord.services.recurring.templates import deactivate_template

    with command_run() as run:
        template = run.session.get(Template, template_id)
        if template is None or template.community_id != run.community(community).id:
            raise NotFound(N_("There is no template #{template_id}."), template_id=template_id)
        deactivate_template(session=run.session, actor=run.actor, template_id=template_id)
        run.out.line(N_("Template #{id} makes no more tasks."), id=template_id)
