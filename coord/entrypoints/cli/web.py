"""``coord web``: serve the coordinators' board; ``coord web link --as PERSON``: a one-time sign-in link."""

from __future__ import annotations

from typing import Annotated

import typer

from coord.entrypoints.cli.chat import find_speaker
from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.runtime import command_run, opened_engine, read_settings, require_schema

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
