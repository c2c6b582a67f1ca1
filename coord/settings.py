"""Settings read from the environment (prefix ``COORD_``) and an optional ``.env`` file.

Each entry point builds one ``Settings`` and passes it down; nothing is built at import time.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from coord.errors import SettingsError


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

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("expected a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver this project ships with.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA timezone name such as Asia/Shanghai") from exc
        return value

    @field_validator("telegram_base_url", "telegram_base_file_url", "matrix_homeserver")
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


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into one readable ``SettingsError``."""
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
