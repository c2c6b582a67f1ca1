"""``coord web``: serve the coordinators' board; ``coord web link --as PERSON``: a one-time sign-in link."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import select

from coord.entrypoints.cli.chat import find_speaker
from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.runtime import CliError, command_run, opened_engine, read_settings, require_schema

web_app = typer.Typer(help="The coordinators' web board.", invoke_without_command=True)


@web_app.callback()
def web(
    ctx: typer.Context,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Default: COORD_WEB_PORT, else 8080.")
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the board (uvicorn) until stopped; run several behind a load balancer if you like."""
    if ctx.invoked_subcommand is not None:
        return
    from coord.entrypoints.logs import install_log_filter
    from coord.web.serve import server

    settings = read_settings()
    with opened_engine(settings) as engine:
        require_schema(engine)
    board = server(settings, port=port, log_level=log_level.lower())
    install_log_filter(settings)  # on uvicorn's handlers too: no secret, no sign-in token in the log
    board.run()


@web_app.command("link")
def link(
    person: Annotated[
        str, typer.Option("--as", help="Who signs in: a captain's or coordinator's name or number.")
    ],
    community: CommunityOption = None,
) -> None:
    """Print a one-time sign-in link for a captain or coordinator (the operator's way in)."""
    from coord.services.board import issue_link
    from coord.services.board.signin import SIGNIN_PATH

    with command_run() as run:
        found = find_speaker(run.session, run.community(community), person)
        token = issue_link(run.session, person=found, now=run.now)
        run.out.plain(run.settings.web_address + SIGNIN_PATH + token)


def serve_demo_board(database: Path, day: date | None, *, port: int | None, language: str) -> None:
    """``coord demo --web``: the board over the day just simulated, its clock stopped at the day's end,
    with a sign-in link for the community's coordinator printed first; until Ctrl-C."""
    from coord.clock import FrozenClock, utcnow
    from coord.db import make_engine, make_session_factory, transaction
    from coord.entrypoints.demo.day import DAY_ENDS, TIMEZONE
    from coord.i18n import N_, translate
    from coord.models import CommunityRole, Person
    from coord.services.board import issue_link
    from coord.services.board.signin import SIGNIN_PATH
    from coord.settings import load_settings
    from coord.web.serve import server

    settings = load_settings(database_url=f"sqlite:///{database}", web_port=port or 8080)
    zone = ZoneInfo(TIMEZONE)
    clock = FrozenClock(datetime.combine(day or utcnow().astimezone(zone).date(), DAY_ENDS, zone))
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        coordinator = session.scalars(
            select(Person).join(CommunityRole, CommunityRole.person_id == Person.id).order_by(Person.id)
        ).first()
        if coordinator is None:
            raise CliError(N_("There is no coordinator to sign in as."))
        token = issue_link(session, person=coordinator, now=clock.now())
        name = coordinator.name
    print(translate(N_("The board of the day, as {name} sees it (Ctrl-C stops it):"), language, name=name))
    print(f"  {settings.web_address}{SIGNIN_PATH}{token}", flush=True)
    try:
        server(settings, factory=factory, clock=clock, log_level="warning").run()
    finally:
        engine.dispose()
