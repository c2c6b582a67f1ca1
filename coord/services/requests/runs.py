"""The group-buy cut-off: one run per building (or grid) with a pick list, as tasks volunteers claim.

The cut-off is a duty row with a due time (``RequestCutoff``, one a community a day) that the scheduler
tick plans and leases (DESIGN.md invariant 1); ``run_cutoff`` does it once under a row lock. A run is a
purchase task whose public details total the items for the buyer, and a delivery task whose private
details list each household (building-unit-room, items) for the runner alone. The runner marks each
household delivered, not at home or refused (敲门不见面); not at home goes on the next run, never lost.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from coord.db import insert_new
from coord.errors import InvalidTransition, NotAllowed
from coord.i18n import N_, translate
from coord.models import (
    Area,
    Community,
    Household,
    HouseholdRequest,
    Place,
    Priority,
    RequestCutoff,
    RequestRun,
    RequestStatus,
    RunScope,
    Task,
    Team,
)
from coord.services.outbox.events import event_row, record_event, record_events
from coord.services.outbox.notifications import notify_many
from coord.services.people.access import Actor
from coord.services.requests.access import is_lead
from coord.services.requests.intake import SYSTEM_FOR_TASKS
from coord.services.requests.items import items_text
from coord.services.requests.notices import STATUS_MESSAGES
from coord.services.requests.settings import request_settings, request_team

CATCH_UP = timedelta(hours=20)  # a cut-off missed by less than this (an outage) still runs


def plan_cutoffs(session: Session, *, now: datetime) -> int:
    """Write the cut-off rows come due (today's or yesterday's, local time); a known one is skipped."""
    rows = []
    for community in session.scalars(select(Community)):
        settings = request_settings(session, community.id)
        zone = ZoneInfo(community.timezone)
        today = now.astimezone(zone).date()
        for day in (today - timedelta(days=1), today):
            moment = datetime.combine(day, settings.cutoff, tzinfo=zone).astimezone(now.tzinfo)
            if moment <= now < moment + CATCH_UP:
                rows.append(
                    {
                        "community_id": community.id,
                        "day": day,
                        "due_at": moment,
                        "run_at": moment,
                        "done": False,
                        "runs": 0,
                    }
                )
    if rows:
        session.execute(insert_new(session, RequestCutoff, unique=["community_id", "day"]), rows)
    return len(rows)


def lease_cutoffs(session: Session, *, now: datetime, until: datetime, batch: int) -> list[int]:
    """The ids of cut-offs due at ``now``, leased until ``until`` (the tick enqueues ``group_buy_cutoff``)."""
    plan_cutoffs(session, now=now)
    ids = list(
        session.scalars(
            select(RequestCutoff.id)
            .where(RequestCutoff.done.is_(False), RequestCutoff.run_at <= now)
            .order_by(RequestCutoff.run_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        session.execute(
            update(RequestCutoff)
            .where(RequestCutoff.id.in_(ids))
            .values(run_at=until)
            .execution_options(synchronize_session=False)
        )
    return ids


def close_orders_now(
    *, session: Session, actor: Actor, community: Community, now: datetime
) -> list[RequestRun]:
    """A coordinator or captain closes today's orders now (截单): today's cut-off runs at once instead of at
    its time, once; orders after it wait for tomorrow's."""
    if not is_lead(session, actor, community.id):
        raise NotAllowed(N_("Only a captain or a coordinator can close the orders."))
    day = now.astimezone(ZoneInfo(community.timezone)).date()
    row = {"community_id": community.id, "day": day, "due_at": now, "run_at": now, "done": False, "runs": 0}
    session.execute(insert_new(session, RequestCutoff, unique=["community_id", "day"]), [row])
    cutoff = session.scalars(
        select(RequestCutoff).where(RequestCutoff.community_id == community.id, RequestCutoff.day == day)
    ).one()
    if cutoff.done:
        raise InvalidTransition(N_("Today's orders are closed already; the next run is made tomorrow."))
    cutoff.due_at = min(cutoff.due_at, now)
    record_event(
        session, actor=actor, action="orders_closed", community_id=community.id, at=now, day=str(day)
    )
    return run_cutoff(session=session, cutoff_id=cutoff.id, now=now)


def run_cutoff(*, session: Session, cutoff_id: int, now: datetime) -> list[RequestRun]:
    """Make the runs of a cut-off, once: every waiting request of the community (ordered before the cut-off,
    not urgent, not held as a duplicate) goes on its building's (or grid's) run."""
    cutoff = session.scalar(select(RequestCutoff).where(RequestCutoff.id == cutoff_id).with_for_update())
    if cutoff is None or cutoff.done:
        return []
    community = session.get_one(Community, cutoff.community_id)
    settings = request_settings(session, community.id)
    waiting = session.scalars(
        select(HouseholdRequest)
        .where(
            HouseholdRequest.community_id == community.id,
            HouseholdRequest.status.in_([RequestStatus.RECEIVED, RequestStatus.NOT_AT_HOME]),
            HouseholdRequest.urgent.is_(False),
            HouseholdRequest.duplicate_of_id.is_(None),
            HouseholdRequest.task_id.is_(None),
            HouseholdRequest.created_at <= cutoff.due_at,
        )
        .options(joinedload(HouseholdRequest.household).joinedload(Household.building))
        .order_by(HouseholdRequest.building_id, HouseholdRequest.id)
    ).all()
    groups: dict[int | None, list[HouseholdRequest]] = defaultdict(list)
    by_grid = settings.scope == RunScope.GRID
    for request in waiting:
        building = request.household.building
        groups[building.area_id if by_grid else building.id].append(request)
    zone = ZoneInfo(community.timezone)
    due_day = cutoff.day + timedelta(days=1)
    due_at = datetime.combine(due_day, datetime.min.time(), tzinfo=zone).replace(hour=settings.run_due_hour)
    runs = [
        _make_run(session, community, cutoff, key, requests, by_grid=by_grid, due_at=due_at, now=now)
        for key, requests in groups.items()
    ]
    cutoff.done = True
    cutoff.finished_at = now
    cutoff.runs = len(runs)
    return runs


def _make_run(
    session: Session,
    community: Community,
    cutoff: RequestCutoff,
    key: int | None,
    requests: list[HouseholdRequest],
    *,
    by_grid: bool,
    due_at: datetime,
    now: datetime,
) -> RequestRun:
    from coord.services.work.tasks import create_task

    language = community.language
    first = requests[0].household
    label = first.building.name
    if by_grid and key is not None:
        label = session.scalar(select(Area.name).where(Area.id == key)) or label
    team: Team | None = request_team(session, first)
    totals = _totals(requests)
    place: Place | None = None if by_grid else first.building
    buy = create_task(
        session=session,
        actor=SYSTEM_FOR_TASKS,
        community=community,
        kind="purchase",
        title=translate(
            N_("Group buy for {place}: {count} household"), language, place=label, count=len(requests)
        ),
        team=team,
        place=place,
        public_details=translate(N_("Buy in bulk: {totals}"), language, totals=items_text(totals, language)),
        # Households wait on it: nobody taking it climbs the urgent ladder (team, captain, coordinators).
        priority=Priority.URGENT,
        due_at=due_at - timedelta(hours=2),
        now=now,
    )
    pick_list = "\n".join(f"#{r.id} {r.household.address}: {items_text(r.items, language)}" for r in requests)
    deliver = create_task(
        session=session,
        actor=SYSTEM_FOR_TASKS,
        community=community,
        kind="delivery",
        title=translate(
            N_("Group-buy run, {place}: {count} door"), language, place=label, count=len(requests)
        ),
        team=team,
        place=place,
        public_details=translate(
            N_(
                "Contactless: knock, leave it at the door, step back. "
                "Mark each door: delivered, not at home or refused."
            ),
            language,
        ),
        private_details=translate(N_("Pick list, door by door:\n{pick_list}"), language, pick_list=pick_list),
        priority=Priority.URGENT,
        due_at=due_at,
        now=now,
    )
    run = RequestRun(
        community_id=community.id,
        cutoff_id=cutoff.id,
        building_id=None if by_grid else first.building_id,
        area_id=key if by_grid else None,
        label=label[:120],
        buy_task_id=buy.id,
        run_task_id=deliver.id,
        totals=[list(t) for t in totals],
        created_at=now,
    )
    session.add(run)
    session.flush()
    _put_on_run(session, run, requests, now=now)
    return run


def _totals(requests: list[HouseholdRequest]) -> list[tuple[str, str, int]]:
    """The items of every request, totalled by name and unit, the most first."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for request in requests:
        for name, unit, quantity in request.items:
            totals[(str(name).lower(), str(unit))] += int(quantity)
    return sorted(((n, u, q) for (n, u), q in totals.items()), key=lambda t: (-t[2], t[0]))


def _put_on_run(
    session: Session, run: RequestRun, requests: list[HouseholdRequest], *, now: datetime
) -> None:
    """Every request accepted (or retried) on ``run``: one UPDATE for each (not one per request), an event
    each, and the residents told, all in one insert per table."""
    events = []
    messages = []
    moved: dict[RequestStatus, list[int]] = defaultdict(list)
    languages = _languages(session, [r.resident_id for r in requests if r.resident_id is not None])
    for request in requests:
        status = (
            RequestStatus.RETRIED if request.status == RequestStatus.NOT_AT_HOME else RequestStatus.ACCEPTED
        )
        moved[status].append(request.id)
        events.append(
            event_row(
                actor=SYSTEM_FOR_TASKS,
                action=f"request_{status}",
                community_id=run.community_id,
                at=now,
                task_id=run.run_task_id,
                request_id=request.id,
                run_id=run.id,
            )
        )
        if request.resident_id is not None:
            message = _status_message(request, status, languages.get(request.resident_id))
            message["dedupe_key"] = f"request:{request.id}:{status}:{request.attempts + 1}"
            messages.append(message)
    session.flush()
    for status, ids in moved.items():
        session.execute(
            update(HouseholdRequest)
            .where(HouseholdRequest.id.in_(ids))
            .values(
                status=status,
                run_id=run.id,
                attempts=HouseholdRequest.attempts + 1,
                accepted_at=func.coalesce(HouseholdRequest.accepted_at, now),
            )
            .execution_options(synchronize_session=False)
        )
    for request in requests:
        session.expire(request)  # read again when next used
    record_events(session, events)
    notify_many(session, messages, now=now)


def _languages(session: Session, person_ids: list[int]) -> dict[int, str]:
    from coord.models import Person

    if not person_ids:
        return {}
    return dict(session.execute(select(Person.id, Person.language).where(Person.id.in_(person_ids))).all())  # type: ignore[arg-type]


def _status_message(
    request: HouseholdRequest, status: RequestStatus, language: str | None
) -> dict[str, object]:
    assert request.resident_id is not None
    return {
        "dedupe_key": f"request:{request.id}:{status}:{request.attempts}",
        "community_id": request.community_id,
        "person_id": request.resident_id,
        "msgid": STATUS_MESSAGES[status],
        "params": {"request_id": request.id, "items": items_text(request.items, language)},
        "private": True,
    }


def run_of_task(session: Session, task: Task) -> RequestRun | None:
    return session.scalar(select(RequestRun).where(RequestRun.run_task_id == task.id))


def cutoff_day(session: Session, community: Community, now: datetime) -> date:
    """The local day whose cut-off an order placed ``now`` makes (today's, or tomorrow's once it passed)."""
    settings = request_settings(session, community.id)
    zone = ZoneInfo(community.timezone)
    local = now.astimezone(zone)
    return local.date() if local.time() < settings.cutoff else local.date() + timedelta(days=1)
