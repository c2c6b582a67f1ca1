"""Residents in chat (群众点单): join with the building's code, name unit and room, confirm the household,
order, follow their own household's requests, confirm receipt or report a problem.

A resident is a person with a ``Resident`` link (coord.services.requests); ``handler_for`` routes their
messages here, where only their own commands exist: they never see tasks, other households or volunteers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from coord.chat import conversations
from coord.chat.context import Context, error_params
from coord.chat.parse import Command
from coord.chat.port import Inbound, Phrase, Reply
from coord.errors import CoordError, InvalidInput
from coord.i18n import N_, normalise_language
from coord.models import Community, HouseholdRequest, Place, RequestChannel, Resident
from coord.services import requests

HELP = (
    N_("order rice 1 bag, eggs 10, milk 2 — ask for what your household needs (one item a line or commas)"),
    N_("requests — your household's requests and where they are"),
    N_("received 12 — request 12 has arrived; problem 12 WHAT — something is wrong with it"),
    N_("withdraw 12 — cancel request 12 before it is on its way"),
    N_("home 2 301 — your unit and room; phone 138… — confirm your household with its phone number"),
    N_("language — English or 简体中文"),
)
STATUS = {
    "received": N_("received"),
    "accepted": N_("accepted"),
    "on_the_way": N_("on the way"),
    "delivered": N_("left at your door"),
    "not_at_home": N_("nobody at home, comes again"),
    "retried": N_("coming again"),
    "refused": N_("refused"),
    "cancelled": N_("cancelled"),
}
ASK_HOME = N_(
    "Welcome to {building}! Which unit and room is your home? Send the two numbers, for example: 2 301"
)
Handler = Callable[[Context, Command], list[Reply]]


def is_building_code(session: Session, code: str) -> bool:
    try:
        requests.building_of_code(session, code)
    except CoordError:
        return False
    return True


def start_join(session: Session, inbound: Inbound, code: str, now: datetime) -> list[Reply]:
    """``/start CODE`` with a building's code (from the QR code on the door): a resident of the building,
    asked for the unit and room next."""
    hint = normalise_language(inbound.language_hint) if inbound.language_hint else None
    if not inbound.is_private_chat:
        return [
            Reply(
                N_("Open the building's link in a direct chat with me, not in a group."),
                language=hint or "en",
            )
        ]
    try:
        with session.begin_nested():
            joined = requests.begin_join(
                session=session,
                channel=inbound.network[:20],
                code=code[:40],
                external_id=inbound.user_id[:255],
                display_name=inbound.display_name[:120],
                language=hint,
                dm_chat_id=inbound.chat_id,
                now=now,
            )
    except CoordError as err:
        return [Reply(err.msgid, error_params(err, hint or "en"), language=hint or "en")]
    community = session.get_one(Community, joined.person.community_id)
    ctx = Context(session, inbound, now, joined.person, community)
    resident = joined.resident
    if resident.household_id is not None:
        return status(ctx, resident)
    conversations.begin(ctx, "resident_home", "home", {})
    building = session.get_one(Place, resident.building_id)
    return [ctx.say(ASK_HOME, building=building.name)]


@conversations.flow("resident_home")
def _home_step(ctx: Context, conversation: Any, answer: str) -> list[Reply]:
    words = answer.replace("-", " ").replace("单元", " ").replace("室", " ").split()
    if not 1 <= len(words) <= 2:
        return [ctx.say(N_("Send the unit and room, for example: 2 301"))]
    unit, room = (words[0], words[1]) if len(words) == 2 else ("", words[0])
    try:
        ctx.attempt(
            lambda: requests.set_home(session=ctx.session, actor=ctx.actor, unit=unit, room=room, now=ctx.now)
        )
    except CoordError as err:
        return [ctx.error(err)]  # the question stays open: try again
    conversations.end(ctx)
    resident = requests.resident_of(ctx.session, ctx.person)
    assert resident is not None
    return status(ctx, resident)


def status(ctx: Context, resident: Resident) -> list[Reply]:
    """Where the resident's link stands: which household, and whether it is confirmed."""
    if resident.household is None:
        return [ctx.say(N_("Send your unit and room first, for example: home 2 301"))]
    if resident.confirmed_at is None:
        return [
            ctx.say(
                N_(
                    "Your home: {address}. Before your first order, send the phone number the community has "
                    "for your household (for example: phone 13800000000), or a volunteer confirms you."
                ),
                address=resident.household.address,
            )
        ]
    return [
        ctx.say(
            N_("Your home: {address}, confirmed. Send what you need, for example: order rice 1 bag, eggs 10"),
            address=resident.household.address,
        )
    ]


def help_(ctx: Context, command: Command) -> list[Reply]:
    return [
        ctx.say(
            N_("Hello {name}! You can:\n{lines}"),
            name=ctx.person.name,
            lines=tuple(Phrase(line) for line in HELP),
        )
    ]


def start(ctx: Context, command: Command) -> list[Reply]:
    if command.args and is_building_code(ctx.session, command.args[0]):
        return start_join(ctx.session, ctx.inbound, command.args[0], ctx.now)
    return help_(ctx, command)


def home(ctx: Context, command: Command) -> list[Reply]:
    if not command.args:
        resident = _resident(ctx)
        return status(ctx, resident)
    unit, room = (command.args[0], command.args[1]) if len(command.args) >= 2 else ("", command.args[0])
    resident = ctx.attempt(
        lambda: requests.set_home(session=ctx.session, actor=ctx.actor, unit=unit, room=room, now=ctx.now)
    )
    return status(ctx, resident)


def phone(ctx: Context, command: Command) -> list[Reply]:
    if not command.args:
        raise InvalidInput(N_("Send the phone number, for example: phone 13800000000"))
    resident = ctx.attempt(
        lambda: requests.confirm_by_phone(
            session=ctx.session, actor=ctx.actor, phone=command.text_from(0), now=ctx.now
        )
    )
    return status(ctx, resident)


def order(ctx: Context, command: Command) -> list[Reply]:
    """``order rice 1 bag, eggs 10``: a request for the resident's own household."""
    resident = _resident(ctx)
    if resident.household is None:
        return status(ctx, resident)
    household = resident.household
    request = ctx.attempt(
        lambda: requests.place_request(
            session=ctx.session,
            actor=ctx.actor,
            household=household,
            items=command.rest,
            channel=RequestChannel.CHAT,
            now=ctx.now,
        )
    )
    return [placed(ctx, request)]


def placed(ctx: Context, request: HouseholdRequest) -> Reply:
    """What the one who ordered is told: the number, the items, and what happens next."""
    items = requests.items_text(request.items, ctx.language)
    if request.duplicate_of_id is not None:
        return ctx.say(
            N_(
                "Request #{request_id} ({items}) looks like request #{first_id}, still open. "
                "It waits until a captain keeps it, so nothing comes twice."
            ),
            request_id=request.id,
            items=items,
            first_id=request.duplicate_of_id,
        )
    if request.task_id is not None:
        return ctx.say(
            N_("Request #{request_id} ({items}) is urgent: a volunteer is asked to buy it now."),
            request_id=request.id,
            items=items,
        )
    settings = requests.request_settings(ctx.session, ctx.community.id)
    return ctx.say(
        N_(
            "Request #{request_id} ({items}) is received. "
            "Orders close at {cutoff}; it comes with the next run."
        ),
        request_id=request.id,
        items=items,
        cutoff=settings.cutoff.strftime("%H:%M"),
    )


def my_requests(ctx: Context, command: Command) -> list[Reply]:
    found = requests.list_requests(
        ctx.session, actor=ctx.actor, community=ctx.community, open_only=False, limit=10
    )
    if not found:
        return [
            ctx.say(N_("Your household has no requests yet. Send, for example: order rice 1 bag, eggs 10"))
        ]
    return [ctx.say(N_("Your household's requests:\n{lines}"), lines=tuple(line(ctx, r) for r in found))]


def line(ctx: Context, request: HouseholdRequest) -> Phrase:
    return Phrase(
        N_("#{request_id} {items} — {status}"),
        {
            "request_id": request.id,
            "items": requests.items_text(request.items, ctx.language),
            "status": Phrase(STATUS[str(request.status)]),
        },
    )


def received(ctx: Context, command: Command) -> list[Reply]:
    request = ctx.attempt(
        lambda: requests.confirm_receipt(
            session=ctx.session, actor=ctx.actor, request_id=_number(command), now=ctx.now
        )
    )
    return [ctx.say(N_("Thank you! Request #{request_id} is noted as received."), request_id=request.id)]


def problem(ctx: Context, command: Command) -> list[Reply]:
    number = _number(command)
    request = ctx.attempt(
        lambda: requests.report_problem(
            session=ctx.session, actor=ctx.actor, request_id=number, problem=command.text_from(1), now=ctx.now
        )
    )
    return [
        ctx.say(
            N_("Sorry about that. The captain is told about request #{request_id}."), request_id=request.id
        )
    ]


def withdraw(ctx: Context, command: Command) -> list[Reply]:
    request = ctx.attempt(
        lambda: requests.cancel_request(
            session=ctx.session,
            actor=ctx.actor,
            request_id=_number(command),
            now=ctx.now,
            reason=command.text_from(1),
        )
    )
    return [ctx.say(N_("Request #{request_id} is cancelled."), request_id=request.id)]


def not_for_residents(ctx: Context, command: Command) -> list[Reply]:
    return [ctx.say(N_("That is for volunteers. Send “help” to see what you can do."))]


def in_group(ctx: Context, command: Command) -> list[Reply]:
    return [ctx.say(N_("Your requests are private: ask me in a direct chat."))]


def _number(command: Command) -> str:
    if not command.args:
        raise InvalidInput(N_("Which request? Send its number, for example: received 12"))
    return command.args[0]


def _resident(ctx: Context) -> Resident:
    resident = requests.resident_of(ctx.session, ctx.person)
    assert resident is not None
    return resident


HANDLERS: dict[str, Handler] = {
    "start": start,
    "help": help_,
    "order": order,
    "requests": my_requests,
    "my": my_requests,
    "received": received,
    "problem": problem,
    "withdraw": withdraw,
    "cancel": withdraw,
    "home": home,
    "phone": phone,
}
SHARED = ("language", "unknown", "empty", "answer")


def handler_for(ctx: Context, command: Command) -> Handler | None:
    """The handler of a resident's command (their own set), or None for anyone who is not a resident."""
    if requests.resident_of(ctx.session, ctx.person) is None:
        return None
    if ctx.in_group:
        return in_group
    if command.name in SHARED:
        return None
    return HANDLERS.get(command.name, not_for_residents)
