"""The deploy files: every coord command they run exists in the CLI, and every setting is documented."""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from typer.core import TyperArgument, TyperGroup, TyperOption

from coord.entrypoints.cli import app
from coord.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def resolve(words: list[str]) -> Any:
    """The CLI command ``coord WORDS`` runs; fails on an unknown command, option or extra argument."""
    assert words and words[0].endswith("coord"), words
    command: Any = typer.main.get_command(app)
    rest = words[1:]
    while isinstance(command, TyperGroup) and rest and rest[0] in command.commands:
        command, rest = command.commands[rest[0]], rest[1:]
    # A group runs by itself only when it says so (coord web serves; coord web link is its subcommand).
    assert not isinstance(command, TyperGroup) or command.invoke_without_command, f"{words}: no such command"
    options = {opt: p for p in command.params if isinstance(p, TyperOption) for opt in p.opts}
    arguments = [p for p in command.params if isinstance(p, TyperArgument)]
    while rest:
        word = rest.pop(0)
        if word.startswith("-"):
            name, _, value = word.partition("=")
            assert name in options, f"{words}: {name} is not an option of coord {command.name}"
            if not options[name].is_flag and not value:
                assert rest, f"{words}: {name} needs a value"
                rest.pop(0)
        else:
            assert arguments, f"{words}: coord {command.name} takes no argument {word!r}"
            arguments.pop(0)
    return command


def compose_commands() -> list[list[str]]:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))
    found = []
    for service in compose["services"].values():
        command = service.get("command")
        if isinstance(command, str):
            command = shlex.split(command)
        if command and command[0] == "coord":
            found.append(command)
    return found


def unit_commands() -> list[list[str]]:
    found = []
    for unit in UNITS:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read(unit, encoding="utf-8")
        for key in ("ExecStart", "ExecStartPre", "ExecStop", "ExecReload"):
            if parser.has_option("Service", key):
                found.append(shlex.split(parser.get("Service", key)))
    return found


def test_compose_runs_every_role_with_real_commands() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    roles = {"postgres", "redis", "migrate", "worker", "scheduler", "telegram", "matrix", "web"}
    assert roles <= set(services)
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert services["migrate"]["command"] == ["coord", "init"]
    assert services["scheduler"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "-m", "coord.web.health"]
    commands = compose_commands()
    assert len(commands) == 6
    for words in commands:
        resolve(words)


def test_systemd_units_run_real_commands() -> None:
    names = {unit.name for unit in UNITS}
    assert {"coord-migrate.service", "coord-worker@.service", "coord-scheduler.service"} <= names
    assert {"coord-bot@.service", "coord-web.service"} <= names
    commands = unit_commands()
    assert len(commands) == len(UNITS)
    for words in commands:
        resolve(words)


def test_dockerfile_is_slim_unprivileged_and_checks_health() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    checks = re.findall(r"^HEALTHCHECK .*CMD (\[.*\])", text, re.M)
    assert checks, "no HEALTHCHECK"
    for check in checks:
        resolve(yaml.safe_load(check))
    resolve(yaml.safe_load(re.findall(r"^CMD (\[.*\])", text, re.M)[-1]))


def test_the_resolver_refuses_what_does_not_exist() -> None:
    for words in (["coord", "wrker"], ["coord", "worker", "--thread", "8"], ["coord", "init", "extra"]):
        with pytest.raises(AssertionError):
            resolve(words)


def test_env_example_names_every_setting_and_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (DEPLOY / ".env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"\bCOORD_([A-Z0-9_]+)=", text))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields <= named, f"missing in deploy/.env.example: {sorted(fields - named)}"
    assert named - {"POSTGRES_PASSWORD"} <= fields, f"not settings: {sorted(named - fields)}"
    # The lines that are not commented out make valid settings.
    for line in text.splitlines():
        if line.startswith("COORD_"):
            key, _, value = line.partition("=")
            monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT / "deploy")  # no .env file here: the environment alone
    settings = load_settings()
    assert settings.redis_url and settings.database_url.startswith("postgresql+psycopg://")


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`COORD_{name.upper()}`" in readme, f"COORD_{name.upper()} is not in README.md"


def test_deploy_guide_covers_the_first_steps() -> None:
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for words in (
        "BotFather",
        "COORD_TELEGRAM_TOKEN",
        "coord invite create",
        "pg_dump",
        ".backup",
        "--scale worker",
    ):
        assert words in guide, words
    for line in re.findall(r"^\s*(coord [^\n#|]*)", guide, re.M):
        resolve(shlex.split(line.replace("…", "")))


def test_the_compose_file_follows_the_compose_specification() -> None:
    """check-jsonschema's copy of the Compose specification (works offline)."""
    checker = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))
    done = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
