"""``coord export``: hours served over a period (per person, team or kind), the watch list, the households.

CSV or XLSX; a value a spreadsheet would read as a formula is written as text. The watch list and the
households carry private details: each export is recorded as a read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from coord.entrypoints.cli.community import CommunityOption, parse_language
from coord.entrypoints.cli.runtime import CliError, Run, command_run
from coord.entrypoints.cli.times import parse_day
from coord.i18n import N_
from coord.services.people.people import find_team
from coord.services.reporting.exports import export_file, hours_rows, households_rows

export_app = typer.Typer(
    help="Exports: hours served, the watch list, households (CSV or XLSX).", no_args_is_help=True
)

FormatOption = Annotated[str, typer.Option("--format", help="csv or xlsx.")]
OutputOption = Annotated[Path, typer.Option("--output", "-o", help="The file to write.")]
LangOption = Annotated[
    str | None, typer.Option("--lang", help="en or zh; default: the community's language.")
]


@export_app.command("hours")
def hours(
    first: Annotated[str, typer.Option("--from", help="First day: 2026-02-01.")],
    last: Annotated[str, typer.Option("--to", help="Last day (included): 2026-02-29, or today.")],
    output: OutputOption,
    by: Annotated[str, typer.Option("--by", help="person, team or kind.")] = "person",
    team: Annotated[str | None, typer.Option("--team", help="Only this team's work.")] = None,
    format: FormatOption = "csv",
    lang: LangOption = None,
    community: CommunityOption = None,
) -> None:
    """Hours served over a period, for thank-you letters and certificates."""
    with command_run() as run:
        place = run.community(community)
        rows = hours_rows(
            run.session,
            actor=run.actor,
            community=place,
            first=parse_day(first, timezone=place.timezone, now=run.now),
            last=parse_day(last, timezone=place.timezone, now=run.now),
            by=by.strip().lower(),
            team=find_team(run.session, place.id, team) if team else None,
            language=parse_language(lang) if lang else None,
        )
        _write(run, output, export_file(run.t(N_("hours")), rows, format.strip().lower()), len(rows) - 3)


@export_app.command("households")
def households(
    output: OutputOption,
    watched: Annotated[bool, typer.Option("--watched", help="Only households on the watch list.")] = False,
    format: FormatOption = "csv",
    lang: LangOption = None,
    community: CommunityOption = None,
) -> None:
    """Households with their private details (coordinators only; recorded as a read)."""
    with command_run() as run:
        place = run.community(community)
        rows = households_rows(
            run.session,
            actor=run.actor,
            community=place,
            watched_only=watched,
            now=run.now,
            language=parse_language(lang) if lang else None,
        )
        title = run.t(N_("watch list") if watched else N_("households"))
        _write(run, output, export_file(title, rows, format.strip().lower()), len(rows) - 1)


@export_app.command("watch")
def watch(
    output: OutputOption,
    format: FormatOption = "csv",
    lang: LangOption = None,
    community: CommunityOption = None,
) -> None:
    """The watch list: households of every colour, with why and until when (coordinators only; recorded)."""
    households(output, watched=True, format=format, lang=lang, community=community)


def _write(run: Run, output: Path, body: str | bytes, rows: int) -> None:
    data = body.encode("utf-8-sig") if isinstance(body, str) else body  # Excel reads UTF-8 CSV with a BOM
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise CliError(
            N_("Cannot write {path}: {reason}"), path=str(output), reason=exc.strerror or str(exc)
        ) from None
    run.out.line(N_("Wrote {rows} row to {file}."), rows=max(rows, 0), file=str(output))
