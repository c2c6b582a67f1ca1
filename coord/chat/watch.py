"""The four-colour watch list in chat, for captains and coordinators, in a direct chat only.

- ``watch`` (四色): how many households are on each colour; ``watch red`` (四色 红): that colour's list, with
  the quarantine day, the last call's result and who is responsible;
- ``household 2-1-502`` (住户): one household, or a search by address, name or phone;
- ``colour 2-1-502 yellow back from Wuhan`` (标色 2-1-502 黄 武汉返回): a colour and the reason for it;
- ``responsible 2-1-502 NAME`` (责任人) and ``medic 2-1-502 NAME`` (医生): who follows it up.

Asked in a group, each answers with where to ask, and no data. A call's answer records what the household
needs (``done 12 reached=yes temperature=36.5 needs=rice, oil``): ``free_text`` reads it, ``passed_on``
says which work it became.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from coord import payloads
from coord.chat import cards
from coord.chat.context import Context, rows
from coord.chat.parse import Command
from coord.chat.port import Button, Joined, Phrase, Reply
from coord.chat.words import COLOUR_WORDS
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.kinds import TaskKind
from coord.models import Household, Priority, Task, WatchColour
from coord.services import watch
from coord.services.people.people import find_person

IN_DIRECT_CHAT = N_(
    "The watch list is private: ask me in a direct chat, not in the group. Nothing was shown or changed here."
)
COLOUR_EXAMPLE = N_("colour 2-1-502 yellow back from Wuhan, being traced")
SHOWN = 6  # households with a button of their own
_FREE_TEXT = re.compile(
    r"(?:^|\s)(needs|need|需要|缺|家里缺|需求)\s*[=＝]\s*(.*?)(?=\s+[^\s=＝]+[=＝]|$)",
    re.IGNORECASE | re.DOTALL,
)


def private_only(
    handler: Callable[[Context, Command], list[Reply]],
) -> Callable[[Context, Command], list[Reply]]:
    """A watch command answers only in a direct chat: in a group it says where to ask, and shows nothing."""

    def guarded(ctx: Context, command: Command) -> list[Reply]:
        if ctx.in_group:
            return [ctx.say(IN_DIRECT_CHAT)]
        return handler(ctx, command)

    guarded.__doc__ = handler.__doc__
    return guarded


@private_only
def watch_list(ctx: Context, command: Command) -> list[Reply]:
    """``watch``: the count on each colour; ``watch red``: the households of that colour."""
    colour = COLOUR_WORDS.get(command.args[0].lower()) if command.args else None
    if colour is None:
        counts = watch.colour_counts(ctx.session, actor=ctx.actor, community=ctx.community)
        lines = tuple(
            Phrase(
                N_("{colour}: {count} — {meaning}"),
                {"colour": _colour(c), "count": counts[c], "meaning": Phrase(watch.COLOUR_MEANINGS[c])},
            )
            for c in WatchColour
        )
        buttons = [
            Button(
                N_("{colour} ({count})"), payloads.watch(str(c)), {"colour": _colour(c), "count": counts[c]}
            )
            for c in WatchColour
        ]
        return [
            ctx.say(
                N_("Watch list of {community}:\n{lines}"),
                buttons=rows(buttons),
                community=ctx.community.name,
                lines=lines,
            )
        ]
    views = watch.watch_list(
        ctx.session, actor=ctx.actor, community=ctx.community, colour=WatchColour(colour), now=ctx.now
    )
    if not views:
        return [ctx.say(N_("No households are {colour}."), colour=_colour(WatchColour(colour)))]
    buttons = [
        Button(N_("{address}"), payloads.household(v.household.id), {"address": v.address})
        for v in views[:SHOWN]
    ]
    return [
        ctx.say(
            N_("Households marked {colour} ({count}):\n{lines}"),
            buttons=rows(buttons),
            colour=_colour(WatchColour(colour)),
            count=len(views),
            lines=tuple(_line(ctx, v) for v in views),
        )
    ]


@private_only
def household(ctx: Context, command: Command) -> list[Reply]:
    """``household 2-1-502``, ``household Wang``, ``household 1380000``: one household, or those matching."""
    if "id" in command.options:
        found = [
            watch.find_household(
                ctx.session, actor=ctx.actor, community=ctx.community, ref=command.options["id"]
            )
        ]
    else:
        found = watch.search_households(
            ctx.session, actor=ctx.actor, community=ctx.community, text=" ".join(command.args), now=ctx.now
        )
    if not found:
        return [ctx.say(N_("No household matches “{text}”."), text=" ".join(command.args)[:60])]
    if len(found) == 1:
        return [_card(ctx, found[0])]
    buttons = [
        Button(N_("{address}"), payloads.household(h.id), {"address": h.address}) for h in found[:SHOWN]
    ]
    lines = tuple(
        Phrase(
            N_("{address} {name} {phone}"), {"address": h.address, "name": h.contact_name, "phone": h.phone}
        )
        for h in found
    )
    return [
        ctx.say(
            N_("{count} households match:\n{lines}"), buttons=rows(buttons), count=len(found), lines=lines
        )
    ]


@private_only
def colour(ctx: Context, command: Command) -> list[Reply]:
    """``colour ADDRESS COLOUR REASON``: the household's new colour, and why."""
    at = next((i for i, word in enumerate(command.args) if word.lower() in COLOUR_WORDS), None)
    if at is None or at == 0:
        raise InvalidInput(
            N_("Which household, which colour and why? For example: {example}"),
            example=Phrase(COLOUR_EXAMPLE),
        )
    found = watch.find_household(
        ctx.session, actor=ctx.actor, community=ctx.community, ref=" ".join(command.args[:at])
    )
    new = WatchColour(COLOUR_WORDS[command.args[at].lower()])
    reason = command.text_from(at + 1)  # as typed: a reason keeps its （，。）
    ctx.attempt(
        lambda: watch.set_colour(
            session=ctx.session, actor=ctx.actor, household=found, colour=new, reason=reason, now=ctx.now
        )
    )
    return [_card(ctx, found, N_("Household {address} is {colour} now. What follows:\n{card}"))]


@private_only
def responsible(ctx: Context, command: Command) -> list[Reply]:
    """``responsible ADDRESS NAME``: the person who follows the household up."""
    return _name_person(ctx, command, medic=False)


@private_only
def medic(ctx: Context, command: Command) -> list[Reply]:
    """``medic ADDRESS NAME``: the household's doctor or medic."""
    return _name_person(ctx, command, medic=True)


def _name_person(ctx: Context, command: Command, *, medic: bool) -> list[Reply]:
    example = N_("medic 2-1-502 Dr Wu") if medic else N_("responsible 2-1-502 Li Hua")
    found: Household | None = None
    for end in range(len(command.args) - 1, 0, -1):  # the longest address that is one, the rest a name
        try:
            found = watch.find_household(
                ctx.session, actor=ctx.actor, community=ctx.community, ref=" ".join(command.args[:end])
            )
        except (NotFound, InvalidInput):  # not an address: try a shorter one (NotAllowed is said as it is)
            continue
        name = " ".join(command.args[end:])
        break
    if found is None:
        raise InvalidInput(N_("Which household and who? For example: {example}"), example=Phrase(example))
    person = find_person(ctx.session, ctx.community.id, name)
    chosen = {"medic": person} if medic else {"lead": person}
    ctx.attempt(
        lambda: watch.set_responsible(
            session=ctx.session, actor=ctx.actor, household=found, now=ctx.now, **chosen
        )
    )
    return [_card(ctx, found, N_("Noted. {card}"))]


def _card(ctx: Context, found: Household, wrapper: str | None = None) -> Reply:
    """A household as captains and coordinators read it: contact, colour and why, quarantine day, who
    follows it up, and the last call."""
    view = watch.household_view(ctx.session, actor=ctx.actor, household=found, now=ctx.now)
    h = view.household
    lines: list[Any] = [
        Phrase(
            N_("Household {address}: {name} {phone}"),
            {"address": view.address, "name": h.contact_name, "phone": h.phone},
        )
    ]
    flags = [
        p
        for on, p in (
            (h.elderly, N_("elderly")),
            (h.lives_alone, N_("lives alone")),
            (h.disabled, N_("disabled")),
        )
        if on
    ]
    if flags:
        lines.append(Joined(tuple(Phrase(f) for f in flags)))
    if view.colour is None:
        lines.append(Phrase(N_("Not on the watch list.")))
    else:
        since = Phrase(N_(" since {since}"), {"since": ctx.moment(view.set_at)}) if view.set_at else ""
        why = Phrase(N_(" — {reason}"), {"reason": view.reason}) if view.reason else ""
        lines.append(
            Phrase(
                N_("Colour: {colour}{since}{why}"),
                {"colour": _colour(view.colour), "since": since, "why": why},
            )
        )
        lines.append(Phrase(watch.COLOUR_MEANINGS[view.colour]))
    if view.quarantine_day is not None:
        lines.append(
            Phrase(N_("Quarantine day {day} of {days}."), {"day": view.quarantine_day, "days": view.days})
        )
    lines.append(_people(view))
    lines.append(_last_call(ctx, view))
    lines += [cards.task_line(task, ctx.zone) for task in view.open_work]
    buttons = [[Button(N_("Watch list"), payloads.watch())]]
    card = tuple(lines)
    if wrapper is None:
        return ctx.say(N_("{card}"), buttons=buttons, card=card)
    return ctx.say(
        wrapper,
        buttons=buttons,
        card=card,
        address=view.address,
        colour=_colour(view.colour) if view.colour else "—",
    )


def _line(ctx: Context, view: watch.HouseholdView) -> Phrase:
    day = (
        Phrase(N_("day {day} of {days}"), {"day": view.quarantine_day, "days": view.days})
        if view.quarantine_day is not None
        else Phrase(N_("not in quarantine"))
    )
    return Phrase(
        N_("{address} {name} {phone} · {day} · {last} · {people}"),
        {
            "address": view.address,
            "name": view.household.contact_name,
            "phone": view.household.phone,
            "day": day,
            "last": _last_call(ctx, view),
            "people": _people(view),
        },
    )


def _people(view: watch.HouseholdView) -> Phrase:
    lead = view.lead or Phrase(N_("nobody named yet"))
    if view.medic:
        return Phrase(
            N_("responsible: {lead}; doctor or medic: {medic}"), {"lead": lead, "medic": view.medic}
        )
    return Phrase(N_("responsible: {lead}"), {"lead": lead})


def _last_call(ctx: Context, view: watch.HouseholdView) -> Phrase:
    call = view.last_call
    if call is None:
        return Phrase(N_("no call yet"))
    found = call.figures
    if found.get("reached") is False:
        result: Any = Phrase(N_("not reached"))
    else:
        parts: list[Any] = []
        if "temperature" in found:
            parts.append(Phrase(N_("{temperature} °C"), {"temperature": found["temperature"]}))
        if "symptoms" in found:
            parts.append(Phrase(N_("symptoms") if found["symptoms"] else N_("no symptoms")))
        if found.get("needs"):
            parts.append(Phrase(N_("needs: {needs}"), {"needs": found["needs"]}))
        result = Joined(tuple(parts)) if parts else Phrase(N_("reached"))
    return Phrase(N_("last call {when}: {result}"), {"when": ctx.moment(call.at), "result": result})


def _colour(colour: WatchColour) -> Phrase:
    return Phrase(watch.COLOUR_NAMES[colour])


def free_text(command: Command, kind: TaskKind) -> tuple[dict[str, str], str]:
    """The options of ``done 12 …`` with a free-text answer read whole (``needs=rice, cooking oil``), and
    the note: the words left over after the task number."""
    options, words = dict(command.options), list(command.as_typed[1:])  # the note keeps what was typed
    found = _FREE_TEXT.search(command.rest) if kind.texts else None
    if found is None:
        return options, " ".join(words)
    said = " ".join(found.group(2).split())
    options.pop(found.group(1).lower(), None)
    options["needs"] = said
    for word in said.split()[1:]:  # the first word was read as the option's value, the rest as words
        if word in words:
            words.remove(word)
    return options, " ".join(words)


def passed_on(ctx: Context, call: Task) -> tuple[Phrase, ...]:
    """What work the call's needs became, one line each (their cards are public; details go privately)."""
    made = ctx.session.scalars(select(Task).where(Task.origin_task_id == call.id).order_by(Task.id)).all()
    return tuple(
        Phrase(
            N_("Passed on as urgent task #{task_id}: {title}")
            if task.priority == Priority.URGENT
            else N_("Passed on as task #{task_id}: {title}"),
            {"task_id": task.id, "title": task.title},
        )
        for task in made
    )
