"""A captain creates work: in one line (``new delivery due=18:00 Rice for Building 3``, ``new gate at=15:00
for=2h cap=3 place=North_Gate South gate afternoon``) or step by step. Work created without a place is
given one after: the reply offers the community's places as buttons (or ``place 12 NAME``).

Work for one household names it (``household=12-2-301``, a contact's name or phone; in the guided flow a
step of its own for deliveries, purchases and calls): its address and phone then reach only whoever claims
it. A household is named in a direct chat only; one that several fit is answered with the choices."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from coord import payloads
from coord.chat import cards, conversations
from coord.chat.captain import pick_team, team_choices
from coord.chat.context import Context, rows, task_arg
from coord.chat.conversations import SKIP_BUTTON, STOP_BUTTON, flow
from coord.chat.parse import Command
from coord.chat.port import Button, Phrase, Reply
from coord.chat.when import When, parse_when
from coord.chat.words import KIND_WORDS, NO_WORDS, SKIP_WORDS, URGENT_WORDS, YES_WORDS
from coord.errors import CoordError, InvalidInput, NotFound
from coord.i18n import N_
from coord.kinds import KINDS, get_kind
from coord.models import Conversation, Household, Place, PlaceKind, Priority, Task, Team, as_id
from coord.services import watch
from coord.services.people.access import require_lead
from coord.services.people.communities import find_place, places_of
from coord.services.work.tasks import MAX_CAPACITY, create_task, get_task, set_place

#: Option names in one-line creation, in English and Chinese.
OPTION_NAMES = {
    "at": "at",
    "时间": "at",
    "due": "due",
    "截止": "due",
    "date": "date",
    "日期": "date",
    "slots": "slots",
    "people": "slots",
    "cap": "slots",
    "capacity": "slots",
    "人数": "slots",
    "名额": "slots",
    "for": "for",
    "duration": "for",
    "时长": "for",
    "team": "team",
    "队伍": "team",
    "place": "place",
    "where": "place",
    "地点": "place",
    "household": "household",
    "住户": "household",
    "户": "household",
}
MAX_SHIFT = timedelta(hours=24)
_DURATION = re.compile(
    r"^(\d{1,3}(?:\.\d{1,2})?)\s*(h|hr|hrs|hour|hours|小时|个小时|m|min|mins|minutes|分钟|分)?$"
)
PLACE_CHOICES = 6
HOUSEHOLD_CHOICES = 6
#: Work done for one household: the guided flow asks which (in a direct chat).
HOUSEHOLD_KINDS = frozenset({"delivery", "purchase", "checkin_call", "follow_up"})
HOUSEHOLD_IN_GROUP = N_(
    "A household's address and phone are private: name it in a direct chat with me, not in the group. "
    "Nothing was created."
)


def new(ctx: Context, command: Command) -> list[Reply]:
    options = {OPTION_NAMES.get(k, k): v for k, v in command.options.items()}
    team = pick_team(ctx, options.get("team"))
    if team is not None:
        require_lead(ctx.session, ctx.actor, ctx.community.id, team.id)
    elif not ctx.roles.coordinator:
        team = team_choices(ctx)[0]  # refuses someone who leads no team
    if command.args:
        return _one_line(ctx, command, options, team)
    conversations.begin(ctx, "new", "kind", {"team_id": team.id if team else None})
    return [_ask(ctx, "kind", {})]


def _one_line(ctx: Context, command: Command, options: dict[str, str], team: Team | None) -> list[Reply]:
    kind = get_kind(KIND_WORDS.get(command.args[0].lower(), command.args[0]))
    typed = zip(command.args[1:], command.as_typed[1:], strict=True)
    words = [as_typed for word, as_typed in typed if word.lower() not in URGENT_WORDS]
    title = " ".join(words)
    if not title:
        raise InvalidInput(
            N_("Give the task a title, for example “new delivery due=18:00 Rice for Building 3”.")
        )
    when = _one_line_when(ctx, kind.shift, options)
    slots = _slots(options.get("slots", "1"))
    place = _place(ctx, options["place"]) if options.get("place") else None
    urgent = len(words) != len(command.args) - 1
    household = None
    if "household" in options:
        if ctx.in_group:
            raise InvalidInput(HOUSEHOLD_IN_GROUP)
        found = _households(ctx, options["household"])
        if len(found) != 1:
            text = N_(
                "“{ref}” fits {count} households. Nothing was created: write household= with one of:\n{lines}"
            )
            return [ctx.say(text, ref=options["household"][:60], count=len(found), lines=_lines(found))]
        household = found[0]
    return _create(ctx, team, kind.name, title, when, slots, urgent, place, household)


def _households(ctx: Context, ref: str) -> list[Household]:
    """The households ``ref`` may mean: by building-unit-room (``12-2-301``, ``Building_12-2-301``), by
    number (``#5``, a choice's button) or by a contact's name or phone; none is refused."""
    text = ref.replace("_", " ").strip()
    if text.startswith("#") and text[1:].isdigit() and len(text) <= 10:
        return [watch.find_household(ctx.session, actor=ctx.actor, community=ctx.community, ref=text)]
    found = watch.search_households(
        ctx.session, actor=ctx.actor, community=ctx.community, text=text, now=ctx.now, limit=HOUSEHOLD_CHOICES
    )
    if not found:
        raise NotFound(
            N_(
                "No household matches “{ref}”. Give building-unit-room such as 12-2-301, a name or a phone "
                "number. Nothing was created."
            ),
            ref=text[:60],
        )
    return found


def _lines(found: list[Household]) -> tuple[Phrase, ...]:
    return tuple(
        Phrase(
            N_("{address} {name} {phone}"), {"address": h.address, "name": h.contact_name, "phone": h.phone}
        )
        for h in found
    )


def _one_line_when(ctx: Context, shift: bool, options: dict[str, str]) -> When:
    """A shift: ``at=15:00-17:00`` or ``at=15:00 for=2h``; a deadline: ``due=18:00``; ``date=`` with both."""
    spec = " ".join(p for p in (options.get("date", ""), options.get("at") or options.get("due", "")) if p)
    if not spec.strip():
        if options.get("for"):
            raise InvalidInput(N_("When does it start? For example at=15:00 for=2h."))
        return When()
    if not shift:
        return parse_when(spec, now=ctx.now, zone=ctx.zone, shift=False)
    moment = parse_when(spec, now=ctx.now, zone=ctx.zone, shift=False)
    if moment.due_at is None:  # a window already: 15:00-17:00
        return moment
    if not options.get("for"):
        raise InvalidInput(N_("Shift work needs a start and an end: at=15:00-17:00, or at=15:00 for=2h."))
    return When(starts_at=moment.due_at, ends_at=moment.due_at + _duration(options["for"]))


def _duration(text: str) -> timedelta:
    """``2h``, ``90m``, ``1.5h``, ``2小时``, ``90分钟`` (a bare number is hours)."""
    match = _DURATION.match(text.strip().lower())
    length = None
    if match:
        minutes = match.group(2) in ("m", "min", "mins", "minutes", "分钟", "分")
        length = timedelta(**{"minutes" if minutes else "hours": float(match.group(1))})
    if length is None or not timedelta(minutes=1) <= length <= MAX_SHIFT:
        raise InvalidInput(N_("A shift lasts from a few minutes to a day: write for=2h or for=90m."))
    return length


def _slots(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= MAX_CAPACITY:
        raise InvalidInput(N_("A task needs between 1 and {most} people."), most=MAX_CAPACITY)
    return int(text)


def _place(ctx: Context, name: str) -> Place:
    try:
        return find_place(ctx.session, ctx.community.id, name)
    except CoordError:
        return find_place(ctx.session, ctx.community.id, name.replace("_", " "))


def _create(
    ctx: Context,
    team: Team | None,
    kind: str,
    title: str,
    when: When,
    slots: int,
    urgent: bool,
    place: Place | None = None,
    household: Household | None = None,
) -> list[Reply]:
    task = ctx.attempt(
        lambda: create_task(
            session=ctx.session,
            actor=ctx.actor,
            community=ctx.community,
            kind=kind,
            title=title,
            team=team,
            place=place,
            household=household,
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            starts_at=when.starts_at,
            ends_at=when.ends_at,
            due_at=when.due_at,
            capacity=slots,
            now=ctx.now,
        )
    )
    created = ctx.say(
        N_("Task created. Volunteers can claim it now:\n{line}"),
        buttons=[
            [Button(N_("Details"), payloads.card(task.id)), Button(N_("Claim"), payloads.claim(task.id))]
        ],
        line=cards.task_line(task, ctx.zone),
    )
    if household is None:
        return [created, *_where(ctx, task)]
    for_household = N_(
        "Task #{task_id} is for household {address}: only whoever claims it gets the address and phone, "
        "in a direct chat."
    )
    return [created, ctx.say(for_household, task_id=task.id, address=household.address)]


def _where(ctx: Context, task: Task) -> list[Reply]:
    """For work with no place yet: the question where it is, with the likeliest places as buttons."""
    if task.place_id is not None or task.household_id is not None:
        return []
    choices = places_of(ctx.session, ctx.community.id, first=_place_kind(task.kind), limit=PLACE_CHOICES)
    if not choices:
        return []
    buttons = [Button(N_("{name}"), payloads.place(task.id, p.id), {"name": p.name}) for p in choices]
    text = N_("Where is task #{task_id}? Press its place, or send “place {task_id} NAME”.")
    return [ctx.say(text, buttons=rows(buttons, 3), task_id=task.id)]


def place(ctx: Context, command: Command) -> list[Reply]:
    """``place 12 North Gate`` (or a place's button): where task 12 happens."""
    task_id = task_arg(command.args[0] if command.args else None, N_("place 12 NAME"))
    ref = command.text_from(1).strip()
    if not ref:
        task = get_task(ctx.session, task_id, community_id=ctx.community.id)
        require_lead(ctx.session, ctx.actor, task.community_id, task.team_id)
        return _where(ctx, task) or [
            ctx.say(N_("Which place? Send “place {task_id} NAME”."), task_id=task_id)
        ]
    chosen = (
        _place_by_id(ctx, ref) if ref.startswith("#") and ref[1:].isdigit() else _place(ctx, ref)
    )
    task = ctx.attempt(
        lambda: set_place(session=ctx.session, actor=ctx.actor, task_id=task_id, place=chosen, now=ctx.now)
    )
    return [
        ctx.say(
            N_("Task #{task_id} “{title}” is at {place} now."),
            buttons=[[Button(N_("Details"), payloads.card(task.id))]],
            task_id=task.id,
            title=task.title,
            place=chosen.name,
        )
    ]


def _ask(ctx: Context, step: str, data: dict[str, Any]) -> Reply:
    if step == "kind":
        kinds = [Button(k.label, payloads.answer(k.name)) for k in KINDS.values()]
        return ctx.say(N_("New task: what kind of work?"), buttons=[*rows(kinds), [STOP_BUTTON]])
    if step == "title":
        return ctx.say(
            N_("A short title that volunteers will see, for example “North gate morning”?"),
            buttons=[[STOP_BUTTON]],
        )
    if step == "when" and KINDS[data["kind"]].shift:
        return ctx.say(
            N_("When is the shift? For example 08:00-12:00 or tomorrow 08:00-12:00."), buttons=[[STOP_BUTTON]]
        )
    if step == "when":
        text = N_("By when must it be done? For example 18:00 or tomorrow 12:00. Press Skip for no deadline.")
        return ctx.say(text, buttons=[[SKIP_BUTTON, STOP_BUTTON]])
    if step == "slots":
        counts = [Button(str(n), payloads.answer(str(n))) for n in (1, 2, 3, 4)]
        return ctx.say(N_("How many people are needed?"), buttons=[counts, [STOP_BUTTON]])
    if step == "household":
        text = N_(
            "Which household is it for? Send building-unit-room such as 12-2-301, a name or a phone number. "
            "Press Skip if it is for no one household."
        )
        return ctx.say(text, buttons=[[SKIP_BUTTON, STOP_BUTTON]])
    yes_no = [Button(N_("Urgent"), payloads.answer("yes")), Button(N_("Not urgent"), payloads.answer("no"))]
    return ctx.say(N_("Is it urgent?"), buttons=[yes_no, [STOP_BUTTON]])


@flow("new", free_text={"title", "household"})
def _new_answer(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    data, step, text = dict(conversation.data), conversation.step, value.strip()
    if step == "household" and text.lower() not in SKIP_WORDS:
        try:
            found = _households(ctx, text)
        except (InvalidInput, NotFound) as err:
            return [ctx.error(err), _ask(ctx, step, data)]
        if len(found) > 1:
            buttons = [
                Button(N_("{address}"), payloads.answer(f"#{h.id}"), {"address": h.address}) for h in found
            ]
            choose = N_("“{ref}” fits {count} households. Press one, or write its address:\n{lines}")
            return [
                ctx.say(
                    choose,
                    buttons=[*rows(buttons), [SKIP_BUTTON, STOP_BUTTON]],
                    ref=text[:60],
                    count=len(found),
                    lines=_lines(found),
                )
            ]
        data["household_id"] = found[0].id
        text = "-"
    try:
        data.update(_read(ctx, step, text, data))
    except InvalidInput as err:
        return [ctx.error(err), _ask(ctx, step, data)]
    following = {"kind": "title", "title": "when", "when": "slots", "slots": "urgent"}.get(step)
    if step == "urgent" and data["kind"] in HOUSEHOLD_KINDS and not ctx.in_group:
        following = "household"
    if following is not None:
        conversations.advance(ctx, conversation, following, data)
        return [_ask(ctx, following, data)]
    team = pick_team(ctx, str(data["team_id"])) if data.get("team_id") else None
    when = When(**{k: datetime.fromisoformat(v) for k, v in data["when"].items()})
    household = ctx.session.get(Household, data["household_id"]) if data.get("household_id") else None
    return conversations.finish(
        ctx,
        lambda: _create(
            ctx,
            team,
            data["kind"],
            data["title"],
            when,
            int(data["slots"]),
            bool(data["urgent"]),
            None,
            household,
        ),
    )


def _place_kind(kind: str) -> PlaceKind | None:
    """The kind of place the work is most likely at: a gate for gate duty, a building for door-to-door."""
    known = KINDS.get(kind)
    if known is not None and known.shift:
        return PlaceKind.GATE
    return PlaceKind.BUILDING if kind in ("disinfection", "screening", "outreach") else None


def _place_by_id(ctx: Context, ref: str) -> Place:
    number = as_id(ref)
    place = ctx.session.get(Place, number) if number is not None else None
    if place is None or place.community_id != ctx.community.id:
        raise NotFound(N_("There is no place called “{name}”."), name=ref[:12])
    return place


def _read(ctx: Context, step: str, text: str, data: dict[str, Any]) -> dict[str, Any]:
    """The value of one answer, or InvalidInput saying what is expected."""
    if step == "kind":
        return {"kind": get_kind(KIND_WORDS.get(text.lower(), text)).name}
    if step == "title":
        if not 1 <= len(text) <= 200:
            raise InvalidInput(N_("A task needs a title of 1 to 200 characters."))
        return {"title": text}
    if step == "when":
        if text.lower() in SKIP_WORDS and not KINDS[data["kind"]].shift:
            return {"when": {}}
        when = parse_when(text, now=ctx.now, zone=ctx.zone, shift=KINDS[data["kind"]].shift)
        end = when.ends_at or when.due_at
        if end is not None and end <= ctx.now:
            raise InvalidInput(N_("That time has already passed."))
        return {"when": {k: v.isoformat() for k, v in vars(when).items() if v is not None}}
    if step == "slots":
        return {"slots": _slots(text)}
    if step == "household":
        return {}
    if text.lower() in YES_WORDS | {"urgent", "紧急"} or text.lower() in NO_WORDS | {"not urgent", "不急"}:
        return {"urgent": text.lower() in YES_WORDS | {"urgent", "紧急"}}
    raise InvalidInput(N_("Please answer yes or no."))
