"""``coord run``, ``coord worker`` and ``coord scheduler``: the long-running processes."""

from __future__ import annotations

import logging
import threading
from typing import Annotated

import typer

from coord.entrypoints.cli.runtime import CliError, opened_engine, read_settings, require_schema
from coord.entrypoints.json_logs import use_json_logs
from coord.entrypoints.logs import install_log_filter
from coord.i18n import N_
from coord.settings import Settings

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _prepare(log_level: str) -> tuple[Settings, threading.Event]:
    """Settings read, database checked, logging to the console, SIGINT and SIGTERM set to stop."""
    from coord.entrypoints.processes import stop_on_signals

    settings = read_settings()
    with opened_engine(settings) as engine:
        require_schema(engine)
    logging.basicConfig(level=log_level.upper(), format=LOG_FORMAT)
    if settings.log_format == "json":
        use_json_logs()
    install_log_filter(settings)  # no secret and no resident's details in the log, at any level
    stop = threading.Event()
    stop_on_signals(stop)
    return settings, stop


LogLevel = Annotated[
    str,
    typer.Option("--log-level", help="debug, info, warning or error.", case_sensitive=False),
]


def _level(value: str) -> str:
    if value.lower() not in ("debug", "info", "warning", "error"):
        raise typer.BadParameter("use debug, info, warning or error", param_hint="--log-level")
    return value


def run(
    threads: Annotated[int, typer.Option("--threads", min=1, max=64, help="Worker threads.")] = 4,
    log_level: LogLevel = "info",
) -> None:
    """Run everything in one process: workers, the scheduler and the configured bots (embedded mode)."""
    from coord.entrypoints.processes import run_embedded

    settings, stop = _prepare(_level(log_level))
    run_embedded(settings, stop, threads=threads, freeze_startup=True)


def worker(
    threads: Annotated[int, typer.Option("--threads", min=1, max=64, help="Worker threads.")] = 8,
    log_level: LogLevel = "info",
) -> None:
    """Run a worker process on Redis (distributed mode; needs COORD_REDIS_URL)."""
    from coord.entrypoints.processes import run_worker
    from workers.broker import require_redis

    settings, stop = _prepare(_level(log_level))
    require_redis(settings)
    run_worker(settings, stop, threads=threads, freeze_startup=True)


def scheduler(log_level: LogLevel = "info") -> None:
    """Run the scheduler on Redis (distributed mode; one leads, others wait)."""
    from workers.broker import require_redis
    from workers.scheduler import run_scheduler

    settings, stop = _prepare(_level(log_level))
    require_redis(settings)
    run_scheduler(settings, stop)


def bot(
    network: Annotated[
        str | None, typer.Argument(help="telegram or matrix; by default every configured network.")
    ] = None,
    log_level: LogLevel = "info",
) -> None:
    """Run the chat bots alone (distributed mode: workers and the scheduler run as their own processes)."""
    from coord.entrypoints.processes import run_bots

    settings, stop = _prepare(_level(log_level))
    names = settings.networks if network is None else [network.strip().lower()]
    for name in names:
        if name not in ("telegram", "matrix"):
            raise typer.BadParameter("use telegram or matrix", param_hint="NETWORK")
        if name not in settings.networks:
            raise CliError(
                N_("The {network} bot is not configured: set {setting}."),
                network=name,
                setting="COORD_TELEGRAM_TOKEN" if name == "telegram" else "COORD_MATRIX_HOMESERVER",
            )
    if not names:
        raise CliError(
            N_("No chat network is configured: set COORD_TELEGRAM_TOKEN or COORD_MATRIX_HOMESERVER.")
        )
    run_bots(settings, stop, names=names, freeze_startup=True)
