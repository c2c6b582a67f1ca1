"""Settings read from the environment (prefix ``COORD_``) and an optional ``.env`` file.

Each entry point builds one ``Settings`` and passes it down; nothing is built at import time.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    RedisDsn,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from coord.errors import SettingsError

log = logging.getLogger(__name__)


_REDIS_DSN: TypeAdapter[RedisDsn] = TypeAdapter(RedisDsn)
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")  # Telegram's rule for secret_token
MIN_WEBHOOK_SECRET = 32  # ours: a secret that cannot be guessed


class Settings(BaseSettings):
    """Everything coord can be configured with."""

    model_config = SettingsConfigDict(env_prefix="COORD_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///coord.db",
        description="SQLAlchemy URL: sqlite:///path.db (embedded) or postgresql+psycopg://user@host/db",
    )
    redis_url: str | None = Field(default=None, description="redis://host:6379/0; unset = in-process broker")
    language: Literal["en", "zh"] = Field(default="en", description="language of the CLI and of new people")
    timezone: str = Field(default="Asia/Shanghai", description="default timezone of new communities")
    retention_days: int = Field(
        default=30, ge=1, le=3650, description="days after work closes that its private details are purged"
    )
    environment: Literal["development", "production"] = "development"
    sql_echo: bool = False

    # Telegram (issue 5): set the token to run the Telegram bot and gateway.
    telegram_token: SecretStr | None = Field(default=None, description="the bot token from @BotFather")
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        description="Bot API base URL, the token appended to it (a local Bot API server in tests)",
    )
    telegram_base_file_url: str = Field(
        default="https://api.telegram.org/file/bot", description="Bot API base URL for files"
    )
    telegram_webhook_url: str | None = Field(
        default=None, description="public HTTPS URL of the webhook; unset = long polling (the default)"
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, description="secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (webhook mode)"
    )
    telegram_webhook_listen: str = Field(default="0.0.0.0", description="address the webhook server binds")
    telegram_webhook_port: int = Field(
        default=8443, ge=1, le=65535, description="port the webhook server binds"
    )

    # Matrix (issue 6): set the homeserver to run the Matrix bot and gateway.
    matrix_homeserver: str | None = Field(
        default=None, description="homeserver URL, e.g. https://matrix.example.org"
    )
    matrix_user_id: str | None = Field(default=None, description="the bot's user id, e.g. @coord:example.org")
    matrix_password: SecretStr | None = Field(default=None, description="the bot's password (first login)")
    matrix_access_token: SecretStr | None = Field(
        default=None, description="an access token instead of a password"
    )
    matrix_store_path: str = Field(
        default="matrix-store", description="directory keeping the bot's device, access token and sync token"
    )
    matrix_rooms: str = Field(
        default="", description="comma-separated room ids the bot joins whoever invites it"
    )

    # The web board (issue 17): `coord web`, or `coord run` when the port is set.
    web_listen: str = Field(default="127.0.0.1", description="address the web board binds")
    web_port: int | None = Field(
        default=None, ge=1, le=65535, description="port of the web board; unset = `coord run` serves none"
    )
    web_base_url: str | None = Field(
        default=None, description="the board's public URL for sign-in links; unset = http://LISTEN:PORT"
    )
    web_session_hours: float = Field(default=12, gt=0, le=24 * 30, description="how long a sign-in lasts")
    web_secure_cookies: bool | None = Field(
        default=None, description="mark cookies Secure; unset = when the base URL is https"
    )

    # Operations (issue 20): metrics, health thresholds, log format.
    metrics_port: int | None = Field(
        default=None, ge=1, le=65535, description="port of this process's Prometheus /metrics; unset = none"
    )
    metrics_listen: str = Field(default="127.0.0.1", description="address the metrics endpoint binds")
    health_max_backlog: int = Field(
        default=1000, ge=0, description="coord health fails when more notifications than this wait"
    )
    health_max_pending_seconds: float = Field(
        default=1800, ge=0, description="coord health fails when a notification has waited longer (seconds)"
    )
    health_require_leader: bool = Field(
        default=False, description="coord health fails when no scheduler leads (distributed mode)"
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="text, or json: one JSON object a line, for a log collector"
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("expected a sqlite:/// or postgresql+psycopg:// URL")
        try:
            url = make_url(value)
            port = url.port  # parsed lazily: a bad port fails here
        except (ArgumentError, ValueError) as exc:
            raise ValueError(f"not a database URL ({exc}); expected e.g. postgresql://user@host/db") from None
        if url.get_backend_name() == "postgresql" and not (url.host or url.query.get("host")):
            raise ValueError("a postgresql:// URL names its host, e.g. postgresql://user@127.0.0.1/coord")
        if port is not None and not 0 < port < 65536:
            raise ValueError(f"port {port} is out of range")
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver this project ships with.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_dsn(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            dsn = _REDIS_DSN.validate_python(value)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            raise ValueError(f"{reason}; expected e.g. redis://127.0.0.1:6379/0") from None
        database = (dsn.path or "").strip("/")
        if database and not database.isdigit():
            raise ValueError("the database after the host is a number, e.g. redis://127.0.0.1:6379/0")
        return value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _https_webhook(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("Telegram calls a webhook over HTTPS only: expected an https:// URL")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            secret = value.get_secret_value()
            if not WEBHOOK_SECRET.fullmatch(secret):
                raise ValueError("Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - only")
            if len(secret) < MIN_WEBHOOK_SECRET:
                raise ValueError(
                    f"at least {MIN_WEBHOOK_SECRET} characters, e.g. python -c 'import secrets; "
                    "print(secrets.token_urlsafe(32))'"
                )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA timezone name such as Asia/Shanghai") from exc
        return value

    @field_validator("telegram_base_url", "telegram_base_file_url", "matrix_homeserver", "web_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @model_validator(mode="after")
    def _complete_networks(self) -> Settings:
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError(
                "COORD_TELEGRAM_WEBHOOK_URL needs COORD_TELEGRAM_WEBHOOK_SECRET "
                "(letters, digits, _ and -, up to 256)"
            )
        if self.matrix_homeserver:
            if not self.matrix_user_id:
                raise ValueError(
                    "COORD_MATRIX_HOMESERVER needs COORD_MATRIX_USER_ID (e.g. @coord:example.org)"
                )
            if not (self.matrix_password or self.matrix_access_token):
                raise ValueError(
                    "COORD_MATRIX_HOMESERVER needs COORD_MATRIX_PASSWORD or COORD_MATRIX_ACCESS_TOKEN"
                )
        return self

    @property
    def networks(self) -> list[str]:
        """The chat networks configured: "telegram" when it has a token, "matrix" when it has a homeserver."""
        found = []
        if self.telegram_token:
            found.append("telegram")
        if self.matrix_homeserver:
            found.append("matrix")
        return found

    @property
    def matrix_room_ids(self) -> list[str]:
        return [room.strip() for room in self.matrix_rooms.split(",") if room.strip()]

    @property
    def web_address(self) -> str:
        """The board's base URL, without a trailing slash."""
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        host = "127.0.0.1" if self.web_listen in ("0.0.0.0", "::", "") else self.web_listen
        return f"http://{host}:{self.web_port or 8080}"


def unknown_settings(names: list[str] | set[str] | Mapping[str, object]) -> list[str]:
    """A warning for each ``COORD_*`` name that is no setting, naming the nearest one (a typo such as
    ``COORD_TELEGRAM_TOKNE`` would otherwise run no bot, silently). ``COORD_TEST_*`` belongs to the tests."""
    known = sorted("COORD_" + name.upper() for name in Settings.model_fields)
    warnings = []
    for name in sorted(names):
        upper = name.upper()
        if not upper.startswith("COORD_") or upper.startswith("COORD_TEST_") or upper in known:
            continue
        nearest = difflib.get_close_matches(upper, known, n=1, cutoff=0.6)
        hint = f"; did you mean {nearest[0]}?" if nearest else ""
        warnings.append(f"{name} is not a setting of coord and is ignored{hint}")
    return warnings


def _names_given(env_file: Path) -> set[str]:
    names = set(os.environ)
    if env_file.is_file():
        from dotenv import dotenv_values  # pydantic-settings' own dependency

        names.update(dotenv_values(env_file))
    return names


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into one readable ``SettingsError``; warn about
    ``COORD_*`` variables (in the environment or ``.env``) that are no setting."""
    for warning in unknown_settings(_names_given(Path(str(Settings.model_config.get("env_file"))))):
        log.warning("%s", warning)
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if error["loc"]:
                name = "COORD_" + "_".join(str(part) for part in error["loc"]).upper()
                problems.append(f"{name}: {error['msg']}")
            else:  # a rule across settings names them itself
                problems.append(str(error["msg"]).removeprefix("Value error, "))
        raise SettingsError("; ".join(problems)) from None
