"""``coord privacy``: who read which private details (``reads``); households kept past retention.

``reads --household REF`` lists the reads of a household's details (its tasks' included), newest first;
``reads --person NAME`` the reads a person made and the reads of their own phone. ``keep REF --reason …``
keeps a household's watch-list details past retention; ``keep REF --release`` lets them go again.
"""

from __future__ import annotations

from typing import Annotated

import typer

from coord.chat.privacy import CHANNELS, WHAT
from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.households import HouseholdArgument
from coord.entrypoints.cli.runtime import Run, command_run
from coord.entrypoints.cli.times import show_time
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.services import privacy, watch
from coord.services.people.people import find_person

privacy_app = typer.Typer(
    help="Privacy: who read which private details; households kept past retention.", no_args_is_help=True
)


@privacy_app.command("reads")
def reads_command(
    household: Annotated[
        str | None, typer.Option("--household", help="building-unit-room or its number.")
    ] = None,
    person: Annotated[str | None, typer.Option("--person", help="A person's name or number.")] = None,
    community: CommunityOption = None,
) -> None:
    """List the reads of a household's private details, or the reads a person made."""
    with command_run() as run:
        if (household is None) == (person is None):
            raise InvalidInput(N_("Give --household or --person."))
        chosen = run.community(community)
        if household is not None:
            found = watch.find_household(run.session, actor=run.actor, community=chosen, ref=household)
            lines = privacy.reads_of_household(run.session, actor=run.actor, household=found)
        else:
            assert person is not None
            someone = find_person(run.session, chosen.id, person)
            lines = privacy.reads_by_person(run.session, actor=run.actor, person=someone)
        _table(run, lines, chosen.timezone)


def _table(run: Run, lines: list[privacy.ReadLine], zone: str) -> None:
    rows = run.out.table(
        N_("when"), N_("who"), N_("channel"), N_("what"), N_("household"), N_("task"), N_("phone of")
    )
    for line in lines:
        rows.add(
            show_time(line.at, zone),
            line.reader or run.t(N_("the operator")),
            run.t(CHANNELS.get(line.channel, N_("chat"))),
            run.t(WHAT.get(line.what, N_("private details"))),
            line.household,
            f"#{line.task_id}" if line.task_id else "",
            line.person,
        )
    if not rows.count:
        run.out.line(N_("No reads are recorded."))


@privacy_app.command("keep")
def keep_command(
    household: HouseholdArgument,
    reason: Annotated[str, typer.Option("--reason", help="Why its details are kept.")] = "",
    release: Annotated[bool, typer.Option("--release", help="No longer keep them.")] = False,
    community: CommunityOption = None,
) -> None:
    """Keep a household's watch-list details past retention (or, with --release, no longer)."""
    with command_run() as run:
        chosen = run.community(community)
        found = watch.find_household(run.session, actor=run.actor, community=chosen, ref=household)
        privacy.keep_household(
            run.session, actor=run.actor, household=found, reason=reason, now=run.now, keep=not release
        )
        if release:
            run.out.line(
                N_("Household {address}: its details follow retention again."), address=found.address
            )
        else:
            run.out.line(
                N_("Household {address}: its details are kept past retention."), address=found.address
            )
