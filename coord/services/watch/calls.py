"""What a call to a household finds: a fever, symptoms or no answer twice turn it red; needs become work.

``after_call`` runs in the transaction of the call's completion (``claims.complete``). A fever (37.3 °C or
more), symptoms, or a second call in a row that reached nobody turns the household red through
``set_colour`` (so its follow-up is replaced at once) and tells the captain and coordinators. What the
household said it needs ("家里缺什么", the ``needs`` answer) becomes a purchase (medicine: urgent) or a
delivery for that household, linked to the call; its address and phone go to whoever takes it, alone.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.i18n import N_, translate
from coord.kinds import CALL_KINDS, get_kind
from coord.models import Assignment, AssignmentState, Community, Household, Task, WatchColour
from coord.services.outbox.events import record_event
from coord.services.watch.colours import set_colour
from coord.services.watch.schedule import WATCH

UNREACHED_LIMIT = 2  # calls in a row without an answer turn a household red
_ITEMS = re.compile(r"[,，、;；/\n]+|\s+(?:and|&)\s+|和|及")
MEDICINE_WORDS = (
    "medicine",
    "medication",
    "pill",
    "tablet",
    "drug",
    "insulin",
    "inhaler",
    "prescription",
    "aspirin",
    "paracetamol",
    "ibuprofen",
    "药",
    "胰岛素",
    "处方",
)

FEVER = N_(
    "Household under watch (task #{task_id}) has a fever of {temperature} °C: it is now RED. "
    "Please follow up now."
)
SYMPTOMS = N_(
    "Household under watch (task #{task_id}) reported symptoms: it is now RED. Please follow up now."
)
UNREACHED = N_(
    "Household under watch (task #{task_id}) could not be reached twice: it is now RED. Please follow up now."
)


def after_call(session: Session, task: Task, assignment: Assignment, *, now: datetime) -> None:
    """The household's colour and work after a call (a check-in call or a red follow-up) is reported done."""
    household = session.get(Household, task.household_id) if task.household_id is not None else None
    if household is None or task.kind not in CALL_KINDS:
        return
    needs_to_work(session, task, assignment, household, now=now)
    if household.watch_colour == WatchColour.RED:
        return
    found = _red_finding(session, household, assignment.figures)
    if found is None:
        return
    msgid, params = found
    community = session.get_one(Community, household.community_id)
    reason = translate(_REASONS[msgid], community.language, task_id=task.id, **params)
    set_colour(
        session=session, actor=WATCH, household=household, colour=WatchColour.RED, reason=reason, now=now
    )
    from coord.services.work.notices import tell_leads

    tell_leads(
        session,
        task,
        key=f"red:{household.id}:{task.id}",
        msgid=msgid,
        params={"task_id": task.id, **params},
        at=now,
        coordinators=True,
    )


_REASONS = {
    FEVER: N_("a fever of {temperature} °C on call #{task_id}"),
    SYMPTOMS: N_("symptoms on call #{task_id}"),
    UNREACHED: N_("not reached twice in a row (last: call #{task_id})"),
}


def _red_finding(
    session: Session, household: Household, figures: dict[str, object]
) -> tuple[str, dict[str, object]] | None:
    fever = get_kind("checkin_call").figure("temperature")
    temperature = figures.get("temperature")
    if (
        fever is not None
        and fever.at_least is not None
        and isinstance(temperature, int | float)
        and temperature >= fever.at_least
    ):
        return FEVER, {"temperature": temperature}
    if figures.get("symptoms") is True:
        return SYMPTOMS, {}
    if figures.get("reached") is False and _unreached_in_a_row(session, household.id) >= UNREACHED_LIMIT:
        return UNREACHED, {}
    return None


def _unreached_in_a_row(session: Session, household_id: int) -> int:
    results = session.scalars(
        select(Assignment.figures)
        .join(Task, Task.id == Assignment.task_id)
        .where(
            Task.household_id == household_id,
            Task.kind.in_(CALL_KINDS),
            Assignment.state == AssignmentState.DONE,
        )
        .order_by(Assignment.ended_at.desc(), Assignment.id.desc())
        .limit(UNREACHED_LIMIT)
    ).all()
    count = 0
    for figures in results:
        if figures.get("reached") is False:
            count += 1
        else:
            break
    return count


def split_needs(text: str) -> tuple[list[str], list[str]]:
    """(medicine, other supplies) in what a household said it needs (``rice, oil and heart pills``)."""
    medicine: list[str] = []
    supplies: list[str] = []
    for item in _ITEMS.split(text):
        item = " ".join(item.split()).strip(" .。")
        if not item:
            continue
        lowered = item.lower()
        (medicine if any(word in lowered for word in MEDICINE_WORDS) else supplies).append(item)
    return medicine, supplies


def needs_to_work(
    session: Session, call: Task, assignment: Assignment, household: Household, *, now: datetime
) -> list[Task]:
    """What the call found was needed, as the household's requests (channel: the call): the medicine an
    urgent purchase, the rest a delivery, each at once, by the call's team, naming the call it came from."""
    said = assignment.figures.get("needs")
    if not isinstance(said, str) or not said.strip():
        return []
    from coord.models import RequestChannel
    from coord.services.requests.intake import place_request

    medicine, supplies = split_needs(said)
    made: list[Task] = []
    for items in (medicine, supplies):
        if not items:
            continue
        request = place_request(
            session=session,
            actor=WATCH,
            household=household,
            items="\n".join(items),
            channel=RequestChannel.CALL,
            now=now,
            origin=call,
            team=call.team,
        )
        if request.task_id is not None:
            made.append(session.get_one(Task, request.task_id))
    record_event(
        session,
        actor=WATCH,
        action="needs_to_work",
        community_id=call.community_id,
        task=call,
        at=now,
        household_id=household.id,
        tasks=[t.id for t in made],
    )
    return made
