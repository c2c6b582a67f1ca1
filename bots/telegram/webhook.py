"""The webhook: Telegram's POST is answered only once its update was answered.

PTB's own webhook server answers 200 as soon as it has queued the update, so a bot killed before it
answered has lost the update: Telegram counts it delivered. Here the HTTP answer waits for the handlers
(through the application's update processor, so each person's updates stay in order). A bot killed
mid-update leaves Telegram without an answer; Telegram delivers the update again, and behind a load
balancer another instance answers it; every command is safe to repeat. What is still lost: an update
whose answer went out just before the kill is answered twice (the second time "you already have it"),
and a reply cut short mid-send may not arrive (the person sends the command again).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApplication
from tornado.web import RequestHandler

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateHandler(RequestHandler):
    """One POST from Telegram: check the secret, answer the update, then say 200."""

    def initialize(self, bot_application: Application, secret: str | None) -> None:
        self.bot_application = bot_application  # tornado's own ``application`` is the web application
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER)
        if self.secret is not None and not hmac.compare_digest(given or "", self.secret):
            self.set_status(HTTPStatus.FORBIDDEN)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot_application.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(HTTPStatus.BAD_REQUEST)
            return
        application = self.bot_application
        await application.update_processor.process_update(update, application.process_update(update))
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.error("telegram: webhook request failed", exc_info=(typ, value, tb))


class Webhook:
    """Tornado serving ``path`` on ``listen``:``port``; Telegram is told the public ``url``."""

    def __init__(
        self,
        application: Application,
        *,
        url: str,
        path: str,
        listen: str,
        port: int,
        secret: str | None,
        allowed_updates: Sequence[str],
    ) -> None:
        self.application = application
        self.url, self.listen, self.port, self.secret = url, listen, port, secret
        self.allowed_updates = list(allowed_updates)
        routes = [
            (f"/{path.strip('/')}/?", UpdateHandler, {"bot_application": application, "secret": secret})
        ]
        self._server = HTTPServer(WebApplication(routes))

    async def start(self) -> None:
        await self.application.bot.set_webhook(
            self.url, secret_token=self.secret, allowed_updates=self.allowed_updates
        )
        self._server.listen(self.port, address=self.listen)

    async def stop(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
