"""What the service's log may hold: no secret and no resident's details, at any level (issue 19).

Each entry point that logs calls ``install_log_filter(settings)`` once its handlers are set up. The filter
sits on every handler of the root logger (a logger's own filter would miss records propagated from its
children), and:

- replaces every secret the settings hold (the bot token, the webhook secret, the Matrix token and
  password, the database and Redis passwords), and anything shaped like a Telegram bot token, with
  ``[redacted]``, in the message and its arguments;
- drops the records below WARNING of the libraries that log what goes over the wire: python-telegram-bot
  and httpx/httpcore log each request with its parameters (a message's text: an address, a phone),
  matrix-nio and aiohttp the bodies they send and receive, SQLAlchemy each statement's parameters. Their
  warnings and errors stay, redacted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from pydantic import SecretStr

from coord.settings import Settings

REDACTED = "[redacted]"

#: Loggers whose debug and info lines carry what is sent or received (message texts, statement parameters).
WIRE_LOGGERS = (
    "telegram",
    "httpx",
    "httpcore",
    "hpack",
    "nio",
    "aiohttp",
    "urllib3",
    "sqlalchemy.engine",
    "tornado.access",
)

#: A Telegram bot token (digits, a colon, 35 characters), wherever it appears, even one not in the settings.
BOT_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}")
#: The one-time token of a board sign-in link (``coord.services.board.signin``), e.g. in an access log line.
SIGNIN_TOKEN = re.compile(r"(/signin/)[A-Za-z0-9_-]{16,}")


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold, longest first (a secret inside another is replaced after)."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, str) and name.endswith("_url"):
            password = _password_in(value)
            if password:
                found.append(password)
    return sorted({s for s in found if len(s) >= 4}, key=len, reverse=True)


def _password_in(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


class RedactingFilter(logging.Filter):
    """Redacts secrets in every record, and drops the wire libraries' records below WARNING."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return SIGNIN_TOKEN.sub(r"\1" + REDACTED, BOT_TOKEN.sub(REDACTED, text))

    def _arg(self, value: object) -> object:
        return value if isinstance(value, int | float) or value is None else self.redact(str(value))

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and _from_wire(record.name):
            return False
        # The message and each argument are redacted in place, so formatters that read the arguments
        # (uvicorn's access log) still work.
        record.msg = self.redact(str(record.msg))
        if isinstance(record.args, dict):
            record.args = {key: self._arg(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(self._arg(value) for value in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def _from_wire(name: str) -> bool:
    return any(name == wire or name.startswith(wire + ".") for wire in WIRE_LOGGERS)


def install_log_filter(settings: Settings, *loggers: logging.Logger) -> RedactingFilter:
    """Put the filter on every handler of ``loggers`` (the root logger by default, and uvicorn's, whose
    loggers keep handlers of their own); returns it."""
    targets = loggers or (
        logging.getLogger(),
        logging.getLogger("uvicorn"),
        logging.getLogger("uvicorn.access"),
    )
    chosen = RedactingFilter(secrets_of(settings))
    for target in targets:
        for handler in target.handlers:
            for old in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(old)
            handler.addFilter(chosen)
    return chosen
