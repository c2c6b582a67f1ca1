"""``coord requests``: residents' requests from the command line (the operator acts as the system).

``list`` the open (or ``--all``, or ``--overdue``) requests; ``export -o FILE`` them as CSV or XLSX (no
private details unless ``--private``, and that export is recorded); ``codes`` prints each building's code
and link and writes its QR code for the door (``--qr DIR``); ``settings`` shows or sets the group-buy
cut-off, runs per building or grid, when a request is overdue and which team takes the work.
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from coord.chat.orders import CHANNELS
from coord.chat.residents import STATUS
from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.exports import FormatOption, OutputOption, _write
from coord.entrypoints.cli.runtime import CliError, command_run
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Place, PlaceKind, RunScope
from coord.services import requests
from coord.services.people.people import find_team
from coord.services.reporting.exports import export_file

requests_app = typer.Typer(
    help="Residents' requests (群众点单): list, export, building codes, group-buy settings.",
    no_args_is_help=True,
)


@requests_app.command("list")
def list_command(
    all_: Annotated[bool, typer.Option("--all", help="Delivered and cancelled ones too.")] = False,
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only open requests past the overdue setting.")
    ] = False,
    community: CommunityOption = None,
) -> None:
    """Requests, newest first: number, when, channel, status, building and items (no address or phone)."""
    with command_run() as run:
        chosen = run.community(community)
        if overdue:
            found = requests.overdue_requests(run.session, community=chosen, now=run.now)
        else:
            found = requests.list_requests(
                run.session, actor=run.actor, community=chosen, open_only=not all_, limit=500
            )
        table = run.out.table(
            "#",
            run.t(N_("received at")),
            run.t(N_("channel")),
            run.t(N_("status")),
            run.t(N_("building")),
            run.t(N_("items ordered")),
        )
        for r in found:
            table.add(
                r.id,
                r.created_at.strftime("%m-%d %H:%M"),
                run.t(CHANNELS[str(r.channel)]),
                run.t(STATUS[str(r.status)]),
                r.household.building.name,
                requests.items_text(r.items, run.out.language),
            )


@requests_app.command("export")
def export_command(
    output: OutputOption,
    format: FormatOption = "csv",
    private: Annotated[
        bool, typer.Option("--private", help="With address, contact and phone (recorded as a read).")
    ] = False,
    community: CommunityOption = None,
) -> None:
    """Every request as CSV or XLSX, without private details unless --private (and then recorded)."""
    with command_run() as run:
        chosen = run.community(community)
        rows = requests.export_rows(
            run.session, actor=run.actor, community_id=chosen.id, now=run.now, private=private
        )
        _write(run, output, export_file(run.t(N_("requests")), rows, format.strip().lower()), len(rows) - 1)


@requests_app.command("codes")
def codes_command(
    bot: Annotated[
        str, typer.Option("--bot", help="The Telegram bot's username, for the links.")
    ] = "coord_bot",
    qr: Annotated[Path | None, typer.Option("--qr", help="Write each building's QR code (PNG) here.")] = None,
    community: CommunityOption = None,
) -> None:
    """Each building's code and link for its door (made the first time); --qr writes the QR codes."""
    with command_run() as run:
        chosen = run.community(community)
        buildings = run.session.scalars(
            select(Place)
            .where(Place.community_id == chosen.id, Place.kind == PlaceKind.BUILDING)
            .order_by(Place.name)
        ).all()
        table = run.out.table(run.t(N_("building")), run.t(N_("building code")), run.t(N_("link")))
        for building in buildings:
            code = requests.building_code(run.session, actor=run.actor, building=building, now=run.now)
            link = requests.deep_link(code.code, bot.lstrip("@"))
            table.add(building.name, code.code, link)
            if qr is not None:
                _qr(qr, building.name, link)


def _qr(folder: Path, name: str, link: str) -> None:
    import segno

    try:
        folder.mkdir(parents=True, exist_ok=True)
        segno.make(link, error="m").save(str(folder / f"{name.replace('/', '-')}.png"), scale=8)
    except OSError as exc:
        raise CliError(
            N_("Cannot write {path}: {reason}"), path=str(folder), reason=exc.strerror or str(exc)
        ) from None


@requests_app.command("settings")
def settings_command(
    cutoff: Annotated[
        str | None, typer.Option("--cutoff", help="Orders close at this local time: 20:00.")
    ] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="One run per building or per grid.")] = None,
    overdue_hours: Annotated[
        int | None, typer.Option("--overdue-hours", help="Open this long: overdue.")
    ] = None,
    team: Annotated[
        str | None, typer.Option("--team", help="The team that takes purchases and runs.")
    ] = None,
    community: CommunityOption = None,
) -> None:
    """Show the group-buy settings, or change them."""
    with command_run() as run:
        chosen = run.community(community)
        if any(value is not None for value in (cutoff, scope, overdue_hours, team)):
            settings = requests.set_request_settings(
                session=run.session,
                actor=run.actor,
                community_id=chosen.id,
                cutoff=_time(cutoff) if cutoff else None,
                scope=_scope(scope) if scope else None,
                overdue_hours=overdue_hours,
                team=find_team(run.session, chosen.id, team) if team else None,
            )
        else:
            settings = requests.request_settings(run.session, chosen.id)
        run.out.fields(
            [
                (run.t(N_("cut-off")), settings.cutoff.strftime("%H:%M")),
                (run.t(N_("one run per")), str(settings.scope)),
                (run.t(N_("overdue after (hours)")), settings.overdue_hours),
                (run.t(N_("team")), settings.team_id or "-"),
            ]
        )


def _time(text: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidInput(N_("A time such as 20:00, please.")) from None


def _scope(text: str) -> RunScope:
    word = {"楼栋": "building", "网格": "grid"}.get(text.strip(), text.strip().lower())
    if word not in {s.value for s in RunScope}:
        raise InvalidInput(N_("One run per building or per grid."))
    return RunScope(word)
