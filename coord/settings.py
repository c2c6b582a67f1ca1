"""Settings read from the environment (prefix ``COORD_``) and an optional ``.env`` file.

Each entry point builds one ``Settings`` and passes it down; nothing is built at import time.
"""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
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


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into one readable ``SettingsError``."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "COORD_" + "_".join(str(part) for part in error["loc"]).upper()
            problems.append(f"{name}: {error['msg']}")
        raise SettingsError("; ".join(problems)) from None
