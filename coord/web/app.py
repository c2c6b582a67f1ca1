"""The board as an ASGI application: Starlette routes, Jinja2 templates and static files from the package."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from coord.clock import Clock, SystemClock
from coord.db import engine_from_settings, make_session_factory
from coord.services.board import publish_address
from coord.settings import Settings
from coord.web.auth import SafeHeaders
from coord.web.routes import ROUTES

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Board:
    """What every request needs: the database, the clock, the settings and the templates."""

    settings: Settings
    factory: sessionmaker[Session]
    clock: Clock
    templates: Environment

    @property
    def secure_cookies(self) -> bool:
        if self.settings.web_secure_cookies is not None:
            return self.settings.web_secure_cookies
        return self.settings.web_address.startswith("https://")


def create_app(
    settings: Settings, *, factory: sessionmaker[Session] | None = None, clock: Clock | None = None
) -> Starlette:
    """The board; it records its base URL in the database at once, so the bot can send links to it."""
    if factory is None:
        factory = make_session_factory(engine_from_settings(settings))
    moment = clock or SystemClock()
    with factory() as session, session.begin():
        publish_address(session, settings.web_address, now=moment.now())
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(), auto_reload=False
    )
    app = Starlette(
        middleware=[Middleware(SafeHeaders)],
        routes=[
            *[Route(path, endpoint, methods=methods) for path, endpoint, methods in ROUTES],
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
    )
    app.state.board = Board(settings, factory, moment, templates)
    return app
