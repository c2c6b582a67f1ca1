"""``coord init`` and ``coord seed``: prepare the database and fill it with a demo community."""

from __future__ import annotations

from typing import Annotated

import typer

from coord.entrypoints.cli.output import Output
from coord.entrypoints.cli.runtime import CliError, command_run, opened_engine, read_settings, schema_state
from coord.i18n import N_
from coord.migrate import upgrade


def init() -> None:
    """Create the database schema, or migrate it to this version of coord."""
    settings = read_settings()
    out = Output(settings.language)
    with opened_engine(settings) as engine:
        before, heads = schema_state(engine)
        if before == heads:
            out.line(
                N_("The database is up to date: its schema is at revision {revisions}, the latest."),
                revisions=_revisions(heads),
            )
        else:
            upgrade(engine)
            after, _ = schema_state(engine)
            if before:
                out.line(
                    N_("Migrated the database schema from revision {old} to {new}, the latest."),
                    old=_revisions(before),
                    new=_revisions(after),
                )
            else:
                out.line(
                    N_("Created the database; its schema is at revision {revisions}, the latest."),
                    revisions=_revisions(after),
                )
    out.flush()


def _revisions(revisions: set[str]) -> str:
    """A schema's revision (migration) numbers: ``0009``, or ``0004 + 0006`` where branches meet."""
    return " + ".join(sorted(revisions))


def seed(
    demo: Annotated[bool, typer.Option("--demo", help="Build the demo community (万科嘉园).")] = False,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed: the same seed, the same data.")
    ] = 1,
) -> None:
    """Fill the database with a realistic demo community and a week of work."""
    if not demo:
        raise CliError(N_("Only the demo data can be seeded: run coord seed --demo."))
    from coord.entrypoints.seed import seed_demo

    with command_run(channel="seed") as run:
        summary = seed_demo(session=run.session, now=run.now, seed=seed)
        run.out.line(N_("Seeded the demo community {name} ({slug})."), name=summary.name, slug=summary.slug)
        rows = run.out.table(N_("what"), N_("how many"))
        for label, count in summary.counts():
            rows.add(run.t(label), count)
