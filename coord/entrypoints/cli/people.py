"""``coord team``, ``coord person``, ``coord coordinator`` and ``coord invite``: who takes part."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.entrypoints.cli.community import CommunityOption, parse_language
from coord.entrypoints.cli.runtime import command_run
from coord.entrypoints.cli.times import show_time
from coord.i18n import N_
from coord.models import Community, Invite, InviteRole, Membership, Person, Team, TeamRole
from coord.services.people.communities import find_area
from coord.services.people.invites import create_invite, revoke_invite
from coord.services.people.people import (
    add_member,
    add_person,
    create_team,
    find_person,
    find_team,
    make_coordinator,
    remove_member,
)
from coord.services.people.roster import deactivate_person, edit_person

team_app = typer.Typer(help="Teams and their members.", no_args_is_help=True)
person_app = typer.Typer(help="People: volunteers, captains, coordinators.", no_args_is_help=True)
coordinator_app = typer.Typer(help="Coordinators of a community.", no_args_is_help=True)
invite_app = typer.Typer(help="Invite codes for joining through a chat network.", no_args_is_help=True)

TeamArgument = Annotated[str, typer.Argument(help="Team name or number.")]
PersonArgument = Annotated[str, typer.Argument(help="Person's exact name or number.")]


@team_app.command("create")
def create_team_command(
    name: Annotated[str, typer.Argument(help="e.g. 门岗防控组.")],
    area: Annotated[str | None, typer.Option("--area", help="The zone or grid it looks after.")] = None,
    reserve: Annotated[
        bool, typer.Option("--reserve", help="The assault team urgent unclaimed work falls back to.")
    ] = False,
    community: CommunityOption = None,
) -> None:
    """Create a team."""
    with command_run() as run:
        chosen = run.community(community)
        where = find_area(run.session, chosen.id, area) if area else None
        team = create_team(
            session=run.session, actor=run.actor, community=chosen, name=name, area=where, is_reserve=reserve
        )
        run.out.line(N_("Created team {name} (#{id})."), name=team.name, id=team.id)


@team_app.command("list")
def list_teams(community: CommunityOption = None) -> None:
    """List the teams with their captains and sizes."""
    with command_run() as run:
        chosen = run.community(community)
        rows = run.out.table(N_("#"), N_("team"), N_("captains"), N_("members"), N_("reserve"))
        for team in run.session.scalars(select(Team).where(Team.community_id == chosen.id).order_by(Team.id)):
            members = _members(run.session, team.id)
            captains = [p.name for p, role in members if role == TeamRole.CAPTAIN]
            rows.add(team.id, team.name, ", ".join(captains), len(members), "✓" if team.is_reserve else "")
        if not rows.count:
            run.out.line(N_("No teams yet: create one with coord team create NAME."))


@team_app.command("show")
def show_team(team: TeamArgument, community: CommunityOption = None) -> None:
    """Show a team's members."""
    with command_run() as run:
        chosen = run.community(community)
        found = find_team(run.session, chosen.id, team)
        run.out.line(N_("Team {name} (#{id})"), name=found.name, id=found.id)
        rows = run.out.table(N_("#"), N_("name"), N_("role"), N_("phone"), N_("skills"), N_("chat"))
        for person, role in _members(run.session, found.id):
            rows.add(person.id, person.name, role, person.phone, ", ".join(person.skills), _networks(person))


@team_app.command("add-member")
def add_member_command(
    team: TeamArgument,
    person: PersonArgument,
    role: Annotated[TeamRole, typer.Option("--role", help="volunteer or captain.")] = TeamRole.VOLUNTEER,
    community: CommunityOption = None,
) -> None:
    """Put a person in a team (or change their role in it)."""
    with command_run() as run:
        chosen = run.community(community)
        found, who = find_team(run.session, chosen.id, team), find_person(run.session, chosen.id, person)
        add_member(session=run.session, actor=run.actor, team=found, person=who, role=role)
        role_name = run.t(ROLE_NAMES[str(role)])
        run.out.line(N_("{name} is now {role} in {team}."), name=who.name, role=role_name, team=found.name)


@team_app.command("remove-member")
def remove_member_command(
    team: TeamArgument, person: PersonArgument, community: CommunityOption = None
) -> None:
    """Take a person out of a team."""
    with command_run() as run:
        chosen = run.community(community)
        found, who = find_team(run.session, chosen.id, team), find_person(run.session, chosen.id, person)
        remove_member(session=run.session, actor=run.actor, team=found, person=who)
        run.out.line(N_("{name} is no longer in {team}."), name=who.name, team=found.name)


@person_app.command("add")
def add_person_command(
    name: Annotated[str, typer.Argument(help="Full name, e.g. 李建国.")],
    phone: Annotated[str, typer.Option("--phone")] = "",
    language: Annotated[
        str | None, typer.Option("--language", help="en or zh (default: the community's).")
    ] = None,
    skill: Annotated[list[str] | None, typer.Option("--skill", help="A skill; repeat for several.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Also put them in this team.")] = None,
    community: CommunityOption = None,
) -> None:
    """Add a person, and optionally put them in a team as a volunteer."""
    with command_run() as run:
        chosen = run.community(community)
        joins = find_team(run.session, chosen.id, team) if team else None
        person = add_person(
            session=run.session,
            actor=run.actor,
            community=chosen,
            name=name,
            phone=phone,
            language=parse_language(language) if language else None,
            skills=skill or [],
        )
        if joins is not None:
            add_member(session=run.session, actor=run.actor, team=joins, person=person)
        run.out.line(N_("Added {name} (#{id})."), name=person.name, id=person.id)


@person_app.command("list")
def list_people(
    team: Annotated[str | None, typer.Option("--team", help="Only this team's members.")] = None,
    community: CommunityOption = None,
) -> None:
    """List people with their teams and skills."""
    with command_run() as run:
        chosen = run.community(community)
        query = select(Person).where(Person.community_id == chosen.id).order_by(Person.id)
        if team:
            found = find_team(run.session, chosen.id, team)
            query = query.join(Membership, Membership.person_id == Person.id).where(
                Membership.team_id == found.id
            )
        teams = _teams_by_person(run.session, chosen.id)
        rows = run.out.table(N_("#"), N_("name"), N_("teams"), N_("skills"), N_("language"), N_("chat"))
        for person in run.session.scalars(query):
            rows.add(
                person.id,
                person.name if person.active else run.t(N_("{name} (deactivated)"), name=person.name),
                ", ".join(teams.get(person.id, [])),
                ", ".join(person.skills),
                person.language,
                _networks(person),
            )
        if not rows.count:
            run.out.line(N_("Nobody yet: add people with coord person add NAME, or import a CSV."))


@person_app.command("edit")
def edit_person_command(
    person: PersonArgument,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help='A new phone number; "" clears it.')] = None,
    skill: Annotated[
        list[str] | None, typer.Option("--skill", help="A skill; repeat for several (replaces them all).")
    ] = None,
    language: Annotated[str | None, typer.Option("--language", help="en or zh.")] = None,
    community: CommunityOption = None,
) -> None:
    """Change a person's name, phone, skills or language."""
    with command_run() as run:
        who = find_person(run.session, run.community(community).id, person)
        edited = edit_person(
            session=run.session,
            actor=run.actor,
            person=who,
            name=name,
            phone=phone,
            skills=skill,
            language=parse_language(language) if language else None,
            now=run.now,
        )
        if edited.changed:
            run.out.line(N_("Changed {fields} of {name}."), fields=", ".join(edited.changed), name=who.name)
        else:
            run.out.line(N_("Nothing changed: {name} had those details already."), name=who.name)


@person_app.command("deactivate")
def deactivate_person_command(
    person: PersonArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why, e.g. moved away.")],
    community: CommunityOption = None,
) -> None:
    """Deactivate a person: their chat stops answering, the work they hold is released, captains told."""
    with command_run() as run:
        who = find_person(run.session, run.community(community).id, person)
        done = deactivate_person(session=run.session, actor=run.actor, person=who, reason=reason, now=run.now)
        run.out.line(N_("{name} is deactivated."), name=who.name)
        for task in done.released:
            run.out.line(
                N_("Released task #{task_id} “{title}”; its captain is told."),
                task_id=task.id,
                title=task.title,
            )


@coordinator_app.command("add")
def add_coordinator(person: PersonArgument, community: CommunityOption = None) -> None:
    """Make a person a coordinator of the community."""
    with command_run() as run:
        who = find_person(run.session, run.community(community).id, person)
        make_coordinator(session=run.session, actor=run.actor, person=who)
        run.out.line(N_("{name} is a coordinator now."), name=who.name)


@invite_app.command("create")
def create_invite_command(
    role: Annotated[InviteRole, typer.Option("--role", help="volunteer, captain or coordinator.")],
    team: Annotated[
        str | None, typer.Option("--team", help="The team they join (not for coordinators).")
    ] = None,
    person: Annotated[str | None, typer.Option("--person", help="For a person already known.")] = None,
    uses: Annotated[int, typer.Option("--uses", min=1, max=1000, help="How many people may use it.")] = 1,
    days: Annotated[int, typer.Option("--days", min=1, max=90, help="Valid for this many days.")] = 7,
    community: CommunityOption = None,
) -> None:
    """Create an invite code and print it."""
    with command_run() as run:
        chosen = run.community(community)
        invite = create_invite(
            session=run.session,
            actor=run.actor,
            community=chosen,
            role=role,
            team=find_team(run.session, chosen.id, team) if team else None,
            person=find_person(run.session, chosen.id, person) if person else None,
            uses=uses,
            valid_for=timedelta(days=days),
            now=run.now,
        )
        run.out.line(N_("Invite code: {code}"), code=invite.code)
        _describe_invite(run.out.line, invite, chosen, run.t)


#: A role in words, as every listing says it (a Chinese one: 志愿者, 队长, 社区负责人).
ROLE_NAMES = {"volunteer": N_("volunteer"), "captain": N_("captain"), "coordinator": N_("coordinator")}


def _describe_invite(
    say: Callable[..., None], invite: Invite, community: Community, t: Callable[..., str]
) -> None:
    say(
        N_("For a {role}{team}; {uses} use, valid until {until}."),
        role=t(ROLE_NAMES[str(invite.role)]),
        team=t(N_(" ({team})"), team=invite.team.name) if invite.team else "",
        uses=invite.uses_left,
        until=show_time(invite.expires_at, community.timezone),
    )


@invite_app.command("list")
def list_invites(community: CommunityOption = None) -> None:
    """List the invite codes that can still be used."""
    with command_run() as run:
        chosen = run.community(community)
        query = (
            select(Invite)
            .where(Invite.community_id == chosen.id, Invite.uses_left > 0, Invite.expires_at > run.now)
            .order_by(Invite.expires_at)
        )
        rows = run.out.table(N_("code"), N_("role"), N_("team"), N_("uses left"), N_("valid until"))
        for invite in run.session.scalars(query):
            team = invite.team.name if invite.team else ""
            rows.add(
                invite.code,
                invite.role,
                team,
                invite.uses_left,
                show_time(invite.expires_at, chosen.timezone),
            )
        if not rows.count:
            run.out.line(
                N_("No usable invites: create one with coord invite create --role volunteer --team T.")
            )


@invite_app.command("revoke")
def revoke_invite_command(
    code: Annotated[str, typer.Argument(help="The invite code.")], community: CommunityOption = None
) -> None:
    """Make an invite code unusable at once."""
    with command_run() as run:
        invite = revoke_invite(
            session=run.session, actor=run.actor, community=run.community(community), code=code, now=run.now
        )
        run.out.line(N_("Invite {code} is revoked: it cannot be used any more."), code=invite.code)


def _members(session: Session, team_id: int) -> list[tuple[Person, TeamRole]]:
    rows = session.execute(
        select(Person, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.team_id == team_id)
        .order_by(Membership.role, Person.id)
    ).all()
    return [(person, role) for person, role in rows]


def _teams_by_person(session: Session, community_id: int) -> dict[int, list[str]]:
    rows = session.execute(
        select(Membership.person_id, Team.name, Membership.role)
        .join(Team, Team.id == Membership.team_id)
        .where(Team.community_id == community_id)
        .order_by(Team.id)
    ).all()
    teams: dict[int, list[str]] = {}
    for person_id, name, role in rows:
        teams.setdefault(person_id, []).append(f"{name} ({role})" if role == TeamRole.CAPTAIN else name)
    return teams


def _networks(person: Person) -> str:
    return ", ".join(sorted({account.network for account in person.accounts}))
