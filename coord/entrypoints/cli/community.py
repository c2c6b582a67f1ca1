"""``coord community``, ``coord area`` and ``coord place``: a community and its geography."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.entrypoints.cli.runtime import CliError, command_run
from coord.entrypoints.cli.times import parse_clock_time
from coord.errors import InvalidInput
from coord.i18n import N_, normalise_language
from coord.models import (
    Area,
    AreaKind,
    Community,
    Household,
    Person,
    Place,
    PlaceKind,
    Task,
    TaskStatus,
    Team,
)
from coord.services.people.communities import (
    create_community,
    update_community,
)
from coord.services.people.people import find_person
from coord.services.people.secretary import party_secretary, set_party_secretary

community_app = typer.Typer(help="Create, list, show and change communities.", no_args_is_help=True)

CommunityOption = Annotated[
    str | None, typer.Option("--community", "-c", help="Community slug (default: the only one).")
]
LanguageOption = Annotated[str | None, typer.Option("--language", help="en or zh.")]
TimezoneOption = Annotated[str | None, typer.Option("--timezone", help="IANA name, e.g. Asia/Shanghai.")]
SummaryOption = Annotated[str | None, typer.Option("--summary-time", help="Daily summary time, HH:MM.")]
StandardOption = Annotated[
    str | None, typer.Option("--service-standard", help="The volunteers' service standard.")
]
HealthOption = Annotated[
    bool | None,
    typer.Option("--health-declaration/--no-health-declaration", help="Ask for a daily health declaration."),
]
GreenOption = Annotated[
    int | None,
    typer.Option("--green-call-days", min=1, max=60, help="Call a green household back every N days."),
]
PhoneRegionOption = Annotated[
    str | None,
    typer.Option("--phone-region", help="Where a number without +country code is read: CN, DE, ..."),
]


#: Kinds of areas and places in words (a Chinese listing says 片区, 卡口).
KIND_NAMES = {
    "zone": N_("zone"),
    "grid": N_("grid"),
    "building": N_("building"),
    "gate": N_("gate"),
    "depot": N_("supply depot"),
    "drop_point": N_("parcel drop point"),
    "desk": N_("ordering desk"),
}


def parse_language(value: str) -> str:
    """``en`` or ``zh`` in any common spelling; anything else is refused rather than guessed."""
    language = normalise_language(value)
    if language == "en" and not value.strip().lower().startswith(("en", "英")):
        raise InvalidInput(
            N_("Unknown language “{value}”; the languages are: en (English), zh (简体中文)."),
            value=value.strip()[:20],
        )
    return language


@community_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The community's name, e.g. 邮科院社区.")],
    slug: Annotated[str | None, typer.Option("--slug", help="Short name for --community.")] = None,
    timezone: TimezoneOption = None,
    language: LanguageOption = None,
    summary_time: SummaryOption = None,
    service_standard: StandardOption = None,
    health_declaration: HealthOption = None,
) -> None:
    """Create a community."""
    with command_run() as run:
        options: dict[str, Any] = {}
        if summary_time is not None:
            options["summary_time"] = parse_clock_time(summary_time)
        community = create_community(
            session=run.session,
            actor=run.actor,
            name=name,
            slug=slug,
            timezone=timezone or run.settings.timezone,
            language=parse_language(language) if language else run.settings.language,
            service_standard=service_standard or "",
            requires_health_declaration=bool(health_declaration),
            **options,
        )
        run.out.line(N_("Created community {name} ({slug})."), name=community.name, slug=community.slug)


@community_app.command("list")
def list_communities() -> None:
    """List the communities."""
    with command_run() as run:
        rows = run.out.table(N_("slug"), N_("name"), N_("timezone"), N_("language"), N_("people"))
        counted = select(Person.community_id, func.count()).group_by(Person.community_id)
        people: dict[int, int] = {community_id: n for community_id, n in run.session.execute(counted)}
        for community in run.session.scalars(select(Community).order_by(Community.slug)):
            rows.add(
                community.slug,
                community.name,
                community.timezone,
                community.language,
                people.get(community.id, 0),
            )
        if not rows.count:
            run.out.line(N_("No communities yet: create one with coord community create NAME."))


@community_app.command("show")
def show(community: CommunityOption = None) -> None:
    """Show a community's settings and sizes."""
    with command_run() as run:
        chosen = run.community(community)
        run.out.fields(
            [
                (N_("name"), chosen.name),
                (N_("slug"), chosen.slug),
                (N_("timezone"), chosen.timezone),
                (N_("language"), chosen.language),
                (N_("daily summary"), chosen.summary_time.strftime("%H:%M")),
                (
                    N_("health declaration"),
                    run.t(N_("required")) if chosen.requires_health_declaration else "",
                ),
                (N_("service standard"), chosen.service_standard),
                (N_("green households called back every (days)"), chosen.green_call_days),
                (N_("phone numbers read in"), chosen.phone_region),
                (N_("party secretary"), _secretary_name(run.session, chosen)),
            ]
        )
        rows = run.out.table(N_("what"), N_("how many"))
        for label, count in _sizes(run.session, chosen.id):
            rows.add(run.t(label), count)


def _secretary_name(session: Session, community: Community) -> str:
    secretary = party_secretary(session, community)
    return secretary.name if secretary else ""


@community_app.command("secretary")
def secretary(
    name: Annotated[
        str, typer.Argument(help="The coordinator who is the party secretary (name or number); - clears it.")
    ],
    community: CommunityOption = None,
) -> None:
    """Name the community's party secretary (a coordinator): red households' follow-up goes to them."""
    with command_run() as run:
        chosen = run.community(community)
        person = None if name.strip() in ("-", "—") else find_person(run.session, chosen.id, name)
        set_party_secretary(
            session=run.session, actor=run.actor, community=chosen, person=person, now=run.now
        )
        if person is not None:
            run.out.line(
                N_("{name} is now the party secretary: a red household's follow-up goes to them."),
                name=person.name,
            )
        else:
            run.out.line(
                N_("No party secretary is named: a red household's follow-up goes to every coordinator.")
            )


def _sizes(session: Session, community_id: int) -> list[tuple[str, int]]:
    def count(model: Any, *conditions: Any) -> int:
        query = select(func.count()).select_from(model).where(model.community_id == community_id, *conditions)
        return int(session.scalar(query) or 0)

    live = (TaskStatus.OPEN, TaskStatus.FULL, TaskStatus.IN_PROGRESS)
    return [
        (N_("zones"), count(Area, Area.kind == AreaKind.ZONE)),
        (N_("grids"), count(Area, Area.kind == AreaKind.GRID)),
        (N_("buildings"), count(Place, Place.kind == PlaceKind.BUILDING)),
        (N_("other places"), count(Place, Place.kind != PlaceKind.BUILDING)),
        (N_("households"), count(Household)),
        (N_("households under watch"), count(Household, Household.watch_colour.is_not(None))),
        (N_("people"), count(Person)),
        (N_("teams"), count(Team)),
        (N_("tasks to do"), count(Task, Task.status.in_(live))),
    ]


@community_app.command("set")
def set_community(
    community: CommunityOption = None,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    timezone: TimezoneOption = None,
    language: LanguageOption = None,
    summary_time: SummaryOption = None,
    service_standard: StandardOption = None,
    health_declaration: HealthOption = None,
    green_call_days: GreenOption = None,
    phone_region: PhoneRegionOption = None,
) -> None:
    """Change a community's settings."""
    with command_run() as run:
        chosen = run.community(community)
        changes: dict[str, object] = {}
        if name is not None:
            changes["name"] = name.strip()
        if timezone is not None:
            changes["timezone"] = timezone.strip()
        if language is not None:
            changes["language"] = parse_language(language)
        if summary_time is not None:
            changes["summary_time"] = parse_clock_time(summary_time)
        if service_standard is not None:
            changes["service_standard"] = service_standard.strip()
        if health_declaration is not None:
            changes["requires_health_declaration"] = health_declaration
        if green_call_days is not None:
            changes["green_call_days"] = green_call_days
        if phone_region is not None:
            changes["phone_region"] = phone_region
        if not changes:
            raise CliError(
                N_("Nothing to change: give at least one option (see coord community set --help).")
            )
        if "name" in changes and not changes["name"]:
            raise InvalidInput(N_("The {what} cannot be empty."), what=run.t(N_("community name")))
        update_community(session=run.session, actor=run.actor, community=chosen, now=run.now, **changes)
        run.out.line(N_("Updated community {slug}: {fields}."), slug=chosen.slug, fields=", ".join(changes))


def refuse_duplicate(session: Session, model: Any, community_id: int, name: str) -> None:
    """Say so plainly, rather than let the unique constraint fail the transaction."""
    found = session.scalar(
        select(model.id).where(model.community_id == community_id, model.name == name.strip())
    )
    if found is not None:
        raise InvalidInput(N_("“{name}” exists already in this community."), name=name.strip()[:60])
