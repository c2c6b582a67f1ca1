"""One entry for every chat network: an ``Inbound`` in, a list of ``Reply`` out.

``handle`` works inside the caller's transaction; ``handle_safely`` is what adapters call: it owns the
transaction, commits on success, and on any failure rolls back and answers that nothing was changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from coord import payloads
from coord.chat import (
    captain,
    common,
    conversations,
    coordinator,
    creating,
    office,
    orders,
    past_work,
    people_tools,
    places,
    privacy,
    records,
    reporting,
    residents,
    team_chats,
    volunteer,
    watch,
    web_link,
)
from coord.chat.context import Context
from coord.chat.parse import Command, parse, parse_payload
from coord.chat.port import Button, Inbound, Reply
from coord.clock import utcnow
from coord.errors import CoordError
from coord.i18n import N_, normalise_language
from coord.services.people.directory import remember_direct_chat, speaker

log = logging.getLogger(__name__)

Handler = Callable[[Context, Command], list[Reply]]

HANDLERS: dict[str, Handler] = {
    "start": common.start,
    "help": common.help_,
    "language": common.language,
    "standard": common.standard,
    "tasks": volunteer.tasks,
    "task": volunteer.task,
    "claim": volunteer.claim,
    "my": volunteer.my,
    "checkin": volunteer.checkin,
    "done": reporting.done,
    "release": volunteer.release,
    "cantdo": volunteer.cantdo,
    "decline": volunteer.decline,
    "health": reporting.health,
    "board": captain.board,
    "new": creating.new,
    "reassign": captain.reassign,
    "noshow": captain.noshow,
    "donefor": captain.done_for,
    "checkinfor": records.check_in_for_member,
    "past": past_work.past,
    "hours": records.hours,
    "cancel": captain.cancel,
    "place": creating.place,
    "announce": captain.announce,
    "today": coordinator.today,
    "escalations": coordinator.escalations,
    "upward": records.upward,
    "teams": coordinator.teams,
    "invite": coordinator.invite,
    "invites": people_tools.invites,
    "revoke": people_tools.revoke,
    "person": people_tools.person,
    "deactivate": people_tools.deactivate,
    "watch": watch.watch_list,
    "household": watch.household,
    "reads": privacy.reads,
    "colour": watch.colour,
    "responsible": watch.responsible,
    "medic": watch.medic,
    "link": team_chats.link,
    "unlink": team_chats.unlink,
    "secretary": office.secretary,
    "places": places.places,
    "areas": places.areas,
    "rename": places.rename,
    "remove": places.remove,
    "grid": places.grid,
    "web": web_link.web,
    **orders.HANDLERS,
    "unknown": common.unknown,
    "empty": common.empty,
    "answer": common.no_question,
}


def read(inbound: Inbound) -> Command:
    """The command in an inbound message or button press."""
    return parse_payload(inbound.payload) if inbound.payload is not None else parse(inbound.text)


def handle(inbound: Inbound, *, session: Session, now: datetime) -> list[Reply]:
    """Answer one message or button press. Writes go to ``session``; the caller commits."""
    command = read(inbound)
    found = speaker(session, inbound.network[:20], inbound.user_id[:255], inbound.chat_id[:255])
    if found is None:
        return common.stranger(session, inbound, command, now)
    if inbound.is_private_chat and found.direct_chat_id != inbound.chat_id[:255]:
        remember_direct_chat(session, found.account_id, inbound.chat_id[:255])
    direct = inbound.chat_id if inbound.is_private_chat else found.direct_chat_id
    ctx = Context(session, inbound, now, found.person, found.community, direct_chat_id=direct)
    ctx.conversation, expired = conversations.current(ctx, found.conversation)
    notes = [conversations.expired_note(ctx)] if expired else []
    if command.name == "stop":
        if ctx.conversation is None and ctx.in_group and not command.explicit:
            return notes  # "算了" said to the group, not to the bot
        return notes + conversations.stop(ctx)
    if ctx.conversation is not None:
        if command.name == "answer" or not (command.explicit or conversations.interrupts(command)):
            value = command.args[0] if command.name == "answer" and command.args else command.raw
            return notes + _guarded(ctx, lambda: conversations.answer(ctx, value))
        if command.known:  # a command, not the answer: it runs, and the question is dropped, saying so
            notes.append(conversations.set_aside(ctx))
    if ctx.in_group and not command.addressed:
        return notes  # chatter in a group is not addressed to the bot
    run = residents.handler_for(ctx, command) or HANDLERS[command.name]  # a resident has their own commands
    return notes + _guarded(ctx, lambda: run(ctx, command))


def _guarded(ctx: Context, run: Callable[[], list[Reply]]) -> list[Reply]:
    """Run a command; a refusal from the core becomes the reply. Commands call services through
    ``ctx.attempt`` (a savepoint), so a refusal leaves nothing of what the service had written."""
    try:
        return run()
    except CoordError as err:
        return [ctx.error(err, buttons=[[Button(N_("Help"), payloads.HELP)]])]


def handle_safely(
    inbound: Inbound, *, session_factory: sessionmaker[Session], now: datetime | None = None
) -> list[Reply]:
    """What an adapter calls: one transaction per message; any failure is rolled back and apologised for."""
    moment = now or utcnow()
    try:
        with session_factory() as session, session.begin():
            return handle(inbound, session=session, now=moment)
    except Exception:
        log.exception("chat: could not handle a message from %s:%s", inbound.network, inbound.user_id)
        return [something_went_wrong(inbound)]


def something_went_wrong(inbound: Inbound) -> Reply:
    return Reply(
        N_("Sorry, something went wrong and nothing was changed. Please try again in a moment."),
        language=normalise_language(inbound.language_hint),
    )
