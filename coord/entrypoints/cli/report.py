"""``coord report daily``: the day's figures, as a community office reports them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from coord.entrypoints.cli.community import CommunityOption, parse_language
from coord.entrypoints.cli.runtime import CliError, Run, command_run
from coord.entrypoints.cli.times import parse_day
from coord.i18n import N_

report_app = typer.Typer(help="Reports: the daily summary, the upward report.", no_args_is_help=True)

BINARY_FORMATS = ("xlsx", "png")


@report_app.command("daily")
def daily(
    day: Annotated[str, typer.Option("--date", help="2026-03-02, today or yesterday's date.")] = "today",
    format: Annotated[str, typer.Option("--format", help="text, csv, xlsx or png.")] = "text",
    team: Annotated[str | None, typer.Option("--team", help="Only this team (name or number).")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (needed for xlsx and png).")
    ] = None,
    community: CommunityOption = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en or zh; default: the community's language.")
    ] = None,
) -> None:
    """The daily summary: figures per kind and team, hours, what fell through, totals since the start."""
    from coord.services.people.people import find_team
    from coord.services.reporting.report import render_report

    fmt = format.strip().lower()
    if fmt in BINARY_FORMATS and output is None:
        raise CliError(N_("A {format} report is a file: give --output FILE."), format=fmt)
    with command_run() as run:
        place = run.community(community)
        when = parse_day(day, timezone=place.timezone, now=run.now)
        team_id = find_team(run.session, place.id, team).id if team else None
        body = render_report(
            run.session,
            community=place,
            day=when,
            format=fmt,
            language=parse_language(lang) if lang else None,
            team_id=team_id,
            now=run.now,
        )
        if output is not None:
            _write(run, output, body, when.isoformat())
    if output is None and isinstance(body, str):
        _print(body)


def _write(run: Run, output: Path, body: str | bytes, day: str) -> None:
    data = body.encode("utf-8") if isinstance(body, str) else body
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise CliError(
            N_("Cannot write {path}: {reason}"), path=str(output), reason=exc.strerror or str(exc)
        ) from None
    run.out.line(N_("Wrote the report for {day} to {file}."), day=day, file=str(output))


def _print(body: str) -> None:
    try:
        sys.stdout.write(body if body.endswith("\n") else body + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the reader (``| head``) has had enough
        sys.stderr.close()


@report_app.command("upward")
def upward(
    day: Annotated[str, typer.Option("--date", help="2026-03-02, or today.")] = "today",
    format: Annotated[str, typer.Option("--format", help="text, csv or xlsx.")] = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    community: CommunityOption = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en or zh; default: the community's language.")
    ] = None,
) -> None:
    """The office's figures for the street office: the day and since the start, as the articles quote them."""
    from coord.services.reporting.exports import export_file
    from coord.services.reporting.upward import upward_report, upward_rows, upward_text

    fmt = format.strip().lower()
    if fmt == "xlsx" and output is None:
        raise CliError(N_("A {format} report is a file: give --output FILE."), format=fmt)
    with command_run() as run:
        place = run.community(community)
        when = parse_day(day, timezone=place.timezone, now=run.now)
        report = upward_report(run.session, actor=run.actor, community=place, day=when, now=run.now)
        language = parse_language(lang) if lang else place.language
        if fmt == "text":
            body: str | bytes = upward_text(report, language)
        else:
            body = export_file(when.isoformat(), upward_rows(report, language), fmt)
        if output is not None:
            _write(run, output, body, when.isoformat())
    if output is None and isinstance(body, str):
        _print(body)
