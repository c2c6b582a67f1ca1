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
