"""Serving the board with uvicorn: in the foreground (``coord web``) or on a thread beside the workers
(``coord run`` when ``COORD_WEB_PORT`` is set)."""

from __future__ import annotations

import threading

import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import Clock
from coord.settings import Settings
from coord.web.app import create_app


def server(
    settings: Settings,
    *,
    factory: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
    port: int | None = None,
    log_level: str = "info",
) -> uvicorn.Server:
    """A uvicorn server for the board, not started."""
    app = create_app(settings, factory=factory, clock=clock)
    config = uvicorn.Config(
        app,
        host=settings.web_listen,
        port=port or settings.web_port or 8080,
        log_level=log_level,
        proxy_headers=True,
        server_header=False,
    )
    return uvicorn.Server(config)


class BackgroundBoard:
    """The board served on a thread until :meth:`stop`."""

    def __init__(self, board: uvicorn.Server) -> None:
        self.server = board
        self.thread = threading.Thread(target=board.run, name="coord-web", daemon=True)

    def start(self) -> BackgroundBoard:
        self.thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=timeout)


def serve_in_background(
    settings: Settings, *, factory: sessionmaker[Session], clock: Clock | None = None
) -> BackgroundBoard:
    return BackgroundBoard(server(settings, factory=factory, clock=clock, log_level="warning")).start()
