"""Importing people, their team memberships and coordinator roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.i18n import N_
from coord.models import Community, CommunityRole, Membership, Person, Team, TeamRole
from coord.services.imports.job import ImportReport, _apply, _Import, _start
from coord.services.imports.rows import PEOPLE, Problems, Row, normalise_phones, read_rows, report_repeats
from coord.services.people.access import Actor
from coord.services.people.phones import phone_key


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
                key = phone_key(person.phone, community.phone_region)
                directory.by_phone.setdefault(key, []).append(person)
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
    normalise_phones(rows, community.phone_region, problems)
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
    phone = values.get("phone", "")  # in E.164 (normalise_phones)
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
    phone = row.values.get("phone", "")
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
    if values.get("phone", "") in ("", phone_key(row.target.phone, job.community.phone_region)):
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
