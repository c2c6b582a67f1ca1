"""What every command shares: settings, one transaction, the community it acts on, and one-line errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from coord.clock import utcnow
from coord.db import engine_from_settings, make_session_factory, transaction
from coord.entrypoints.cli.output import Output
from coord.errors import CoordError, SettingsError
from coord.i18n import N_, translate
from coord.migrate import current_revisions, head_revisions
from coord.models import Community
from coord.services.people.access import Actor
from coord.settings import Settings, load_settings

log = logging.getLogger("coord.entrypoints.cli")

#: The language of the running command's messages, known once its settings are read.
cli_language: ContextVar[str] = ContextVar("cli_language", default="en")


class CliError(CoordError):
    """An error of the command line itself; ``exit_code`` 2 means the setup is wrong."""

    exit_code = 1


class DatabaseNotReady(CliError):
    """The database has no schema yet, or an older one."""


class DatabaseUnreachable(CliError):
    exit_code = 2


class CoordGroup(TyperGroup):
    """The root command: turns every failure into one line on stderr and a non-zero exit."""

    def invoke(self, ctx: Any) -> Any:
        cli_language.set("en")
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except typer.TyperException as exc:
            if _asks_for_help(exc):
                raise
            # a usage error: bad option value, missing argument
            _fail(translate(N_("Error: {problem}"), cli_language.get(), problem=exc.format_message()), 2)
        except CoordError as exc:
            language = cli_language.get()
            _fail(exc.render(language), getattr(exc, "exit_code", 1), _problem_lines(exc, language))
        except SettingsError as exc:
            _fail(translate(N_("Bad setting: {problem}"), cli_language.get(), problem=str(exc)), 2)
        except Exception as exc:
            # Logged in one line for the operator; the person at the terminal gets no traceback.
            log.error("coord %s failed: %s: %s", ctx.invoked_subcommand, type(exc).__name__, _one_line(exc))
            raise typer.Exit(1) from None


def _asks_for_help(exc: Exception) -> bool:
    """A group called with no arguments: typer shows its help (typer exports no name for this error)."""
    return any(cls.__name__ == "NoArgsIsHelpError" for cls in type(exc).__mro__)


def _fail(message: str, code: int, details: list[str] | None = None) -> None:
    typer.echo(_one_line(message), err=True)
    for line in details or []:
        typer.echo(line, err=True)
    raise typer.Exit(code)


def _problem_lines(exc: CoordError, language: str, most: int = 20) -> list[str]:
    """The rows a failed import found wrong, one line each after the error itself."""
    problems = getattr(exc, "problems", None) or []
    lines = [
        "  "
        + translate(N_("line {line}: {problem}"), language, line=line, problem=_rendered(problem, language))
        for line, problem in problems[:most]
    ]
    if len(problems) > most:
        lines.append("  " + translate(N_("… and {count} more"), language, count=len(problems) - most))
    return lines


def _rendered(problem: object, language: str) -> str:
    render = getattr(problem, "render", None)
    return _one_line(render(language) if callable(render) else problem)


def _one_line(value: object) -> str:
    lines = [part.strip() for part in str(value).splitlines() if part.strip()]
    return lines[0] if lines else type(value).__name__


@dataclass
class Run:
    """One command's work: its settings, session (one transaction), output and actor."""

    settings: Settings
    session: Session
    out: Output
    actor: Actor
    now: datetime

    def community(self, slug: str | None) -> Community:
        """The community named by ``--community``, or the only one there is."""
        return pick_community(self.session, slug)

    def t(self, msgid: str, **params: Any) -> str:
        return self.out.t(msgid, **params)


def read_settings() -> Settings:
    settings = load_settings()
    cli_language.set(settings.language)
    return settings


@contextmanager
def opened_engine(settings: Settings) -> Iterator[Engine]:
    engine = engine_from_settings(settings)
    try:
        yield engine
    finally:
        engine.dispose()


@contextmanager
def command_run(*, channel: str = "cli") -> Iterator[Run]:
    """Settings, a ready database and one transaction; the output is printed only after commit."""
    settings = read_settings()
    with opened_engine(settings) as engine:
        require_schema(engine)
        out = Output(settings.language)
        with transaction(make_session_factory(engine)) as session:
            yield Run(settings, session, out, Actor.system(channel), utcnow())
        out.flush()


def schema_state(engine: Engine) -> tuple[set[str], set[str]]:
    """The revisions the database is at and the ones this code knows, naming the setting on failure."""
    try:
        return current_revisions(engine), head_revisions()
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnreachable(
            N_("Cannot open the database named by COORD_DATABASE_URL ({url}): {reason}"),
            url=engine.url.render_as_string(hide_password=True),
            reason=_one_line(getattr(exc, "orig", None) or exc),
        ) from None


def require_schema(engine: Engine) -> None:
    """Refuse to work on a database that ``coord init`` has not prepared."""
    url = make_url(engine.url)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).exists():
        raise DatabaseNotReady(N_("The database is not set up yet: run coord init first."))
    current, heads = schema_state(engine)
    if not current:
        raise DatabaseNotReady(N_("The database is not set up yet: run coord init first."))
    if current != heads:
        raise DatabaseNotReady(N_("The database schema is out of date: run coord init to upgrade it."))


def pick_community(session: Session, slug: str | None) -> Community:
    if slug:
        from coord.services.people.communities import get_community

        return get_community(session, slug.strip())
    communities = session.scalars(select(Community).order_by(Community.id).limit(20)).all()
    if not communities:
        raise CliError(
            N_("There is no community yet: create one with coord community create NAME or coord seed --demo.")
        )
    if len(communities) > 1:
        raise CliError(
            N_("There are several communities ({slugs}); choose one with --community."),
            slugs=", ".join(c.slug for c in communities),
        )
    return communities[0]
