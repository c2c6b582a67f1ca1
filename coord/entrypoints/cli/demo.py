"""``coord demo``: a simulated day of the demo community, run by coord's own engine, in under a minute."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from coord.entrypoints.cli.community import parse_language
from coord.entrypoints.cli.runtime import CliError, cli_language, read_settings
from coord.i18n import N_, translate


def demo(
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed: the same seed, the same day.")] = 1,
    lang: Annotated[str | None, typer.Option("--lang", help="en or zh; default: COORD_LANGUAGE.")] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="The day to simulate, e.g. 2026-03-02; default: today.")
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep", help="Keep the database in this new SQLite file (then: coord chat --as NAME)."
        ),
    ] = None,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Where to save the summary chart (PNG).")
    ] = None,
    web: Annotated[
        bool, typer.Option("--web", help="Then serve the board (挂图作战) over the day, until Ctrl-C.")
    ] = False,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="The board's port (8080).")
    ] = None,
) -> None:
    """Watch a day of a 万科嘉园-sized community: claims, reminders, no-shows, escalations, the summary."""
    from coord.entrypoints.demo import DemoOptions, run_demo

    settings = read_settings()
    language = parse_language(lang) if lang else settings.language
    cli_language.set(language)
    if keep is not None and keep.exists():
        raise CliError(N_("{file} exists already: give --keep a new file name."), file=str(keep))
    if web and keep is None:  # the board needs the day's database after the run
        import tempfile

        keep = Path(tempfile.mkdtemp(prefix="coord_demo_")) / "demo.db"
    options = DemoOptions(seed=seed, language=language, day=_day(day), keep=keep, chart=chart)
    console = Console(highlight=False)
    result = run_demo(options, settings, console)

    def t(msgid: str, **params: object) -> str:
        return translate(msgid, language, **params)

    console.print(Rule(Text(t(N_("Daily summary, as the coordinator received it"))), style="bold"))
    console.print(Text(result.summary), soft_wrap=True)
    console.print(Rule(style="bold"))
    console.print(Text(t(N_("Chart of the day: {file}"), file=str(result.chart))), soft_wrap=True)
    if result.database is not None:
        url = f"sqlite:///{result.database}"
        console.print(Text(t(N_("The day is kept in {file}. Try it yourself:"), file=str(result.database))))
        console.print(Text(f"  COORD_DATABASE_URL={url} coord chat --as NAME"), soft_wrap=True)
    else:
        console.print(Text(t(N_("The demo ran in a throwaway database; keep one with --keep demo.db."))))
    console.print(Text(t(N_("Simulated in {seconds} s."), seconds=f"{result.seconds:.1f}"), style="dim"))
    if web and result.database is not None:
        from coord.entrypoints.cli.web import serve_demo_board

        serve_demo_board(result.database, options.day, port=port, language=language)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CliError(
            N_("--date expects a day such as 2026-03-02, not “{value}”."), value=value[:20]
        ) from None
