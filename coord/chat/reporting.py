"""Reporting back: "done" with the figures a kind of work records, and the daily health declaration.

Both work in one line (``done 12 households=25 items=40``, ``health yes 36.5``) or guided, one
question at a time; nothing is recorded until the last answer is in.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from coord import payloads
from coord.chat import cards, conversations
from coord.chat.context import Context, task_arg
from coord.chat.conversations import SKIP_BUTTON, STOP_BUTTON, flow
from coord.chat.parse import Command
from coord.chat.port import Button, Phrase, Reply
from coord.chat.watch import free_text, passed_on
from coord.chat.words import NO_WORDS, SKIP_WORDS, YES_WORDS
from coord.errors import CoordError, InvalidFigures, InvalidInput, InvalidTransition, NotFound
from coord.i18n import N_, translate
from coord.kinds import CALL_KINDS, TaskKind, get_kind, validate_figures
from coord.models import AssignmentState, Conversation, Person, Task
from coord.services.people import people
from coord.services.people.people import find_person
from coord.services.work import boards, claims
from coord.services.work.rules import done_refusal
from coord.services.work.stand_down import held_soon
from coord.services.work.tasks import get_task

_TEMPERATURE = re.compile(r"(\d{2}(?:[.,]\d{1,2})?)")
YES_NO = [Button(N_("Yes"), payloads.answer("yes")), Button(N_("No"), payloads.answer("no"))]


@functools.cache
def figure_names(kind: TaskKind) -> dict[str, str]:
    """Every way to name a figure of ``kind``: ``households``, ``households_served``, ``服务户数``."""
    names: dict[str, str] = {}
    for figure in (*kind.figures, *kind.texts):
        for language in ("en", "zh"):
            # As the parser reads what was typed: NFKC folds full-width forms (体温（°C） → 体温(°C)).
            label = unicodedata.normalize("NFKC", translate(figure.label, language)).lower()
            names[label.replace(" ", "_")] = names[label.replace(" ", "")] = figure.name
        names[figure.name] = figure.name
    return names


def done(ctx: Context, command: Command) -> list[Reply]:
    task_id = task_arg(command.args[0] if command.args else None, N_("done 12"))
    task = get_task(ctx.session, task_id, community_id=ctx.community.id)  # kept: the service finds it loaded
    options, note = free_text(command, get_kind(task.kind))  # needs=rice, cooking oil: read whole
    return ask_figures(ctx, task, options, note)


def ask_figures(
    ctx: Context, task: Task, options: dict[str, str], note: str, *, holder: Person | None = None
) -> list[Reply]:
    """Report ``task`` done with the figures in ``options`` (by any of their names), asking one question
    for each one missing; ``holder``: a captain records it for them (``note`` says why)."""
    kind = get_kind(task.kind)
    aliases = figure_names(kind)
    given: dict[str, Any] = {aliases.get(k.lower(), k): v for k, v in options.items()}
    for_id = holder.id if holder is not None else None
    if all(f.name in given for f in kind.figures if f.required):
        return _complete(ctx, task.id, given, note, for_id)
    state = _holding(ctx, task.id, holder)
    refused = done_refusal(task, state, ctx.now, on_behalf=holder is not None, zone=ctx.zone)
    if refused is not None:  # before the questions, not after them
        raise refused
    if any(kind.answer(name) is None for name in given):
        validate_figures(kind, given)  # refuses the unknown figure by name
    typed = {name: kind.answer(name).parse(value) for name, value in given.items()}  # type: ignore[union-attr]
    asked = sorted((*kind.figures, *kind.texts), key=lambda f: not f.required)
    todo = [f.name for f in asked if f.name not in given]
    data = {"task_id": task.id, "kind": kind.name, "given": typed, "todo": todo, "note": note, "for": for_id}
    conversations.begin(ctx, "done", todo[0], data)
    return [_ask(ctx, task.id, kind, todo[0])]


def _holding(ctx: Context, task_id: int, holder: Person | None) -> AssignmentState:
    state = boards.viewer_state(ctx.session, task_id, (holder or ctx.person).id)
    if state is None and holder is not None:
        raise NotFound(
            N_("{name} does not hold a slot of task #{task_id}."), name=holder.name, task_id=task_id
        )
    if state is None and boards.ended_state(ctx.session, task_id, ctx.person.id) == AssignmentState.DONE:
        # said again (its answer was lost): it is done, nothing more to record
        raise InvalidTransition(N_("Task #{task_id} is already done. Thank you!"), task_id=task_id)
    if state is None:
        raise NotFound(N_("You have not claimed task #{task_id}, so you cannot finish it."), task_id=task_id)
    return state


def _ask(ctx: Context, task_id: int, kind: TaskKind, name: str) -> Reply:
    figure = kind.answer(name)
    assert figure is not None
    if figure.type is str:
        key, row = N_("Task #{task_id}: what does the household need? Say it in a few words.{optional}"), []
    elif figure.type is bool:
        key, row = N_("Task #{task_id}: {figure}? Answer yes or no.{optional}"), list(YES_NO)
    elif figure.type is int:
        key, row = N_("Task #{task_id}: how many {figure}?{optional}"), []
    else:
        key, row = N_("Task #{task_id}: {figure}? Send a number.{optional}"), []
    optional = "" if figure.required else Phrase(N_(" (You may skip this one.)"))
    extra = [STOP_BUTTON] if figure.required else [SKIP_BUTTON, STOP_BUTTON]
    return ctx.say(key, buttons=[row, extra], task_id=task_id, figure=Phrase(figure.label), optional=optional)


@flow("done")
def _done_answer(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    data = dict(conversation.data)
    task_id, kind = int(data["task_id"]), get_kind(str(data["kind"]))
    figure = kind.answer(conversation.step)
    if figure is None:
        conversations.end(ctx)
        return [ctx.say(N_("That conversation has ended. Send help to see what you can do."))]
    given, todo = dict(data["given"]), [n for n in data["todo"] if n != figure.name]
    try:
        if figure.type is not str or value.strip().lower() not in SKIP_WORDS:  # "没有": nothing needed
            given[figure.name] = figure.parse(value)
    except InvalidFigures as err:
        if figure.required or value.strip().lower() not in SKIP_WORDS:
            return [ctx.error(err), _ask(ctx, task_id, kind, figure.name)]
    if kind.name in CALL_KINDS and given.get("reached") is False:
        todo = []  # nobody answered the call: nothing more to ask
    if todo:
        conversations.advance(ctx, conversation, todo[0], {**data, "given": given, "todo": todo})
        return [_ask(ctx, task_id, kind, todo[0])]
    note, for_id = str(data.get("note", "")), data.get("for")
    return conversations.finish(ctx, lambda: _complete(ctx, task_id, given, note, for_id))


def _complete(
    ctx: Context, task_id: int, figures: dict[str, Any], note: str, for_id: int | None = None
) -> list[Reply]:
    holder = find_person(ctx.session, ctx.community.id, for_id) if for_id is not None else None
    assignment = ctx.attempt(
        lambda: claims.complete(
            session=ctx.session,
            actor=ctx.actor,
            task_id=task_id,
            figures=figures,
            note=note,
            person=holder,
            now=ctx.now,
        )
    )
    kind = get_kind(assignment.task.kind)
    lines = tuple(
        Phrase(N_("{figure}: {value}"), {"figure": Phrase(f.label), "value": assignment.figures[f.name]})
        for f in (*kind.figures, *kind.texts)
        if f.name in assignment.figures
    ) + passed_on(ctx, assignment.task)
    if holder is not None:
        return [
            ctx.say(
                N_("Task #{task_id} is recorded done for {name}, because: {reason}. Recorded:\n{lines}"),
                buttons=[[Button(N_("Team board"), payloads.board(assignment.task.team_id))]],
                task_id=task_id,
                name=holder.name,
                reason=assignment.note,
                lines=lines,
            )
        ]
    return [
        ctx.say(
            N_("Task #{task_id} is done. Thank you! Recorded:\n{lines}"),
            buttons=[[Button(N_("My tasks"), payloads.MY), Button(N_("Open tasks"), payloads.page(1))]],
            task_id=task_id,
            lines=lines,
        )
    ]


def health(ctx: Context, command: Command) -> list[Reply]:
    """The daily self-declaration: ``health yes 36.5``, ``健康 正常``, or guided."""
    if not command.args:
        conversations.begin(ctx, "health", "healthy", {})
        return [_ask_healthy(ctx)]
    words = [w.lower() for w in command.args]
    temperature = _temperature(" ".join(words[1:])) if len(words) > 1 else None
    if words[0] in YES_WORDS and (len(words) == 1 or temperature is not None):
        return _declare(ctx, True, temperature)
    if words[0] in NO_WORDS and len(words) == 1:
        return _declare(ctx, False, None)
    raise InvalidInput(N_("Answer “health yes” or “health no”, for example “health yes 36.5”."))


def _ask_healthy(ctx: Context) -> Reply:
    return ctx.say(
        N_("Health declaration for today: are you well (no fever, no cough)?"),
        buttons=[
            [Button(N_("I am well"), payloads.answer("yes")), Button(N_("Not well"), payloads.answer("no"))],
            [STOP_BUTTON],
        ],
    )


def _ask_temperature(ctx: Context) -> Reply:
    return ctx.say(
        N_("What is your temperature in °C, for example 36.5? Or press Skip."),
        buttons=[[SKIP_BUTTON, STOP_BUTTON]],
    )


@flow("health")
def _health_answer(ctx: Context, conversation: Conversation, value: str) -> list[Reply]:
    word = value.strip().lower()
    if conversation.step == "healthy":
        if word in YES_WORDS:
            conversations.advance(ctx, conversation, "temperature", {})
            return [_ask_temperature(ctx)]
        if word in NO_WORDS:
            return conversations.finish(ctx, lambda: _declare(ctx, False, None))
        return [_ask_healthy(ctx)]
    if word in SKIP_WORDS:
        return conversations.finish(ctx, lambda: _declare(ctx, True, None))
    temperature = _temperature(word)
    if temperature is None:
        return [_ask_temperature(ctx)]
    try:
        replies = _declare(ctx, True, temperature)
    except CoordError as err:
        return [ctx.error(err), _ask_temperature(ctx)]
    conversations.end(ctx)
    return replies


def _temperature(text: str) -> float | None:
    match = _TEMPERATURE.search(text)
    return float(match.group(1).replace(",", ".")) if match else None


def _declare(ctx: Context, healthy: bool, temperature: float | None) -> list[Reply]:
    ctx.attempt(
        lambda: people.declare_health(
            session=ctx.session, actor=ctx.actor, day=ctx.today(), healthy=healthy, temperature=temperature
        )
    )
    if healthy:
        text = N_("Thank you! Your health declaration for today is recorded. You can claim work now.")
        return [ctx.say(text, buttons=[[Button(N_("Open tasks"), payloads.page(1))]])]
    handed = held_soon(ctx.session, ctx.person, ctx.now)  # what ``declare_health`` told the captain about
    if handed:
        text = N_(
            "Thank you for telling us. Please rest today and do not take on work. Your captain has been "
            "told at once, to find someone else for:\n{lines}"
        )
        return [ctx.say(text, lines=tuple(cards.task_line(t, ctx.zone) for _, t in handed))]
    text = N_(
        "Thank you for telling us. Please rest today and do not take "
        "on work; tell your captain if you need help."
    )
    return [ctx.say(text)]
