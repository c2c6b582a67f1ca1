"""Settings that are malformed stop the program naming the setting; a ``COORD_*`` variable that is no
setting gets a warning naming the nearest one."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from coord.errors import SettingsError
from coord.settings import load_settings, unknown_settings

GOOD_SECRET = "s3cret-Of_thirty-two-characters-x"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("COORD_REDIS_URL", "localhost:6379"),
        ("COORD_REDIS_URL", "redis//127.0.0.1"),
        ("COORD_REDIS_URL", "http://127.0.0.1:6379/0"),
        ("COORD_REDIS_URL", "redis://127.0.0.1:99999/0"),
        ("COORD_REDIS_URL", "redis://127.0.0.1:6379/zero"),
        ("COORD_DATABASE_URL", "postgresql://"),
        ("COORD_DATABASE_URL", "postgresql://u@db:notaport/coord"),
        ("COORD_DATABASE_URL", "sqlite//coord.db"),
    ],
)
def test_a_malformed_url_fails_at_start_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{name}: ")


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "rediss://:pw@cache.example.org:6380/3", "redis://redis"]
)
def test_good_redis_urls_are_kept(url: str) -> None:
    assert load_settings(redis_url=url).redis_url == url


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"telegram_webhook_url": "http://bot.example.org/hook"}, "COORD_TELEGRAM_WEBHOOK_URL: "),
        (
            {"telegram_webhook_secret": "has spaces in it, and is long enough.."},
            "COORD_TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"telegram_webhook_secret": "short_but_valid"}, "COORD_TELEGRAM_WEBHOOK_SECRET: "),
        ({"telegram_webhook_secret": "x" * 257}, "COORD_TELEGRAM_WEBHOOK_SECRET: "),
    ],
)
def test_the_webhook_is_https_and_its_secret_follows_telegrams_rules(changes: dict, expected: str) -> None:
    base = {"telegram_token": "1:t", "telegram_webhook_url": "https://bot.example.org/hook"}
    with pytest.raises(SettingsError) as caught:
        load_settings(**{**base, "telegram_webhook_secret": GOOD_SECRET, **changes})
    assert str(caught.value).startswith(expected)


def test_a_good_webhook_is_accepted() -> None:
    settings = load_settings(
        telegram_token="1:t",
        telegram_webhook_url="https://bot.example.org/hook",
        telegram_webhook_secret=GOOD_SECRET,
    )
    assert settings.telegram_webhook_secret is not None


def test_an_unknown_variable_names_the_nearest_setting() -> None:
    warnings = unknown_settings({"COORD_TELEGRAM_TOKNE", "COORD_LANGUAGE", "COORD_TEST_REDIS_URL", "PATH"})
    assert warnings == [
        "COORD_TELEGRAM_TOKNE is not a setting of coord and is ignored; did you mean COORD_TELEGRAM_TOKEN?"
    ]
    assert unknown_settings({"COORD_ZZZZZZZZ"}) == ["COORD_ZZZZZZZZ is not a setting of coord and is ignored"]


def test_unknown_variables_in_the_environment_and_dotenv_are_warned_about(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("COORD_REDIS_ULR=redis://127.0.0.1:6379/0\n")
    monkeypatch.setenv("COORD_TELEGRAM_TOKNE", "1:abc")
    with caplog.at_level(logging.WARNING, logger="coord.settings"):
        settings = load_settings()
    assert settings.telegram_token is None and settings.redis_url is None
    text = caplog.text
    assert "COORD_TELEGRAM_TOKNE" in text and "did you mean COORD_TELEGRAM_TOKEN?" in text
    assert "COORD_REDIS_ULR" in text and "did you mean COORD_REDIS_URL?" in text
