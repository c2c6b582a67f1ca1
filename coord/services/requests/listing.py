"""Reading requests: a resident their household's, the desk its own orders, leads everything; households
found for the desk by building-unit-room, name or phone (each search recorded)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import (
    OPEN_REQUEST_STATES,
    Community,
    Household,
    HouseholdRequest,
    RequestChannel,
)
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor
from coord.services.people.phones import DEFAULT_REGION, phone_key
from coord.services.requests.access import is_lead, require_desk, resident_of
from coord.services.requests.settings import request_settings

MAX_LISTED = 20


def list_requests(
    session: Session,
    *,
    actor: Actor,
    community: Community,
    open_only: bool = True,
    channel: RequestChannel | None = None,
    limit: int = MAX_LISTED,
) -> list[HouseholdRequest]:
    """A resident sees their own household's requests; a volunteer the desk's; a lead all of them."""
    query = (
        select(HouseholdRequest)
        .where(HouseholdRequest.community_id == community.id)
        .options(selectinload(HouseholdRequest.household).selectinload(Household.building))
        .order_by(HouseholdRequest.id.desc())
        .limit(limit)
    )
    resident = resident_of(session, actor.person)
    if resident is not None:
        query = query.where(HouseholdRequest.household_id == resident.household_id)
    else:
        require_desk(session, actor, community.id)
        if not is_lead(session, actor, community.id):
            channel = RequestChannel.DESK
        if channel is not None:
            query = query.where(HouseholdRequest.channel == channel)
    if open_only:
        query = query.where(HouseholdRequest.status.in_(OPEN_REQUEST_STATES))
    return list(session.scalars(query))


def overdue_requests(session: Session, *, community: Community, now: datetime) -> list[HouseholdRequest]:
    """Open requests older than the community's setting."""
    hours = request_settings(session, community.id).overdue_hours
    return list(
        session.scalars(
            select(HouseholdRequest)
            .where(
                HouseholdRequest.community_id == community.id,
                HouseholdRequest.status.in_(OPEN_REQUEST_STATES),
                HouseholdRequest.created_at < now - timedelta(hours=hours),
            )
            .order_by(HouseholdRequest.created_at)
        )
    )


def find_for_desk(
    session: Session, *, actor: Actor, community: Community, text: str, now: datetime, limit: int = 8
) -> list[Household]:
    """Households for the desk: building-unit-room, a contact name or a phone number (each search recorded).

    A captain or coordinator may give part of a name or 4+ digits of a phone. A volunteer at the desk must
    give the whole name or the whole number, as the resident in front of them says it: a part would let anyone
    at the desk walk through the register, and the address of a household found by name is not theirs to
    learn (``desk_name`` says what they are shown instead).
    """
    require_desk(session, actor, community.id)
    from coord.services.watch.households import _by_address

    words = " ".join(text.split())
    if not words or len(words) > 60:
        raise InvalidInput(N_("Search for what? An address such as 2-1-502, a name or a phone number."))
    found = _by_address(session, community.id, words)
    if not found:
        found = list(
            session.scalars(
                select(Household)
                .where(
                    Household.community_id == community.id,
                    or_(*_name_or_phone(session, actor, community, words)),
                )
                .options(selectinload(Household.building))
                .order_by(Household.id)
                .limit(limit)
            )
        )
    found = found[:limit]
    record_event(
        session,
        actor=actor,
        action="households_searched",
        community_id=community.id,
        at=now,
        count=len(found),
        purpose="desk",
    )
    return found


def _name_or_phone(session: Session, actor: Actor, community: Community, words: str) -> list[Any]:
    digits = re.sub(r"\D", "", words)
    looks_like_phone = len(digits) >= 4 and len(digits) >= len(words.replace(" ", "")) - 2
    if is_lead(session, actor, community.id):
        conditions: list[Any] = [func.lower(Household.contact_name).like(f"%{words.lower()}%")]
        if looks_like_phone:
            conditions.append(func.replace(Household.phone, "-", "").like(f"%{digits}%"))
        return conditions
    conditions = [func.lower(Household.contact_name) == words.lower()]
    if looks_like_phone:
        conditions.append(Household.phone == phone_key(words, community.phone_region or DEFAULT_REGION))
    return conditions


def sees_addresses(session: Session, *, actor: Actor, community_id: int) -> bool:
    """Whether requests name their households' addresses to ``actor``: a captain's or coordinator's right."""
    return is_lead(session, actor, community_id)


def desk_name(session: Session, *, actor: Actor, household: Household, typed: str = "") -> str:
    """How a household is named to whoever works the desk: its address for a captain or coordinator, or for a
    volunteer who typed that address; otherwise only its building (public, as on every task card)."""
    if sees_addresses(session, actor=actor, community_id=household.community_id):
        return household.address
    from coord.services.watch.households import _by_address

    if typed and household in _by_address(session, household.community_id, " ".join(typed.split())):
        return household.address
    return household.building.name
