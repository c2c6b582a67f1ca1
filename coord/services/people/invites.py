"""Invite codes: how a person joins through a chat network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, InviteInvalid, NotAllowed, NotFound
from coord.i18n import N_
from coord.models import Community, Invite, InviteRole, Membership, Person, Team, TeamRole
from coord.services.outbox.events import record_event
from coord.services.people.access import (
    Actor,
    can_lead,
    is_captain,
    is_coordinator,
    require_coordinator,
    require_lead,
)
from coord.services.people.codes import ALPHABET, CODE_LENGTH, new_code, normalise_code
from coord.services.people.people import add_member, link_account, make_coordinator, person_by_account

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "Joined",
    "create_invite",
    "list_invites",
    "new_code",
    "redeem_invite",
    "revoke_invite",
]


def create_invite(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    role: InviteRole,
    team: Team | None = None,
    person: Person | None = None,
    uses: int = 1,
    valid_for: timedelta = timedelta(days=7),
    now: datetime | None = None,
) -> Invite:
    if role == InviteRole.COORDINATOR:
        require_coordinator(session, actor, community.id)
    else:
        if team is None:
            raise InvalidInput(N_("An invite for a volunteer or captain names a team."))
        if role == InviteRole.CAPTAIN:
            require_coordinator(session, actor, community.id)
        else:
            require_lead(session, actor, community.id, team.id)
    if not 1 <= uses <= 1000:
        raise InvalidInput(N_("An invite can be used between 1 and 1000 times."))
    if not timedelta(hours=1) <= valid_for <= timedelta(days=90):
        raise InvalidInput(N_("An invite is valid for between 1 and 90 days."))
    if team is not None and team.community_id != community.id:
        raise InvalidInput(N_("That team belongs to another community."))
    invite = Invite(
        community_id=community.id,
        code=new_code(),
        team_id=team.id if team else None,
        role=role,
        person_id=person.id if person else None,
        expires_at=(now or utcnow()) + valid_for,
        uses_left=uses,
        created_by_id=actor.person_id,
    )
    session.add(invite)
    session.flush()
    record_event(
        session,
        at=now or utcnow(),
        actor=actor,
        action="invite_created",
        community_id=community.id,
        invite_id=invite.id,
        role=str(role),
        team_id=invite.team_id,
        uses=uses,
    )
    return invite


def list_invites(
    *, session: Session, actor: Actor, community: Community, now: datetime | None = None
) -> list[Invite]:
    """The invites that can still be used, soonest to expire first: all of the community's for a
    coordinator, those of their own teams for a captain."""
    now = now or utcnow()
    query = (
        select(Invite)
        .where(Invite.community_id == community.id, Invite.uses_left > 0, Invite.expires_at > now)
        .order_by(Invite.expires_at, Invite.id)
    )
    person = actor.person
    if person is not None:
        if person.community_id != community.id:
            raise NotAllowed(N_("Only the team's captain or a coordinator can do this."))
        if not is_coordinator(session, person, community.id):
            captains = select(Membership.team_id).where(
                Membership.person_id == person.id, Membership.role == TeamRole.CAPTAIN
            )
            if not session.scalar(select(captains.exists())):
                raise NotAllowed(N_("Only the team's captain or a coordinator can do this."))
            query = query.where(Invite.team_id.in_(captains), Invite.role == InviteRole.VOLUNTEER)
    return list(session.scalars(query))


def revoke_invite(
    *, session: Session, actor: Actor, community: Community, code: str, now: datetime | None = None
) -> Invite:
    """Make an invite unusable at once: a coordinator any of the community's, a captain their team's."""
    now = now or utcnow()
    text = normalise_code(code)
    invite = (
        session.scalar(select(Invite).where(Invite.code == text, Invite.community_id == community.id))
        if 4 <= len(text) <= 32
        else None
    )
    if invite is None:
        raise NotFound(N_("There is no invite “{code}”."), code=code.strip()[:40])
    if invite.role == InviteRole.VOLUNTEER:
        allowed = can_lead(session, actor, community.id, invite.team_id)
    else:
        allowed = actor.person is None or (
            actor.person.community_id == community.id and is_coordinator(session, actor.person, community.id)
        )
    if not allowed:
        raise NotAllowed(N_("Only whoever may make such an invite can revoke it."))
    if invite.uses_left <= 0 or invite.expires_at <= now:
        raise InviteInvalid(N_("Invite {code} is already used up or expired."), code=invite.code)
    invite.uses_left = 0
    session.flush()
    record_event(
        session,
        at=now,
        actor=actor,
        action="invite_revoked",
        community_id=community.id,
        invite_id=invite.id,
    )
    return invite


@dataclass(frozen=True)
class Joined:
    person: Person
    invite: Invite
    new_person: bool


def redeem_invite(
    *,
    session: Session,
    channel: str,
    code: str,
    external_id: str,
    display_name: str,
    language: str | None = None,
    dm_chat_id: str | None = None,
    now: datetime | None = None,
) -> Joined:
    """Link the chat account ``(channel, external_id)`` to a person through invite ``code``."""
    now = now or utcnow()
    code = normalise_code(code)
    invite = session.scalar(select(Invite).where(Invite.code == code)) if 4 <= len(code) <= 32 else None
    if invite is None:
        raise InviteInvalid(N_("That invite code is not known. Check it with the person who gave it to you."))
    if invite.expires_at <= now:
        raise InviteInvalid(N_("That invite code has expired. Ask your captain for a new one."))
    if invite.uses_left <= 0:
        raise InviteInvalid(N_("That invite code has been used up. Ask your captain for a new one."))
    # Spend one use atomically: two people redeeming the last use at once cannot both succeed.
    spent = session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.uses_left > 0)
        .values(uses_left=Invite.uses_left - 1)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount == 0:  # type: ignore[attr-defined]
        raise InviteInvalid(N_("That invite code has been used up. Ask your captain for a new one."))
    session.refresh(invite)

    system = Actor.system(channel)
    person = person_by_account(session, channel, external_id)
    new_person = False
    if person is not None and person.community_id != invite.community_id:
        raise InviteInvalid(N_("This chat account already belongs to another community."))
    if person is None and invite.person_id is not None:
        person = session.get(Person, invite.person_id)
    if person is None:
        community = session.get(Community, invite.community_id)
        assert community is not None
        person = Person(
            community_id=invite.community_id,
            name=(display_name.strip() or external_id)[:120],
            language=language if language in ("en", "zh") else community.language,
        )
        session.add(person)
        session.flush()
        new_person = True
    link_account(
        session=session,
        actor=system,
        person=person,
        network=channel,
        external_id=external_id,
        display_name=display_name,
        dm_chat_id=dm_chat_id,
    )
    if invite.role == InviteRole.COORDINATOR:
        make_coordinator(session=session, actor=system, person=person)
    if invite.team is not None:
        role = TeamRole.CAPTAIN if invite.role == InviteRole.CAPTAIN else TeamRole.VOLUNTEER
        # A volunteer invite never demotes someone who already captains the team.
        if role == TeamRole.CAPTAIN or not is_captain(session, person, invite.team.id):
            add_member(session=session, actor=system, team=invite.team, person=person, role=role)
    record_event(
        session,
        at=now or utcnow(),
        actor=Actor(person, channel),
        action="invite_redeemed",
        community_id=invite.community_id,
        subject_id=person.id,
        invite_id=invite.id,
        role=str(invite.role),
    )
    return Joined(person=person, invite=invite, new_person=new_person)
