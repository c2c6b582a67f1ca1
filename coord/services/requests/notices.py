"""Who is told what about a request: the resident on their own chat, the leads of problems and duplicates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.i18n import N_
from coord.models import HouseholdRequest, Person, RequestStatus
from coord.services.outbox.notifications import notify
from coord.services.people.people import captains_of, coordinators_of
from coord.services.requests.settings import request_team

BOUGHT_AT_ONCE = N_("Your request #{request_id} ({items}) is accepted: a volunteer is buying it now.")
#: What a resident who ordered in chat is told, by direct message, at each step.
STATUS_MESSAGES = {
    RequestStatus.ACCEPTED: N_(
        "Your request #{request_id} ({items}) is accepted: it comes with the next run."
    ),
    RequestStatus.RETRIED: N_(
        "Nobody was at home for request #{request_id}: it comes again with the next run."
    ),
    RequestStatus.ON_THE_WAY: N_("Your request #{request_id} ({items}) is on the way."),
    RequestStatus.DELIVERED: N_(
        "Your request #{request_id} ({items}) has been left at your door. Reply “received {request_id}” "
        "when you have it, or “problem {request_id} WHAT” if something is wrong."
    ),
    RequestStatus.NOT_AT_HOME: N_(
        "We knocked for request #{request_id} and nobody answered: it comes again with the next run."
    ),
    RequestStatus.REFUSED: N_("Request #{request_id} was marked as refused at the door."),
    RequestStatus.CANCELLED: N_("Request #{request_id} is cancelled."),
}


def tell_resident(
    session: Session, request: HouseholdRequest, status: RequestStatus, *, at: datetime
) -> bool:
    """A direct message to the resident who ordered in chat (a desk order shows on the desk's list)."""
    msgid = STATUS_MESSAGES.get(status)
    if status == RequestStatus.ACCEPTED and request.task_id is not None:
        msgid = BOUGHT_AT_ONCE
    if request.resident_id is None or msgid is None:
        return False
    from coord.services.requests.items import items_text

    language = session.scalar(select(Person.language).where(Person.id == request.resident_id))
    return notify(
        session,
        dedupe_key=f"request:{request.id}:{status}:{request.attempts}",
        community_id=request.community_id,
        person_id=request.resident_id,
        msgid=msgid,
        params={"request_id": request.id, "items": items_text(request.items, language)},
        private=True,
        at=at,
    )


def tell_leads_of_request(
    session: Session, request: HouseholdRequest, *, key: str, msgid: str, params: dict[str, Any], at: datetime
) -> None:
    """A direct message to the captains of the team that takes the household's requests (coordinators when
    it has none): the household's address goes with it, so never to a group."""
    team_id = _team_of(session, request)
    people = captains_of(session, team_id) if team_id is not None else []
    if not people:
        people = coordinators_of(session, request.community_id)
    for person_id in dict.fromkeys(people):
        notify(
            session,
            dedupe_key=f"request:{request.id}:{key}:{person_id}",
            community_id=request.community_id,
            person_id=person_id,
            msgid=msgid,
            params={"request_id": request.id, "address": request.household.address, **params},
            private=True,
            at=at,
        )


def _team_of(session: Session, request: HouseholdRequest) -> int | None:
    """The team of the work carrying the request (its purchase, or its run), else the team that takes the
    household's requests."""
    from coord.models import RequestRun, Task

    if request.task_id is not None:
        return session.scalar(select(Task.team_id).where(Task.id == request.task_id))
    if request.run_id is not None:
        return session.scalar(
            select(Task.team_id)
            .join(RequestRun, RequestRun.run_task_id == Task.id)
            .where(RequestRun.id == request.run_id)
        )
    team = request_team(session, request.household)
    return team.id if team is not None else None
