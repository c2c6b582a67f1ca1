"""``coord import``: places, households and people from the community office's CSV files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from coord.entrypoints.cli.community import CommunityOption
from coord.entrypoints.cli.runtime import CliError, command_run
from coord.i18n import N_
from coord.services.imports.rows import HOUSEHOLDS, PEOPLE, PLACES, Schema, accepted
from coord.services.imports.work_done import WORK_DONE

import_app = typer.Typer(help="Import places, households or people from a CSV file.", no_args_is_help=True)

FileArgument = Annotated[Path, typer.Argument(help="A CSV file (UTF-8; Excel's 'CSV UTF-8' is fine).")]


def _help(what: str, schema: Schema) -> str:
    """A command's help: what it imports, and every column it reads (with the other headers it knows)."""
    required = ", ".join(schema.required)
    return f"{what}\n\nColumns (a header may be any of the names between slashes; {required} required): " + (
        accepted(schema)
    )


@import_app.command("places", help=_help("Import buildings, gates and other places.", PLACES))
def places(file: FileArgument, community: CommunityOption = None) -> None:
    _import("import_places", file, community)


@import_app.command("households", help=_help("Import households (their contacts stay private).", HOUSEHOLDS))
def households(file: FileArgument, community: CommunityOption = None) -> None:
    _import("import_households", file, community)


@import_app.command("people", help=_help("Import volunteers, captains and coordinators.", PEOPLE))
def people(file: FileArgument, community: CommunityOption = None) -> None:
    _import("import_people", file, community)


@import_app.command(
    "work", help=_help("Import completed work from paper records (one row per person's part).", WORK_DONE)
)
def work(file: FileArgument, community: CommunityOption = None) -> None:
    _import("import_work_done", file, community, with_now=True)


def _import(function: str, file: Path, community: str | None, *, with_now: bool = False) -> None:
    from coord.services import imports

    run_import: Any = getattr(imports, function)
    with command_run() as run:
        chosen = run.community(community)
        try:
            source = file.open(encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise CliError(
                N_("Cannot read {path}: {reason}"), path=str(file), reason=exc.strerror or str(exc)
            ) from None
        with source:
            when = {"now": run.now} if with_now else {}
            report = run_import(session=run.session, actor=run.actor, community=chosen, source=source, **when)
        run.out.plural(
            "{rows} row read: {created} created, {updated} updated.",
            "{rows} rows read: {created} created, {updated} updated.",
            report.rows,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
        )
