"""Changing a household's place on the watch list: its colour (with a reason) and who is responsible.

A colour change replaces the household's follow-up: the old colour's calls that nobody has started are
cancelled (their holders are told), and the new colour's duty is due at once (green: in a few days), so a
household never gets two schedules, and never two calls on one day. Every change is an event.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput, NotAllowed
from coord.i18n import N_
from coord.kinds import CALL_KINDS
from coord.models import Community, Household, Person, Task, TaskStatus, WatchColour
from coord.services.outbox.events import record_event
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor, require_watch_keeper
from coord.services.watch.schedule import (
    COLOUR_NAMES,
    QUARANTINE_DAYS,
    WATCH,
    first_due,
    follow_up,
    local_day,
)

MAX_REASON = 300


def set_colour(
    *,
    session: Session,
    actor: Actor,
    household: Household,
    colour: WatchColour | None,
    reason: str,
    quarantine_until: date | None = None,
    now: datetime | None = None,
) -> Household:
    """Give ``household`` the colour ``colour`` (None takes it off the watch list) for ``reason``.

    A captain or coordinator, or the system (a call that found a fever, the end of a quarantine). Blue
    starts a 14-day quarantine unless one is under way or ``quarantine_until`` says when it ends.
    """
    require_watch_keeper(session, actor, household.community_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(N_("Please say why the household gets this colour."))
    if len(reason) > MAX_REASON:
        raise InvalidInput(N_("The reason is too long (at most {most} characters)."), most=MAX_REASON)
    moment = now or utcnow()
    community = session.get_one(Community, household.community_id)
    today = local_day(community, moment)
    if quarantine_until is not None and quarantine_until < today:
        raise InvalidInput(N_("The quarantine cannot end before today."))
    old = household.watch_colour
    household.watch_reason = reason
    household.watch_set_at = moment
    if colour == WatchColour.BLUE:
        if quarantine_until is not None:
            household.quarantine_until = quarantine_until
        elif household.quarantine_until is None or household.quarantine_until < today:
            household.quarantine_until = today + timedelta(days=QUARANTINE_DAYS - 1)
    record_event(
        session,
        at=moment,
        actor=actor,
        action="watch_colour_set",
        community_id=household.community_id,
        household_id=household.id,
        old=str(old) if old else None,
        new=str(colour) if colour else None,
        reason=reason,
        quarantine_until=household.quarantine_until.isoformat() if household.quarantine_until else None,
    )
    if colour == old and (colour is None or household.watch_due_at is not None):
        return household  # the reason is new; the follow-up under way stays as it is
    if colour != old:
        cancel_schedule(session, household, now=moment)
        household.watch_colour = colour
    household.watch_token += 1
    household.watch_due_at = first_due(community, colour, moment)
    if household.watch_due_at is not None and household.watch_due_at <= moment:
        follow_up(session, household, now=moment)  # red, yellow, blue: today's task at once
    _tell_lead(session, actor, household, now=moment)
    return household


def cancel_schedule(session: Session, household: Household, *, now: datetime) -> list[int]:
    """Cancel the household's calls and follow-ups that nobody has started (whoever held one is told).

    Whoever changed the colour was allowed to; the calls belong to whichever team they were given to, so the
    watch cancels them itself (the colour change is the changer's event)."""
    from coord.services.work.tasks import cancel_task

    waiting = session.scalars(
        select(Task.id).where(
            Task.household_id == household.id,
            Task.kind.in_(CALL_KINDS),
            Task.status.in_([TaskStatus.OPEN, TaskStatus.FULL]),
        )
    ).all()
    reason = N_("The household's colour changed, so its follow-up changed too.")
    for task_id in waiting:
        cancel_task(session=session, actor=WATCH, task_id=task_id, reason=reason, now=now)
    return list(waiting)


def restart_follow_up(session: Session, household: Household, *, now: datetime) -> None:
    """The colour was changed another way (a CSV import): the old follow-up is cancelled and the next
    scheduler tick starts the new colour's (``schedule.arm_watches``)."""
    cancel_schedule(session, household, now=now)
    household.watch_token += 1
    household.watch_due_at = None


def set_responsible(
    *,
    session: Session,
    actor: Actor,
    household: Household,
    lead: Person | None = None,
    medic: Person | None = None,
    now: datetime | None = None,
) -> Household:
    """Name the person responsible for a household under watch (and its doctor or medic); a captain or a
    coordinator. The household's waiting call goes to the new person."""
    require_watch_keeper(session, actor, household.community_id)
    if lead is None and medic is None:
        raise InvalidInput(N_("Name the responsible person, the doctor or medic, or both."))
    for person in (lead, medic):
        if person is not None and (person.community_id != household.community_id or not person.active):
            raise NotAllowed(N_("{name} cannot take work in this community."), name=person.name)
    moment = now or utcnow()
    if lead is not None:
        household.watch_lead_id = lead.id
        household.watch_lead = lead
    if medic is not None:
        household.watch_medic_id = medic.id
        household.watch_medic = medic
    record_event(
        session,
        at=moment,
        actor=actor,
        action="watch_responsible_set",
        community_id=household.community_id,
        household_id=household.id,
        lead_id=lead.id if lead else None,
        medic_id=medic.id if medic else None,
    )
    if lead is not None:
        _hand_waiting_task(session, household, lead, now=moment)
        _tell_lead(session, actor, household, now=moment)
    return household


def _hand_waiting_task(session: Session, household: Household, lead: Person, *, now: datetime) -> None:
    """A call of the household nobody holds yet goes to the person now responsible for it."""
    from coord.services.watch.schedule import give

    waiting = session.scalars(
        select(Task).where(
            Task.household_id == household.id,
            Task.kind.in_(CALL_KINDS),
            Task.status == TaskStatus.OPEN,
            Task.filled == 0,
        )
    ).all()
    for task in waiting:
        give(session, task, [lead], now=now)


def _tell_lead(session: Session, actor: Actor, household: Household, *, now: datetime) -> None:
    """The named person hears of their household's colour by direct message (it is private), unless they
    changed it themselves."""
    lead_id = household.watch_lead_id
    if lead_id is None or lead_id == actor.person_id or household.watch_colour is None:
        return
    notify(
        session,
        dedupe_key=f"watch:{household.id}:{household.watch_token}:lead:{lead_id}",
        community_id=household.community_id,
        person_id=lead_id,
        private=True,
        msgid=N_("You are responsible for household {address}: it is {colour} now ({reason})."),
        params={
            "address": household.address,
            "colour": COLOUR_NAMES[household.watch_colour],
            "reason": household.watch_reason,
            "_translated": ["colour"],
        },
        at=now,
    )
