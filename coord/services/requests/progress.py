"""A request on its way: taken, left at the door (or not), received, or a problem for the captain.

``work_moved`` runs in the transaction of a claim or completion of delivery and purchase work
(``coord.services.work.claims``): the requests that work carries move on and their residents are told.
The runner marks each door of a run (``mark_door``); the resident confirms receipt or reports a problem.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, InvalidTransition, NotAllowed
from coord.i18n import N_
from coord.models import (
    ACTIVE_STATES,
    Assignment,
    HouseholdRequest,
    RequestRun,
    RequestStatus,
    Task,
)
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, can_lead
from coord.services.requests.access import resident_of
from coord.services.requests.intake import get_request, set_status
from coord.services.requests.items import items_text
from coord.services.requests.notices import tell_leads_of_request

REQUEST_KINDS = ("delivery", "purchase")
DOOR_OUTCOMES = {
    "delivered": RequestStatus.DELIVERED,
    "not_at_home": RequestStatus.NOT_AT_HOME,
    "refused": RequestStatus.REFUSED,
}


def work_moved(session: Session, task: Task, *, done: bool, now: datetime, given_back: bool = False) -> None:
    """A purchase or delivery was taken (``done`` False), given back (nobody holds it any more: its requests
    wait for whoever takes it next) or finished: its requests move on. A run's buy task moves nothing; a
    run's doors left unmarked when it is finished wait for the next run, not lost."""
    run_id = session.scalar(select(RequestRun.id).where(RequestRun.run_task_id == task.id))
    carried = session.scalars(
        select(HouseholdRequest).where(
            or_(HouseholdRequest.task_id == task.id, HouseholdRequest.run_id == run_id)
            if run_id is not None
            else HouseholdRequest.task_id == task.id
        )
    ).all()
    if given_back:
        if task.filled == 0:
            for request in carried:
                if request.status == RequestStatus.ON_THE_WAY:
                    back = RequestStatus.RETRIED if request.attempts > 1 else RequestStatus.ACCEPTED
                    set_status(session, request, back, now=now, task_id=task.id, tell=False, given_back=True)
        return
    for request in carried:
        if not done and request.status in (RequestStatus.ACCEPTED, RequestStatus.RETRIED):
            set_status(session, request, RequestStatus.ON_THE_WAY, now=now, task_id=task.id)
        elif done and request.status in (
            RequestStatus.ACCEPTED,
            RequestStatus.ON_THE_WAY,
            RequestStatus.RETRIED,
        ):
            outcome = RequestStatus.DELIVERED if run_id is None else RequestStatus.NOT_AT_HOME
            set_status(session, request, outcome, now=now, task_id=task.id, unmarked=run_id is not None)


def work_cancelled(session: Session, task: Task, *, now: datetime) -> None:
    """A captain cancelled delivery or purchase work that carried households' requests: none is lost. A run's
    requests (its buy task or its delivery cancelled) go back to wait for the next cut-off; medicine bought at
    once is bought at once again, as new urgent work (a captain withdraws a request no longer wanted)."""
    from coord.services.requests.intake import buy_at_once

    runs = select(RequestRun.id).where(
        or_(RequestRun.run_task_id == task.id, RequestRun.buy_task_id == task.id)
    )
    carried = session.scalars(
        select(HouseholdRequest)
        .where(
            or_(HouseholdRequest.task_id == task.id, HouseholdRequest.run_id.in_(runs)),
            HouseholdRequest.status.in_(
                [RequestStatus.ACCEPTED, RequestStatus.ON_THE_WAY, RequestStatus.RETRIED]
            ),
        )
        .order_by(HouseholdRequest.id)
    ).all()
    for request in carried:
        on_its_own = request.run_id is None
        request.task_id = None
        request.run_id = None
        if on_its_own and request.urgent:
            buy_at_once(session, request, now=now, team=task.team)
        else:
            set_status(session, request, RequestStatus.RECEIVED, now=now, tell=False, work_cancelled=task.id)


def mark_door(
    *, session: Session, actor: Actor, request_id: object, outcome: str, now: datetime
) -> HouseholdRequest:
    """The runner (holding the run) marks one door: delivered, not at home or refused."""
    status = DOOR_OUTCOMES.get(outcome)
    if status is None:
        raise InvalidInput(N_("Mark a door delivered, not at home or refused."))
    request = get_request(session, actor=actor, request_id=request_id)
    task_id = _work_of(session, request)
    task = session.get(Task, task_id) if task_id is not None else None
    if task is None or not _holds_or_leads(session, actor, task):
        raise NotAllowed(
            N_("Only whoever holds the run of request #{request_id} can mark its door."),
            request_id=request.id,
        )
    if request.status not in (RequestStatus.ACCEPTED, RequestStatus.RETRIED, RequestStatus.ON_THE_WAY):
        raise InvalidTransition(
            N_("Request #{request_id} is {status}: there is no door to mark."),
            request_id=request.id,
            status=str(request.status),
        )
    set_status(session, request, status, now=now, actor=actor, task_id=task.id)
    return request


def _work_of(session: Session, request: HouseholdRequest) -> int | None:
    if request.task_id is not None:
        return request.task_id
    if request.run_id is None:
        return None
    return session.scalar(select(RequestRun.run_task_id).where(RequestRun.id == request.run_id))


def _holds_or_leads(session: Session, actor: Actor, task: Task) -> bool:
    if can_lead(session, actor, task.community_id, task.team_id):
        return True
    holder = session.scalar(
        select(Assignment.id).where(
            Assignment.task_id == task.id,
            Assignment.person_id == actor.person_id,
            Assignment.state.in_(ACTIVE_STATES),
        )
    )
    return holder is not None


def confirm_receipt(*, session: Session, actor: Actor, request_id: object, now: datetime) -> HouseholdRequest:
    """The resident says the goods arrived."""
    request = _own_request(session, actor, request_id)
    if request.status != RequestStatus.DELIVERED:
        raise InvalidTransition(
            N_("Request #{request_id} has not been left at your door yet."), request_id=request.id
        )
    request.receipt_confirmed_at = request.receipt_confirmed_at or now
    record_event(
        session,
        actor=actor,
        action="request_received_confirmed",
        community_id=request.community_id,
        at=now,
        request_id=request.id,
    )
    return request


def report_problem(
    *, session: Session, actor: Actor, request_id: object, problem: str, now: datetime
) -> HouseholdRequest:
    """The resident reports a problem (a missing item, the wrong household): it goes to the captain."""
    request = _own_request(session, actor, request_id)
    text = " ".join(problem.split())
    if not text:
        raise InvalidInput(
            N_("What is wrong? For example: problem {request_id} the milk is missing."), request_id=request.id
        )
    if len(text) > 300:
        raise InvalidInput(N_("Say it in under 300 characters, please."))
    request.problem = text
    record_event(
        session,
        actor=actor,
        action="request_problem",
        community_id=request.community_id,
        at=now,
        request_id=request.id,
    )
    tell_leads_of_request(
        session,
        request,
        key=f"problem:{now.isoformat()}",
        msgid=N_("Problem with request #{request_id} ({address}: {items}): {problem}"),
        params={"problem": text, "items": items_text(request.items, None)},
        at=now,
    )
    return request


def _own_request(session: Session, actor: Actor, request_id: object) -> HouseholdRequest:
    request = get_request(session, actor=actor, request_id=request_id)
    resident = resident_of(session, actor.person)
    if resident is None or resident.household_id != request.household_id:
        raise NotAllowed(N_("Only the household that ordered it can do this."))
    return request
