"""A captain creates work: in one line (``new delivery due=18:00 Rice for Building 3``) or step by step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from coord import payloads
from coord.chat import cards, conversations
from coord.chat.captain import pick_team, team_choices
from coord.chat.context import Context, rows
from coord.chat.conversations import SKIP_BUTTON, STOP_BUTTON, flow
from coord.chat.parse import Command
from coord.chat.port import Button, Reply
from coord.chat.when import When, parse_when
from coord.chat.words import KIND_WORDS, NO_WORDS, SKIP_WORDS, URGENT_WORDS, YES_WORDS
from coord.errors import CoordError, InvalidInput
from coord.i18n import N_
from coord.kinds import KINDS, get_kind
from coord.models import Conversation, Place, Priority, Team
from coord.services.people.access import require_lead
from coord.services.people.communities import find_place
from coord.services.work.tasks import MAX_CAPACITY, create_task

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
    "人数": "slots",
    "team": "team",
    "队伍": "team",
    "place": "place",
    "地点": "place",
}


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
    spec = " ".join(p for p in (options.get("date", ""), options.get("at") or options.get("due", "")) if p)
    when = parse_when(spec, now=ctx.now, zone=ctx.zone, shift=kind.shift) if spec.strip() else When()
    slots = _slots(options.get("slots", "1"))
    place = _place(ctx, options["place"]) if options.get("place") else None
    urgent = len(words) != len(command.args) - 1
    return _create(ctx, team, kind.name, title, when, slots, urgent, place)


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
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            starts_at=when.starts_at,
            ends_at=when.ends_at,
            due_at=when.due_at,
            capacity=slots,
            now=ctx.now,
        )
    )
    return [
        ctx.say(
            N_("Task created. Volunteers can claim it now:\n{line}"),
            buttons=[
                [Button(N_("Details"), payloads.card(task.id)), Button(N_("Claim"), payloads.claim(task.id))]
            ],
            line=cards.task_line(task, ctx.zone),
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
    yes_no = [Button(N_("Urgent"), payloads.answer("yes")), Button(N_("Not urgent"), payloads.answer("no"))]
    return ctx.say(N_("Is it urgent?"), buttons=[yes_no, [STOP_BUTTON]])


@flow("new", free_text={"title"})
def _new_answer(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    data, step, text = dict(conversation.data), conversation.step, value.strip()
    try:
        data.update(_read(ctx, step, text, data))
    except InvalidInput as err:
        return [ctx.error(err), _ask(ctx, step, data)]
    following = {"kind": "title", "title": "when", "when": "slots", "slots": "urgent"}.get(step)
    if following is not None:
        conversations.advance(ctx, conversation, following, data)
        return [_ask(ctx, following, data)]
    team = pick_team(ctx, str(data["team_id"])) if data.get("team_id") else None
    when = When(**{k: datetime.fromisoformat(v) for k, v in data["when"].items()})
    return conversations.finish(
        ctx,
        lambda: _create(
            ctx, team, data["kind"], data["title"], when, int(data["slots"]), bool(data["urgent"])
        ),
    )


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
    if text.lower() in YES_WORDS | {"urgent", "紧急"} or text.lower() in NO_WORDS | {"not urgent", "不急"}:
        return {"urgent": text.lower() in YES_WORDS | {"urgent", "紧急"}}
    raise InvalidInput(N_("Please answer yes or no."))
