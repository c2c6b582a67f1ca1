"""Past work in chat: a captain's guided entry of work done on an earlier day, from paper (``past`` / 补录).

It takes what it is given in one line (``past gate 2026-02-20 08:00-12:00 贾军、梁勇杰 people_checked=80``)
and asks one question for each part still missing: the kind, the day, who, when (or how many hours), the
figures. The work is recorded by ``coord.services.records.record_past_work``, as entered afterwards.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from coord import payloads
from coord.chat.captain import pick_team
from coord.chat.context import Context, rows
from coord.chat.conversations import SKIP_BUTTON, STOP_BUTTON, begin, finish, flow
from coord.chat.parse import Command, fold
from coord.chat.port import Button, Phrase, Reply
from coord.chat.words import KIND_WORDS, SKIP_WORDS
from coord.errors import NotAllowed
from coord.i18n import N_
from coord.kinds import KINDS, TaskKind, get_kind
from coord.models import Conversation, Team
from coord.models.kinds import find_kind
from coord.services.imports.work_done import figure_names, name_key
from coord.services.people.people import find_person, find_team
from coord.services.records import (
    PastPart,
    record_past_work,
)

STEPS = ("kind", "day", "people", "times", "figures")
_DAY = re.compile(r"(?:(\d{4})[-/年])?(\d{1,2})[-/月](\d{1,2})日?")
_RANGE = re.compile(r"(\d{1,2})[:：](\d{2})\s*(?:-|–|—|~|到|至)\s*(\d{1,2})[:：](\d{2})")
HOURS = re.compile(r"(\d{1,2}(?:\.\d{1,2})?)\s*(h|hr|hrs|hours?|小时|个小时)?")
YESTERDAY = frozenset({"yesterday", "昨天", "昨日"})
BEFORE_YESTERDAY = frozenset({"前天"})


def past(ctx: Context, command: Command) -> list[Reply]:
    """Work done on an earlier day, entered from paper: what the line gives, then a question for the rest."""
    team = _team(ctx)
    data: dict[str, Any] = {"team_id": team.id if team else None, "figures": dict(command.options)}
    names: list[str] = []
    for word in command.as_typed:
        folded = fold(word).lower()
        if "kind" not in data and _kind(ctx, folded) is not None:
            data["kind"] = _kind(ctx, folded)
        elif "day" not in data and (day := day_named(ctx, folded)) is not None:
            data["day"] = day.isoformat()
        elif "times" not in data and (times := _times(folded)) is not None:
            data["times"] = times
        else:
            names.append(word)
    if names:
        data["people"] = _names(" ".join(names))
    return _next(ctx, data)


def _team(ctx: Context) -> Team | None:
    team = pick_team(ctx, None)
    if team is not None or ctx.roles.coordinator:
        return team
    if not ctx.roles.led_teams:
        raise NotAllowed(N_("Only a captain or a coordinator can enter past work."))
    return ctx.roles.led_teams[0]


def _next(ctx: Context, data: dict[str, Any]) -> list[Reply]:
    """Ask for the first part still missing, or record the work when nothing is."""
    for step in STEPS:
        if step == "figures":
            kind = get_kind(str(data["kind"]))
            if all(f.name in _figures(kind, data) for f in kind.figures if f.required):
                continue
        elif step in data:
            continue
        begin(ctx, "past", step, data)
        return [_question(ctx, step, data)]
    return finish(ctx, lambda: _record(ctx, data))


def _question(ctx: Context, step: str, data: dict[str, Any]) -> Reply:
    stop = [STOP_BUTTON]
    if step == "kind":
        choices = [Button(KINDS[k].label, payloads.answer(k)) for k in KINDS]
        return ctx.say(N_("Which kind of work was it?"), buttons=[*rows(choices, 3), stop])
    if step == "day":
        text = N_("Which day was it done? For example 2026-02-20, 02-20 or yesterday.")
        return ctx.say(text, buttons=[stop])
    if step == "people":
        text = N_("Who did it? Their names, separated by commas or 、.")
        return ctx.say(text, buttons=[stop])
    if step == "times":
        text = N_("When? From check-in to done, like 08:00-12:00, or the hours each served, like 3.5h.")
        return ctx.say(text, buttons=[stop])
    kind = get_kind(str(data["kind"]))
    known = tuple(Phrase(f.label) for f in kind.figures)
    text = N_("The figures, as NAME=VALUE separated by spaces ({figures}); send - if there are none.")
    skip = [SKIP_BUTTON] if not any(f.required for f in kind.figures) else []
    return ctx.say(text, buttons=[skip, stop], figures=_joined(known))


def _joined(items: tuple[Any, ...]) -> Any:
    from coord.chat.port import Joined

    return Joined(items)


@flow("past", free_text={"people"})
def _past_answer(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    data = dict(conversation.data)
    step, text = conversation.step, value.strip()
    if step == "kind":
        kind = _kind(ctx, fold(text).lower())
        if kind is None:
            return [
                ctx.say(N_("I do not know that kind of work; choose one of the buttons.")),
                _question(ctx, step, data),
            ]
        data["kind"] = kind
    elif step == "day":
        day = day_named(ctx, fold(text).lower())
        if day is None:
            return [
                ctx.say(N_("“{value}” is not a day I can read."), value=text[:30]),
                _question(ctx, step, data),
            ]
        data["day"] = day.isoformat()
    elif step == "people":
        data["people"] = _names(text)
        if not data["people"]:
            return [_question(ctx, step, data)]
    elif step == "times":
        times = _times(fold(text).lower(), bare=True)
        if times is None:
            return [
                ctx.say(N_("“{value}” is not a time range or a number of hours."), value=text[:30]),
                _question(ctx, step, data),
            ]
        data["times"] = times
    else:
        figures = dict(data.get("figures") or {})
        if fold(text).lower() not in SKIP_WORDS:
            for pair in fold(text).replace("，", " ").replace(",", " ").split():
                name, equals, number = pair.partition("=")
                if not equals:
                    return [
                        ctx.say(N_("Write each figure as NAME=VALUE, for example households=3.")),
                        _question(ctx, step, data),
                    ]
                figures[name] = number
        data["figures"] = figures
        data["figures_given"] = True
        if not all(
            f.name in _figures(get_kind(str(data["kind"])), data)
            for f in get_kind(str(data["kind"])).figures
            if f.required
        ):
            return [_question(ctx, step, data)]
    return _next(ctx, data)


def _record(ctx: Context, data: dict[str, Any]) -> list[Reply]:
    kind = get_kind(str(data["kind"]))
    zone = ZoneInfo(ctx.zone)
    day = date.fromisoformat(str(data["day"]))
    times = dict(data["times"])
    hours = times.get("hours")
    if "from" in times:
        checked_in_at = datetime.combine(day, time.fromisoformat(times["from"]), tzinfo=zone)
        done_at = datetime.combine(day, time.fromisoformat(times["to"]), tzinfo=zone)
    else:
        checked_in_at, done_at = None, datetime.combine(day, time(12, 0), tzinfo=zone)
    figures = _figures(kind, data)
    people = [find_person(ctx.session, ctx.community.id, name) for name in data["people"]]
    parts = [
        PastPart(
            p, done_at=done_at, checked_in_at=checked_in_at, hours=hours, figures=figures if i == 0 else {}
        )
        for i, p in enumerate(people)
    ]
    team = find_team(ctx.session, ctx.community.id, int(data["team_id"])) if data.get("team_id") else None
    task = ctx.attempt(
        lambda: record_past_work(
            session=ctx.session,
            actor=ctx.actor,
            community=ctx.community,
            kind=kind.name,
            title=f"{_label(ctx, kind)} {day.isoformat()}",
            team=team,
            parts=parts,
            note="chat",
            now=ctx.now,
        )
    )
    served = sum(s.hours or 0 for s in task.assignments) if task.assignments else 0
    return [
        ctx.say(
            N_("Entered afterwards: task #{task_id}, {kind} on {day}, by {names}; {hours} hours in all."),
            task_id=task.id,
            kind=Phrase(kind.label),
            day=day.isoformat(),
            names=_joined(tuple(p.name for p in people)),
            hours=round(served, 2) if served else _window_hours(checked_in_at, done_at, len(people)),
        )
    ]


def _window_hours(start: datetime | None, end: datetime, people: int) -> float:
    return round((end - start).total_seconds() / 3600 * people, 2) if start else 0.0


def _label(ctx: Context, kind: TaskKind) -> str:
    from coord.i18n import translate

    return translate(kind.label, ctx.community.language)


def _figures(kind: TaskKind, data: dict[str, Any]) -> dict[str, str]:
    """The figures given so far, by their names (any of the names a figure is known by)."""
    names = figure_names(kind)
    given: dict[str, str] = {}
    for name, value in dict(data.get("figures") or {}).items():
        given[names.get(name_key(str(name))) or str(name)] = str(value)
    return given


def _kind(ctx: Context, word: str) -> str | None:
    """A built-in kind as people say it, or one of the community's own kinds by its name or label."""
    if word in KINDS:
        return word
    if word in KIND_WORDS:
        return KIND_WORDS[word]
    own = find_kind(ctx.session, ctx.community.id, word)
    return own.name if own is not None else None


def day_named(ctx: Context, word: str) -> date | None:
    today = ctx.today()
    if word in YESTERDAY:
        return today - timedelta(days=1)
    if word in BEFORE_YESTERDAY:
        return today - timedelta(days=2)
    match = _DAY.fullmatch(word)
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        found = date(int(year) if year else today.year, int(month), int(day))
    except ValueError:
        return None
    return found if year or found <= today else date(found.year - 1, found.month, found.day)


def _times(word: str, *, bare: bool = False) -> dict[str, Any] | None:
    """``08:00-12:00`` (check-in to done), or hours: ``3.5h``, ``3.5小时`` (a bare number when ``bare``)."""
    if match := _RANGE.fullmatch(word):
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            return None
        return {"from": f"{h1:02d}:{m1:02d}", "to": f"{h2:02d}:{m2:02d}"}
    match = HOURS.fullmatch(word)
    if match is None or (match.group(2) is None and not bare):
        return None
    return {"hours": float(match.group(1))}


def _names(text: str) -> list[str]:
    return [n.strip() for n in re.split(r"[,，、;；]", text) if n.strip()]
