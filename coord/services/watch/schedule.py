"""The follow-up a household's colour calls for, as a time-based duty (DESIGN.md invariant 1).

Each household under watch carries ``watch_due_at``: when the scheduler tick next looks at it. The tick
leases the due ones and the ``watch`` actor runs ``run_watch`` with the token it was dispatched with; a
colour change (or an earlier run) moves the token on, so a late or repeated message does nothing. A run
does the day's work of the colour and sets the next due time:

- red: a follow-up task, urgent, for the named responsible person and the community's party secretary
  (every coordinator while none is named) personally, with the household's details by direct message;
  again each day it stays red;
- yellow: a tracing call a day, assigned to the named person, until the colour changes;
- blue: a check-in call a day (temperature, symptoms, needs) for the named person and the household's doctor
  or medic (else its grid's medic), until the quarantine ends; the day after, the household steps down to
  green;
- green: a call back every ``Community.green_call_days`` days.

What a run makes is keyed by household and day (``watch:<id>:<day>:call``), unique among live tasks, so a
repeated run, two workers at once or a colour changed twice in a day never make a second call that day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from coord.errors import CoordError
from coord.i18n import N_, translate
from coord.kinds import CALL_KINDS
from coord.models import (
    AreaKind,
    Community,
    Household,
    Membership,
    Person,
    Priority,
    Task,
    TaskStatus,
    Team,
    WatchColour,
)
from coord.services.outbox.events import record_event
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor
from coord.services.people.people import coordinators_of
from coord.services.people.secretary import party_secretary

WATCH = Actor.system("watch")
QUARANTINE_DAYS = 14
CALL_TIME = time(9, 0)  # local time a day's call is made
CALL_BY = time(18, 0)  # and the time it is due by
SHORTEST_CALL = timedelta(hours=2)  # a call made late in the day is due no sooner than this
FOLLOW_UP_WITHIN = timedelta(hours=2)  # a red household is seen to this soon
DOCTOR_FOLLOW_UP = N_(
    "Doctor's follow-up: household {details}, in home quarantine (blue), day {day} of {days}. "
    "{lead} calls it today (task #{task_id}); follow its health up as its doctor or medic."
)

#: The colours' names, as readers see them.
COLOUR_NAMES = {
    WatchColour.RED: N_("red"),
    WatchColour.YELLOW: N_("yellow"),
    WatchColour.BLUE: N_("blue"),
    WatchColour.GREEN: N_("green"),
}
#: What each colour means and what follows from it (DOMAIN.md, 四色标示法).
COLOUR_MEANINGS = {
    WatchColour.RED: N_("not reported, unreachable, or fever or symptoms: the leads handle it in person"),
    WatchColour.YELLOW: N_("being traced by phone: a tracing call a day by the named person"),
    WatchColour.BLUE: N_("in home quarantine: a call a day and its doctor's follow-up, until it ends"),
    WatchColour.GREEN: N_("low risk: a call back every few days"),
}


def local_day(community: Community, now: datetime) -> date:
    return now.astimezone(ZoneInfo(community.timezone)).date()


def at_local(community: Community, day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, ZoneInfo(community.timezone)).astimezone(ZoneInfo("UTC"))


def quarantine_day(household: Household, today: date) -> int | None:
    """Day N of the 14-day home quarantine ending on ``quarantine_until``; None outside one."""
    if household.quarantine_until is None or today > household.quarantine_until:
        return None
    return max(1, QUARANTINE_DAYS - (household.quarantine_until - today).days)


def first_due(community: Community, colour: WatchColour | None, now: datetime) -> datetime | None:
    """When a household just given ``colour`` is first followed up: at once, or (green) a few days on."""
    if colour is None:
        return None
    if colour == WatchColour.GREEN:
        day = local_day(community, now) + timedelta(days=max(community.green_call_days, 1))
        return at_local(community, day, CALL_TIME)
    return now


def arm_watches(session: Session, *, now: datetime, limit: int = 250) -> int:
    """Give a first due time to households under watch that have none (a colour set by an import or the
    seed, not by ``set_colour``); returns how many."""
    rows = session.scalars(
        select(Household)
        .where(Household.watch_colour.is_not(None), Household.watch_due_at.is_(None))
        .order_by(Household.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    communities: dict[int, Community] = {}
    for household in rows:
        community = communities.get(household.community_id) or session.get_one(
            Community, household.community_id
        )
        communities[community.id] = community
        household.watch_due_at = first_due(community, household.watch_colour, now)
    return len(rows)


def run_watch(session: Session, *, household_id: int, token: int, now: datetime) -> bool:
    """The ``watch`` actor's work: if ``token`` is still the household's, do its colour's follow-up for
    today and set when it is next due. Returns whether it ran."""
    household = session.scalar(
        select(Household)
        .where(Household.id == household_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if household is None or household.watch_token != token:
        return False
    follow_up(session, household, now=now)
    return True


def follow_up(session: Session, household: Household, *, now: datetime) -> None:
    """Today's follow-up of the household's colour, then its next due time (a new token)."""
    community = session.get_one(Community, household.community_id)
    today = local_day(community, now)
    colour = household.watch_colour
    household.watch_token += 1
    if colour is None:
        household.watch_due_at = None
        return
    if colour == WatchColour.BLUE and household.quarantine_until and today > household.quarantine_until:
        from coord.services.watch.colours import set_colour

        reason = translate(N_("the 14-day home quarantine has ended"), community.language)
        set_colour(
            session=session,
            actor=WATCH,
            household=household,
            colour=WatchColour.GREEN,
            reason=reason,
            now=now,
        )
        return
    make_task(session, household, community, day=today, now=now)
    if colour == WatchColour.GREEN:
        next_day = today + timedelta(days=max(community.green_call_days, 1))
    else:
        next_day = today + timedelta(days=1)
    household.watch_due_at = at_local(community, next_day, CALL_TIME)


def watch_key(household: Household, day: date, kind: str) -> str:
    return f"watch:{household.id}:{day.isoformat()}:{'red' if kind == 'follow_up' else 'call'}"


def make_task(
    session: Session, household: Household, community: Community, *, day: date, now: datetime
) -> Task | None:
    """The day's task for the household's colour, made and given to its people; None when there is one."""
    red = household.watch_colour == WatchColour.RED
    kind = "follow_up" if red else "checkin_call"
    key = watch_key(household, day, kind)
    if _live_task(session, household, key, day, community, red=red):
        return None
    language = community.language
    building = household.building.name
    holders = _holders(session, household, red=red)
    if red:
        title = translate(N_("Follow-up in person, {building}"), language, building=building)
        due = now + FOLLOW_UP_WITHIN
    else:
        title = translate(N_("Check-in call, {building}"), language, building=building)
        due = max(at_local(community, day, CALL_BY), now + SHORTEST_CALL)
    try:
        with session.begin_nested():
            from coord.services.work.tasks import create_task

            task = create_task(
                session=session,
                actor=WATCH,
                community=community,
                kind=kind,
                title=title,
                team=_team_of(session, holders[0]) if holders else None,
                household=household,
                private_details=brief(household, community, day, red=red),
                priority=Priority.URGENT if red else Priority.NORMAL,
                due_at=due,
                capacity=max(len(holders), 1),
                now=now,
            )
            task.occurrence_key = key
            session.flush()
    except IntegrityError:  # another run made it first: the unique key is the last line of defence
        return None
    give(session, task, holders, now=now)
    if household.watch_colour == WatchColour.BLUE:
        tell_doctor(session, household, task, day=day, now=now)
    record_event(
        session,
        actor=WATCH,
        action="watch_task_made",
        community_id=community.id,
        task=task,
        at=now,
        household_id=household.id,
        colour=str(household.watch_colour),
        day=day.isoformat(),
    )
    return task


def give(session: Session, task: Task, holders: list[Person], *, now: datetime) -> None:
    """Assign the task to each of ``holders`` (each is told, the details go to them by direct message); one
    who cannot take it leaves the place open for the team, whose ladder then asks."""
    from coord.services.work.claims import assign

    for person in holders:
        try:
            with session.begin_nested():
                assign(session=session, actor=WATCH, task_id=task.id, person=person, now=now)
        except CoordError:
            continue


def brief(household: Household, community: Community, day: date, *, red: bool) -> str:
    """The private details of a watch task, in the community's language: colour, why, the quarantine day,
    and what to do."""
    language = community.language
    colour = household.watch_colour
    parts = [
        translate(
            N_("Watch colour: {colour}."),
            language,
            colour=translate(COLOUR_NAMES[colour], language) if colour else "—",
        )
    ]
    if household.watch_reason:
        parts.append(translate(N_("Why: {reason}."), language, reason=household.watch_reason))
    number = quarantine_day(household, day)
    if number is not None:
        parts.append(
            translate(N_("Quarantine day {day} of {days}."), language, day=number, days=QUARANTINE_DAYS)
        )
    todo = (
        N_("Go in person today: reach the household, check temperature and symptoms, bring what it needs.")
        if red
        else N_("Ask the temperature, any symptoms, and what the household needs.")
    )
    parts.append(translate(todo, language))
    return " ".join(parts)


def _live_task(
    session: Session, household: Household, key: str, day: date, community: Community, *, red: bool
) -> bool:
    """Whether the day's task is there already: the watch's own, or (for a call) any live check-in call of
    the household due that day, such as one a recurring template made."""
    mine = select(Task.id).where(
        Task.occurrence_key == key, Task.template_id.is_(None), Task.status != TaskStatus.CANCELLED
    )
    if session.scalar(mine.limit(1)) is not None:
        return True
    if red:
        return False
    other = select(Task.id).where(
        Task.household_id == household.id,
        Task.kind.in_(CALL_KINDS - {"follow_up"}),
        Task.status != TaskStatus.CANCELLED,
        Task.due_at >= at_local(community, day, time(0)),
        Task.due_at < at_local(community, day + timedelta(days=1), time(0)),
    )
    return session.scalar(other.limit(1)) is not None


def _holders(session: Session, household: Household, *, red: bool) -> list[Person]:
    """Who the day's task goes to: the named responsible person; for red also the community's party
    secretary, or every coordinator while none is named."""
    people: list[Person] = []
    lead = household.watch_lead
    if lead is not None and lead.active:
        people.append(lead)
    if red:
        community = session.get_one(Community, household.community_id)
        secretary = party_secretary(session, community)
        leads = [secretary.id] if secretary else coordinators_of(session, household.community_id)
        for person_id in leads:
            person = session.get(Person, person_id)
            if person is not None and person.active and person not in people:
                people.append(person)
    return people


def doctor_of(session: Session, household: Household) -> Person | None:
    """The household's doctor or medic: the one named for it, else the temperature-check medic of the grid
    its building is in (一长三员); None when neither is named (or they are no longer active)."""
    doctor = household.watch_medic
    if doctor is None:
        area = household.building.area
        if area is not None and area.kind == AreaKind.GRID and area.medic_id is not None:
            doctor = session.get(Person, area.medic_id)
    return doctor if doctor is not None and doctor.active else None


def tell_doctor(session: Session, household: Household, task: Task, *, day: date, now: datetime) -> None:
    """A blue household's doctor follow-up: its doctor or medic gets the day's call privately (the household's
    details, its quarantine day, who calls), once per call, to follow its health up."""
    from coord.services.privacy.reads import DIRECT_MESSAGE
    from coord.services.work.notices import private_text, record_task_read

    doctor = doctor_of(session, household)
    if doctor is None:
        return
    lead = household.watch_lead
    notify(
        session,
        dedupe_key=f"doctor:{task.id}",
        community_id=household.community_id,
        person_id=doctor.id,
        task_id=task.id,
        private=True,
        msgid=DOCTOR_FOLLOW_UP,
        params={
            "task_id": task.id,
            "day": quarantine_day(household, day) or "—",
            "days": QUARANTINE_DAYS,
            "lead": lead.name if lead is not None else "—",
            "details": private_text(session, task),
        },
        at=now,
    )
    record_task_read(session, task, Actor.system(DIRECT_MESSAGE), at=now, reader_id=doctor.id)


def _team_of(session: Session, person: Person) -> Team | None:
    """The team of a watch task: its first holder's (one they captain first), whose captain leads it."""
    team_id = session.scalar(
        select(Membership.team_id)
        .where(Membership.person_id == person.id)
        .order_by(Membership.role, Membership.team_id)  # "captain" before "volunteer"
        .limit(1)
    )
    return session.get(Team, team_id) if team_id is not None else None
