"""Settings: defaults, environment, and a wrong value that names the setting."""

from __future__ import annotations

import pytest

from coord.errors import SettingsError
from coord.settings import load_settings


def test_defaults_are_the_embedded_mode(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("COORD_DATABASE_URL", "COORD_REDIS_URL", "COORD_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url == "sqlite:///coord.db"
    assert settings.redis_url is None and settings.language == "en"


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("COORD_LANGUAGE=zh\nCOORD_TIMEZONE=Europe/Berlin\n")
    monkeypatch.setenv("COORD_DATABASE_URL", "postgresql://u@db/coord")
    settings = load_settings()
    assert settings.language == "zh" and settings.timezone == "Europe/Berlin"
    assert settings.database_url == "postgresql+psycopg://u@db/coord"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("COORD_DATABASE_URL", "mysql://x", "COORD_DATABASE_URL: Value error, expected a sqlite:///"),
        ("COORD_LANGUAGE", "fr", "COORD_LANGUAGE: Input should be 'en' or 'zh'"),
        ("COORD_TIMEZONE", "Mars/Olympus", "COORD_TIMEZONE: Value error, expected an IANA timezone"),
    ],
)
def test_wrong_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path, name: str, value: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(expected)


def test_chat_networks_are_used_when_their_settings_are_present() -> None:
    assert load_settings().networks == []
    both = load_settings(
        telegram_token="123:abc",
        matrix_homeserver="http://127.0.0.1:8008",
        matrix_user_id="@coord:localhost",
        matrix_access_token="tok",
        matrix_rooms=" !a:localhost, ,!b:localhost",
    )
    assert both.networks == ["telegram", "matrix"]
    assert both.matrix_room_ids == ["!a:localhost", "!b:localhost"]
    assert both.telegram_token is not None and "123:abc" not in repr(both)


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"telegram_base_url": "api.telegram.org/bot"}, "COORD_TELEGRAM_BASE_URL"),
        ({"telegram_token": "t", "telegram_webhook_url": "https://x/hook"}, "COORD_TELEGRAM_WEBHOOK_SECRET"),
        ({"matrix_homeserver": "http://h"}, "COORD_MATRIX_USER_ID"),
        ({"matrix_homeserver": "http://h", "matrix_user_id": "@c:h"}, "COORD_MATRIX_PASSWORD"),
        ({"telegram_webhook_port": 0}, "COORD_TELEGRAM_WEBHOOK_PORT"),
    ],
)
def test_an_incomplete_chat_network_names_the_missing_setting(overrides: dict, named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(**overrides)
