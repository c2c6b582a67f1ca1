"""Requests for volunteers, captains and coordinators (群众点单、社区跑腿), in chat.

- ``order 1-2-301 rice 1 bag, milk 2`` (点单): the desk (a volunteer) or a captain orders for a household,
  found by building-unit-room, name or phone; ``requests`` (订单): the desk's list, or every open request
  for a captain or coordinator; both in a direct chat only, as they name households;
- ``delivered 12`` / ``notathome 12`` / ``refused 12`` (送达 / 不在家 / 拒收): the runner marks a door;
- ``residents`` (待确认) and ``confirm 5`` (确认): residents waiting for a volunteer to confirm their home;
- ``keep 12`` (保留): a captain keeps a request held as a possible duplicate; ``withdraw 12`` (撤单);
- ``doorcode Building 1`` (楼栋码): the code printed on the building's door for residents to join.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from coord.chat.context import Context
from coord.chat.parse import Command
from coord.chat.port import Phrase, Reply
from coord.chat.residents import STATUS
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import HouseholdRequest, Place, PlaceKind, RequestChannel
from coord.services import requests
from coord.services.requests.access import is_lead
from coord.services.requests.reports import CHANNEL_LABELS

IN_DIRECT_CHAT = N_(
    "Requests name households: ask me in a direct chat, not in the group. Nothing was shown here."
)
CHANNELS = CHANNEL_LABELS
Handler = Callable[[Context, Command], list[Reply]]


def private_only(handler: Handler) -> Handler:
    def guarded(ctx: Context, command: Command) -> list[Reply]:
        if ctx.in_group:
            return [ctx.say(IN_DIRECT_CHAT)]
        return handler(ctx, command)

    guarded.__doc__ = handler.__doc__
    return guarded


@private_only
def order(ctx: Context, command: Command) -> list[Reply]:
    """``order HOUSEHOLD ITEMS``: an order for a household, entered at the desk or by a captain."""
    if len(command.args) < 2:
        raise InvalidInput(N_("For which household, and what? For example: order 1-2-301 rice 1 bag, milk 2"))
    # The household is the first word, or the first two or three ("Building 1-2-301"): the longest that fits.
    for words in range(min(3, len(command.args) - 1), 0, -1):
        ref = " ".join(command.as_typed[:words])
        found = requests.find_for_desk(
            ctx.session, actor=ctx.actor, community=ctx.community, text=ref, now=ctx.now
        )
        if found:
            break
    if not found:
        raise InvalidInput(
            N_("There is no household “{ref}”. Give building-unit-room, a name or a phone."), ref=ref[:40]
        )
    if len(found) > 1:
        names = dict.fromkeys(
            requests.desk_name(ctx.session, actor=ctx.actor, household=h, typed=ref) for h in found
        )
        return [
            ctx.say(
                N_(
                    "“{ref}” fits {count} households: {addresses}. "
                    "Give building-unit-room. Nothing was ordered."
                ),
                ref=ref[:40],
                count=len(found),
                addresses=", ".join(names),
            )
        ]
    household = found[0]
    items = command.rest.strip()
    items = items[len(ref) :] if items.startswith(ref) else items.split(None, words)[-1]
    channel = (
        RequestChannel.CAPTAIN if is_lead(ctx.session, ctx.actor, ctx.community.id) else RequestChannel.DESK
    )
    desk = _desk(ctx, command.options.get("desk"))
    request = ctx.attempt(
        lambda: requests.place_request(
            session=ctx.session,
            actor=ctx.actor,
            household=household,
            items=items,
            channel=channel,
            now=ctx.now,
            desk=desk,
        )
    )
    from coord.chat.residents import placed

    reply = placed(ctx, request)
    return [
        ctx.say(
            N_("For {address}: {said}"),
            address=requests.desk_name(ctx.session, actor=ctx.actor, household=household, typed=ref),
            said=Phrase(reply.key, reply.params),
        )
    ]


def _desk(ctx: Context, name: str | None) -> Place | None:
    if not name:
        return None
    desk = ctx.session.scalar(
        select(Place).where(
            Place.community_id == ctx.community.id,
            Place.kind == PlaceKind.DESK,
            func.lower(Place.name) == name.lower(),
        )
    )
    if desk is None:
        raise InvalidInput(N_("“{name}” is not an ordering desk."), name=name[:40])
    return desk


@private_only
def list_requests(ctx: Context, command: Command) -> list[Reply]:
    """``requests``: the desk's orders (a volunteer), or every open request (a captain or coordinator)."""
    found = requests.list_requests(ctx.session, actor=ctx.actor, community=ctx.community, limit=20)
    if not found:
        return [ctx.say(N_("No open requests."))]
    hours = requests.request_settings(ctx.session, ctx.community.id).overdue_hours
    late = ctx.now - timedelta(hours=hours)
    return [
        ctx.say(
            N_("Open requests ({count}; ⚠ a possible duplicate, ⏰ open over {hours} hours):\n{lines}"),
            count=len(found),
            hours=hours,
            lines=tuple(_line(ctx, r, late) for r in found),
        )
    ]


def _line(ctx: Context, request: HouseholdRequest, late: datetime) -> Phrase:
    flags = " ⚠" if request.duplicate_of_id is not None else ""
    flags += " ⏰" if request.is_open and request.created_at < late else ""
    return Phrase(
        N_("#{request_id} {address} {items} — {status} ({channel}){flags}"),
        {
            "request_id": request.id,
            "address": requests.desk_name(ctx.session, actor=ctx.actor, household=request.household),
            "items": requests.items_text(request.items, ctx.language),
            "status": Phrase(STATUS[str(request.status)]),
            "channel": Phrase(CHANNELS[str(request.channel)]),
            "flags": flags,
        },
    )


def _mark(outcome: str) -> Handler:
    def mark(ctx: Context, command: Command) -> list[Reply]:
        number = _number(command, f"{outcome.replace('_', '')} 12")
        request = ctx.attempt(
            lambda: requests.mark_door(
                session=ctx.session, actor=ctx.actor, request_id=number, outcome=outcome, now=ctx.now
            )
        )
        return [
            ctx.say(
                N_("Request #{request_id}: {status}. The household is told."),
                request_id=request.id,
                status=Phrase(STATUS[str(request.status)]),
            )
        ]

    mark.__doc__ = f"``{outcome} 12``: the runner marks request 12's door."
    return mark


delivered = _mark("delivered")
not_at_home = _mark("not_at_home")
refused = _mark("refused")


@private_only
def residents(ctx: Context, command: Command) -> list[Reply]:
    """``residents``: residents whose home waits for a volunteer's confirmation."""
    waiting = requests.waiting_residents(ctx.session, actor=ctx.actor, community_id=ctx.community.id)
    if not waiting:
        return [ctx.say(N_("No resident is waiting for confirmation."))]
    lines = tuple(
        Phrase(
            N_("#{resident_id} {name} — {address}"),
            {
                "resident_id": r.id,
                "name": r.person.name,
                "address": r.household.address if r.household else "?",
            },
        )
        for r in waiting
    )
    return [
        ctx.say(N_("Residents waiting for confirmation (confirm 5 after checking):\n{lines}"), lines=lines)
    ]


def confirm(ctx: Context, command: Command) -> list[Reply]:
    number = _number(command, "confirm 5")
    resident = ctx.attempt(
        lambda: requests.confirm_resident(
            session=ctx.session, actor=ctx.actor, resident_id=number, now=ctx.now
        )
    )
    return [ctx.say(N_("Resident #{resident_id} is confirmed: they can order now."), resident_id=resident.id)]


def keep(ctx: Context, command: Command) -> list[Reply]:
    number = _number(command, "keep 12")
    request = ctx.attempt(
        lambda: requests.keep_duplicate(session=ctx.session, actor=ctx.actor, request_id=number, now=ctx.now)
    )
    return [ctx.say(N_("Request #{request_id} is kept: it goes on like any other."), request_id=request.id)]


def withdraw(ctx: Context, command: Command) -> list[Reply]:
    number = _number(command, "withdraw 12")
    request = ctx.attempt(
        lambda: requests.cancel_request(
            session=ctx.session, actor=ctx.actor, request_id=number, now=ctx.now, reason=command.text_from(1)
        )
    )
    return [ctx.say(N_("Request #{request_id} is cancelled."), request_id=request.id)]


def door_code(ctx: Context, command: Command) -> list[Reply]:
    """``doorcode Building 1``: the code residents of the building join with (print it on the door)."""
    name = " ".join(command.as_typed).strip()
    if not name:
        raise InvalidInput(N_("Which building? For example: doorcode Building 1"))
    building = ctx.session.scalar(
        select(Place).where(
            Place.community_id == ctx.community.id,
            Place.kind == PlaceKind.BUILDING,
            func.lower(Place.name) == name.lower(),
        )
    )
    if building is None:
        raise InvalidInput(N_("There is no building “{name}”."), name=name[:40])
    code = ctx.attempt(
        lambda: requests.building_code(ctx.session, actor=ctx.actor, building=building, now=ctx.now)
    )
    return [
        ctx.say(
            N_(
                "Code of {building}: {code}. Print it on the door (coord requests codes makes the QR codes); "
                "a resident scans it or sends “/start {code}” to me."
            ),
            building=building.name,
            code=code.code,
        )
    ]


@private_only
def close_orders(ctx: Context, command: Command) -> list[Reply]:
    """``closeorders`` (截单): a captain or coordinator closes the orders now; the runs are made at once."""
    runs = ctx.attempt(
        lambda: requests.close_orders_now(
            session=ctx.session, actor=ctx.actor, community=ctx.community, now=ctx.now
        )
    )
    if not runs:
        return [ctx.say(N_("Orders are closed for today; no request was waiting for a run."))]
    lines = tuple(
        Phrase(
            N_("{place}: buy #{buy_id}, run #{run_id}; doors: {count}"),
            {"place": run.label, "buy_id": run.buy_task_id, "run_id": run.run_task_id, "count": count},
        )
        for run, count in ((r, _doors(ctx, r.id)) for r in runs)
    )
    return [
        ctx.say(
            N_("Orders are closed: {count} run for buyers and runners to claim.\n{lines}"),
            count=len(runs),
            lines=lines,
        )
    ]


def _doors(ctx: Context, run_id: int) -> int:
    return int(ctx.session.scalar(select(func.count()).where(HouseholdRequest.run_id == run_id)) or 0)


def for_residents(ctx: Context, command: Command) -> list[Reply]:
    """``home``, ``phone``, ``received``, ``problem``: said by someone who is not a resident."""
    return [
        ctx.say(N_("That is for residents ordering for their household. Send “help” to see what you can do."))
    ]


def _number(command: Command, example: str) -> str:
    if not command.args:
        raise InvalidInput(N_("Which one? Send its number, for example “{example}”."), example=example)
    return command.args[0]


HANDLERS: dict[str, Handler] = {
    "order": order,
    "requests": list_requests,
    "delivered": delivered,
    "notathome": not_at_home,
    "refused": refused,
    "residents": residents,
    "confirm": confirm,
    "keep": keep,
    "withdraw": withdraw,
    "doorcode": door_code,
    "closeorders": close_orders,
    **{name: for_residents for name in ("home", "phone", "received", "problem")},
}
