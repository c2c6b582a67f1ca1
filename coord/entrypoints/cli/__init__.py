"""The ``coord`` command line: set up the database, manage communities, teams, invites and work.

Every command reads the settings (``COORD_*``), works in one transaction as the system actor ``cli``,
and prints with rich once that transaction has committed. Errors are one line on stderr with a non-zero exit.
"""

from __future__ import annotations

from importlib.metadata import version

import typer

from coord.entrypoints.cli.chat import chat
from coord.entrypoints.cli.community import community_app
from coord.entrypoints.cli.database import init, seed
from coord.entrypoints.cli.demo import demo
from coord.entrypoints.cli.exports import export_app
from coord.entrypoints.cli.geography import area_app, place_app
from coord.entrypoints.cli.health import health
from coord.entrypoints.cli.households import household_app
from coord.entrypoints.cli.imports import import_app
from coord.entrypoints.cli.kinds import kind_app
from coord.entrypoints.cli.people import coordinator_app, invite_app, person_app, team_app
from coord.entrypoints.cli.privacy import privacy_app
from coord.entrypoints.cli.records import record_app
from coord.entrypoints.cli.report import report_app
from coord.entrypoints.cli.requests import requests_app
from coord.entrypoints.cli.runtime import CoordGroup
from coord.entrypoints.cli.service import bot, run, scheduler, worker
from coord.entrypoints.cli.tasks import task_app, tasks
from coord.entrypoints.cli.team_chats import link_chat, list_chats, unlink_chat
from coord.entrypoints.cli.templates import template_app
from coord.entrypoints.cli.web import web_app

app = typer.Typer(
    cls=CoordGroup,
    name="coord",
    help="Volunteer coordination for neighbourhoods in a crisis.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"coord {version('coord')}")
        raise typer.Exit()


@app.callback()
def root(
    show_version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print coord's version and exit."
    ),
) -> None:
    """Volunteer coordination for neighbourhoods in a crisis."""


app.command("init")(init)
app.command("seed")(seed)
app.add_typer(community_app, name="community")
app.add_typer(area_app, name="area")
app.add_typer(place_app, name="place")
team_app.command("link")(link_chat)
team_app.command("unlink")(unlink_chat)
team_app.command("chats")(list_chats)
app.add_typer(team_app, name="team")
app.add_typer(person_app, name="person")
app.add_typer(coordinator_app, name="coordinator")
app.add_typer(invite_app, name="invite")
app.add_typer(task_app, name="task")
app.command("tasks")(tasks)
app.add_typer(template_app, name="template")
app.add_typer(household_app, name="household")
app.add_typer(privacy_app, name="privacy")
app.add_typer(requests_app, name="requests")
app.add_typer(import_app, name="import")
app.add_typer(report_app, name="report")
app.add_typer(record_app, name="record")
app.add_typer(export_app, name="export")
app.add_typer(kind_app, name="kind")
app.command("run")(run)
app.command("worker")(worker)
app.command("scheduler")(scheduler)
app.command("bot")(bot)
app.command("demo")(demo)
app.command("chat")(chat)
app.command("health")(health)
app.add_typer(web_app, name="web")


def main() -> None:
    """The ``coord`` console script."""
    app()


__all__ = ["app", "main"]
