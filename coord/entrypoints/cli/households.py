"""``coord household``: the four-colour watch list from the command line (the operator acts as the system).

``colour REF COLOUR --reason …`` sets a colour and replaces the household's follow-up; ``responsible REF
--lead NAME --medic NAME`` names who follows it up; ``show REF``, ``list [--colour red]`` and ``search
TEXT`` read it (private: every read is recorded). REF is building-unit-room (``12栋-3-402``) or a number.
"""

from __future__ import annotations

from typing import Annotated

import typer

from coord.chat.words import COLOUR_WORDS
from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.runtime import Run, command_run
from coord.entrypoints.cli.times import parse_day, show_time
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Community, Household, WatchColour
from coord.services import watch
from coord.services.people.people import find_person

household_app = typer.Typer(
    help="The four-colour watch list (四色标示法): colours, who is responsible, households.",
    no_args_is_help=True,
)

HouseholdArgument = Annotated[str, typer.Argument(help="building-unit-room (e.g. 12栋-3-402) or its number.")]
OFF_WORDS = frozenset({"none", "off", "无", "解除"})


def parse_colour(value: str) -> WatchColour | None:
    """red, yellow, blue or green in English or Chinese; ``none`` takes a household off the list."""
    word = value.strip().lower()
    if word in OFF_WORDS:
        return None
    if word not in COLOUR_WORDS:
        raise InvalidInput(
            N_("Unknown colour “{value}”: use red, yellow, blue, green (红/黄/蓝/绿) or none."),
            value=word[:20],
        )
    return WatchColour(COLOUR_WORDS[word])


@household_app.command("colour")
def colour_command(
    household: HouseholdArgument,
    colour: Annotated[str, typer.Argument(help="red, yellow, blue, green (红/黄/蓝/绿), or none.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it gets this colour (required).")],
    until: Annotated[
        str | None, typer.Option("--until", help="Blue: the last day of home quarantine, YYYY-MM-DD.")
    ] = None,
    community: CommunityOption = None,
) -> None:
    """Set a household's colour, with the reason; its follow-up changes with it."""
    with command_run() as run:
        chosen = run.community(community)
        found = watch.find_household(run.session, actor=run.actor, community=chosen, ref=household)
        last_day = parse_day(until, timezone=chosen.timezone, now=run.now) if until else None
        watch.set_colour(
            session=run.session,
            actor=run.actor,
            household=found,
            colour=parse_colour(colour),
            reason=reason,
            quarantine_until=last_day,
            now=run.now,
        )
        _show(run, found)


@household_app.command("responsible")
def responsible_command(
    household: HouseholdArgument,
    lead: Annotated[
        str | None, typer.Option("--lead", help="The person responsible (name or number).")
    ] = None,
    medic: Annotated[
        str | None, typer.Option("--medic", help="The doctor or medic (name or number).")
    ] = None,
    community: CommunityOption = None,
) -> None:
    """Name the person responsible for a household under watch, and its doctor or medic."""
    with command_run() as run:
        chosen = run.community(community)
        found = watch.find_household(run.session, actor=run.actor, community=chosen, ref=household)
        watch.set_responsible(
            session=run.session,
            actor=run.actor,
            household=found,
            lead=find_person(run.session, chosen.id, lead) if lead else None,
            medic=find_person(run.session, chosen.id, medic) if medic else None,
            now=run.now,
        )
        _show(run, found)


@household_app.command("show")
def show_command(household: HouseholdArgument, community: CommunityOption = None) -> None:
    """One household: contact, colour and why, quarantine day, who is responsible, the last call."""
    with command_run() as run:
        chosen = run.community(community)
        _show(run, watch.find_household(run.session, actor=run.actor, community=chosen, ref=household))


@household_app.command("list")
def list_command(
    colour: Annotated[str | None, typer.Option("--colour", "--color", help="Only this colour.")] = None,
    community: CommunityOption = None,
) -> None:
    """Households on the watch list (of one colour), with quarantine day, last call and who is responsible."""
    with command_run() as run:
        chosen = run.community(community)
        wanted = parse_colour(colour) if colour else None
        colours = [wanted] if wanted else list(WatchColour)
        rows = run.out.table(
            N_("colour"), N_("household"), N_("contact"), N_("quarantine"), N_("last call"), N_("responsible")
        )
        for each in colours:
            for view in watch.watch_list(
                run.session, actor=run.actor, community=chosen, colour=each, now=run.now
            ):
                rows.add(
                    run.t(watch.COLOUR_NAMES[each]),
                    view.address,
                    f"{view.household.contact_name} {view.household.phone}".strip(),
                    _day(run, view),
                    _last_call(run, view, chosen.timezone),
                    _people(view),
                )
        if not rows.count:
            run.out.line(N_("No households are on the watch list."))


@household_app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="An address, a room, part of a name, or a phone number.")],
    community: CommunityOption = None,
) -> None:
    """Find households by address, name or phone."""
    with command_run() as run:
        chosen = run.community(community)
        found = watch.search_households(
            run.session, actor=run.actor, community=chosen, text=text, now=run.now, limit=50
        )
        rows = run.out.table(N_("#"), N_("household"), N_("contact"), N_("colour"))
        for household in found:
            colour = run.t(watch.COLOUR_NAMES[household.watch_colour]) if household.watch_colour else ""
            rows.add(
                household.id, household.address, f"{household.contact_name} {household.phone}".strip(), colour
            )
        if not found:
            run.out.line(N_("No household matches “{text}”."), text=text[:60])


def _show(run: Run, household: Household) -> None:
    view = watch.household_view(run.session, actor=run.actor, household=household, now=run.now)
    h = view.household
    zone = run.session.get_one(Community, h.community_id).timezone
    run.out.fields(
        [
            (N_("household"), f"{view.address} (#{h.id})"),
            (N_("contact"), f"{h.contact_name} {h.phone}".strip()),
            (
                N_("colour"),
                run.t(watch.COLOUR_NAMES[view.colour])
                if view.colour
                else run.t(N_("Not on the watch list.")),
            ),
            (N_("why"), view.reason),
            (N_("since"), show_time(view.set_at, zone) if view.set_at else ""),
            (N_("quarantine"), _day(run, view)),
            (N_("responsible"), _people(view)),
            (N_("last call"), _last_call(run, view, zone)),
            (N_("open work"), ", ".join(f"#{t.id} {t.title}" for t in view.open_work)),
        ]
    )


def _day(run: Run, view: watch.HouseholdView) -> str:
    if view.quarantine_day is None:
        return ""
    return run.t(N_("day {day} of {days}"), day=view.quarantine_day, days=view.days)


def _people(view: watch.HouseholdView) -> str:
    return " / ".join(name for name in (view.lead, view.medic) if name)


def _last_call(run: Run, view: watch.HouseholdView, zone: str) -> str:
    call = view.last_call
    if call is None:
        return ""
    found = call.figures
    if found.get("reached") is False:
        result = run.t(N_("not reached"))
    else:
        parts = []
        if "temperature" in found:
            parts.append(run.t(N_("{temperature} °C"), temperature=found["temperature"]))
        if "symptoms" in found:
            parts.append(run.t(N_("symptoms") if found["symptoms"] else N_("no symptoms")))
        if found.get("needs"):
            parts.append(run.t(N_("needs: {needs}"), needs=found["needs"]))
        result = ", ".join(parts)
    return f"{show_time(call.at, zone)} #{call.task_id} {result}".strip()
