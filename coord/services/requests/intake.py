"""A request comes in: from a resident's chat, the offline desk, a captain or a check-in call, one record.

``place_request`` checks the order (items, size, household), flags a second open request of the same
household for the same items as a possible duplicate (held until someone keeps it), and sends medicine on
at once as an urgent purchase; the rest waits for the group-buy cut-off (``runs``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, InvalidTransition, NotAllowed
from coord.i18n import N_, translate
from coord.models import (
    OPEN_REQUEST_STATES,
    Community,
    Household,
    HouseholdRequest,
    Place,
    PlaceKind,
    Priority,
    RequestChannel,
    RequestStatus,
    Task,
    Team,
    as_id,
)
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor
from coord.services.requests.access import (
    can_read,
    is_lead,
    require_desk,
    resident_of,
    unknown_request,
)
from coord.services.requests.items import heavy_count, is_medicine, items_key, items_text, read_items
from coord.services.requests.notices import tell_leads_of_request, tell_resident
from coord.services.requests.settings import request_team

MEDICINE_DUE = timedelta(hours=2)  # medicine goes at once (urgent work)
SUPPLIES_DUE = timedelta(hours=6)  # what a check-in call found was needed
SYSTEM_FOR_TASKS = Actor.system("requests")


def place_request(
    *,
    session: Session,
    actor: Actor,
    household: Household,
    items: str,
    channel: RequestChannel,
    now: datetime,
    desk: Place | None = None,
    note: str = "",
    origin: Task | None = None,
    team: Team | None = None,
) -> HouseholdRequest:
    """Record a household's order. A resident orders for their own confirmed household only; the desk and
    captains for any household of their community; a check-in call (``origin``, its ``team``) is the
    system's. Medicine, and what a call found was needed, go at once; the rest waits for the cut-off."""
    read = read_items(items)  # an empty order or 10 kB of items is refused before anything is written
    resident_id = _check_channel(session, actor, household, channel, desk)
    community = session.get_one(Community, household.community_id)
    key = items_key(read)
    duplicate = session.scalar(
        select(HouseholdRequest.id)
        .where(
            HouseholdRequest.household_id == household.id,
            HouseholdRequest.items_key == key,
            HouseholdRequest.status.in_(OPEN_REQUEST_STATES),
        )
        .order_by(HouseholdRequest.id)
        .limit(1)
    )
    request = HouseholdRequest(
        community_id=community.id,
        household_id=household.id,
        building_id=household.building_id,
        items=[list(item) for item in read],
        items_key=key,
        urgent=is_medicine(read),
        heavy=heavy_count(read),
        channel=channel,
        entered_by_id=actor.person_id,
        resident_id=resident_id,
        desk_id=desk.id if desk else None,
        duplicate_of_id=duplicate,
        note=note.strip()[:500],
        created_at=now,
    )
    session.add(request)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="request_received",
        community_id=community.id,
        at=now,
        request_id=request.id,
        household_id=household.id,
        channel=str(channel),
        urgent=request.urgent,
        duplicate_of=duplicate,
    )
    if duplicate is not None:
        tell_leads_of_request(
            session,
            request,
            key="duplicate",
            msgid=N_(
                "Request #{request_id} looks like a second copy of request #{first_id} of the same "
                "household ({items}). It waits until you keep it (keep {request_id}) or withdraw it "
                "(withdraw {request_id})."
            ),
            params={"first_id": duplicate, "items": items_text(request.items, community.language)},
            at=now,
        )
    elif goes_at_once(request):
        buy_at_once(session, request, now=now, origin=origin, team=team)
    return request


def goes_at_once(request: HouseholdRequest) -> bool:
    """Medicine is urgent; what a check-in call found was needed is brought within hours, as the call
    promised. Everything else waits for the group-buy cut-off."""
    return request.urgent or request.channel == RequestChannel.CALL


def _check_channel(
    session: Session, actor: Actor, household: Household, channel: RequestChannel, desk: Place | None
) -> int | None:
    """The resident to tell (for a chat order), after checking the actor may order through ``channel``."""
    person = actor.person
    if person is not None and person.community_id != household.community_id:
        raise unknown_household()
    if channel == RequestChannel.CHAT:
        resident = resident_of(session, person)
        if resident is None or resident.household_id != household.id:
            raise NotAllowed(N_("You can order for your own household only."))
        if resident.confirmed_at is None:
            raise NotAllowed(
                N_(
                    "Your household link is not confirmed yet: a volunteer confirms it, or send the phone "
                    "number the community has for your household (phone 138…)."
                )
            )
        return resident.person_id
    if channel == RequestChannel.CALL:
        if person is not None:
            raise NotAllowed(N_("Only a check-in call records a call's needs."))
        return None
    if resident_of(session, person) is not None:
        raise NotAllowed(N_("You can order for your own household only."))
    if channel == RequestChannel.DESK:
        require_desk(session, actor, household.community_id)
        if desk is not None and (desk.kind != PlaceKind.DESK or desk.community_id != household.community_id):
            raise InvalidInput(N_("“{name}” is not an ordering desk."), name=desk.name)
    elif not is_lead(session, actor, household.community_id):
        raise NotAllowed(N_("Only a captain or a coordinator can enter a request for a household."))
    return None


def unknown_household() -> InvalidInput:
    return InvalidInput(N_("There is no such household here. Check the building, unit and room."))


def buy_at_once(
    session: Session,
    request: HouseholdRequest,
    *,
    now: datetime,
    origin: Task | None = None,
    team: Team | None = None,
) -> Task:
    """Medicine (or what a call promised) goes at once: a purchase for the household, urgent work that
    escalates as urgent work does; its address and phone reach whoever takes it, alone."""
    from coord.services.work.tasks import create_task

    household = request.household
    community = session.get_one(Community, request.community_id)
    language = community.language
    urgent = request.urgent
    task = create_task(
        session=session,
        actor=SYSTEM_FOR_TASKS,
        community=community,
        kind="purchase" if urgent else "delivery",
        title=translate(
            N_("Medicine for a household, {building}")
            if urgent
            else N_("Supplies for a household, {building}"),
            language,
            building=household.building.name,
        ),
        team=team or request_team(session, household),
        household=household,
        public_details=translate(N_("Contactless: knock, leave it at the door, step back."), language),
        private_details=translate(
            N_("Request #{request_id}: {items}"),
            language,
            request_id=request.id,
            items=items_text(request.items, language),
        ),
        priority=Priority.URGENT if urgent else Priority.NORMAL,
        due_at=now + (MEDICINE_DUE if urgent else SUPPLIES_DUE),
        now=now,
    )
    if origin is not None:
        task.origin_task_id = origin.id
    request.task_id = task.id
    set_status(session, request, RequestStatus.ACCEPTED, now=now, task_id=task.id)
    return task


def set_status(
    session: Session,
    request: HouseholdRequest,
    status: RequestStatus,
    *,
    now: datetime,
    actor: Actor = SYSTEM_FOR_TASKS,
    tell: bool = True,
    **data: Any,
) -> None:
    """Move a request on, record the event and tell the resident who ordered it in chat."""
    request.status = status
    if status in (RequestStatus.ACCEPTED, RequestStatus.RETRIED):
        request.accepted_at = request.accepted_at or now
    elif status == RequestStatus.ON_THE_WAY:
        request.on_the_way_at = now
    elif status in (RequestStatus.DELIVERED, RequestStatus.REFUSED, RequestStatus.CANCELLED):
        request.closed_at = now
    record_event(
        session,
        actor=actor,
        action=f"request_{status}",
        community_id=request.community_id,
        at=now,
        request_id=request.id,
        **data,
    )
    if tell:
        tell_resident(session, request, status, at=now)


def get_request(session: Session, *, actor: Actor, request_id: object) -> HouseholdRequest:
    """The request ``request_id`` if the actor may read it; else "no such request" (telling nothing)."""
    number = as_id(request_id)
    request = session.get(HouseholdRequest, number) if number is not None else None
    if request is None or not can_read(session, actor, request):
        raise unknown_request(request_id)
    return request


def cancel_request(
    *, session: Session, actor: Actor, request_id: object, now: datetime, reason: str = ""
) -> HouseholdRequest:
    """The resident, whoever entered it, or a lead cancels a request nobody has set out with yet."""
    request = get_request(session, actor=actor, request_id=request_id)
    if actor.person is not None and not (
        is_lead(session, actor, request.community_id)
        or actor.person.id in (request.resident_id, request.entered_by_id)
        or _resident_of_household(session, actor, request)
    ):
        raise NotAllowed(
            N_("Only whoever ordered it, a captain or a coordinator can cancel request #{request_id}."),
            request_id=request.id,
        )
    if request.status not in (RequestStatus.RECEIVED, RequestStatus.NOT_AT_HOME):
        raise InvalidTransition(
            N_("Request #{request_id} is already under way and can no longer be cancelled."),
            request_id=request.id,
        )
    set_status(session, request, RequestStatus.CANCELLED, now=now, actor=actor, reason=reason[:200])
    return request


def keep_duplicate(*, session: Session, actor: Actor, request_id: object, now: datetime) -> HouseholdRequest:
    """A lead keeps a request flagged as a possible duplicate: it goes on like any other."""
    request = get_request(session, actor=actor, request_id=request_id)
    if not is_lead(session, actor, request.community_id):
        raise NotAllowed(N_("Only a captain or a coordinator can keep a request flagged as a duplicate."))
    if request.duplicate_of_id is None or request.status != RequestStatus.RECEIVED:
        raise InvalidTransition(
            N_("Request #{request_id} is not waiting as a duplicate."), request_id=request.id
        )
    request.duplicate_of_id = None
    record_event(
        session,
        actor=actor,
        action="request_kept",
        community_id=request.community_id,
        at=now,
        request_id=request.id,
    )
    if goes_at_once(request):
        buy_at_once(session, request, now=now)
    return request


def _resident_of_household(session: Session, actor: Actor, request: HouseholdRequest) -> bool:
    resident = resident_of(session, actor.person)
    return (
        resident is not None
        and resident.confirmed_at is not None
        and resident.household_id == request.household_id
    )
