"""deploy/ for real machines: a small build context, dependencies in a cached layer from exact versions, the
Matrix store owned by the service user, and hardened systemd units."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "PrivateTmp": "yes",
    "StateDirectory": "coord",
}


def service_section(unit: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(unit, encoding="utf-8")
    return dict(parser.items("Service"))


def test_the_build_context_leaves_out_virtual_environments_and_the_repository() -> None:
    rules = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and line[0] != "#"
    ]
    assert rules[0] == "**", "everything is left out but what is named"
    included = {rule[1:].rstrip("/") for rule in rules if rule.startswith("!")}
    assert included == {"pyproject.toml", "README.md", "coord", "workers", "bots", "deploy/constraints.txt"}


def test_dependencies_are_a_cached_layer_from_exact_versions() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.index("COPY deploy/constraints.txt") < dockerfile.index(
        "RUN pip install -r /tmp/constraints.txt"
    )
    assert dockerfile.index("RUN pip install -r /tmp/constraints.txt") < dockerfile.index(
        "COPY coord ./coord"
    )
    pins = {}
    for line in (DEPLOY / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, pinned = line.partition("==")
            assert pinned, f"not an exact version: {line}"
            pins[re.sub(r"[-_.]+", "-", name.lower())] = pinned
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    for extra in ("telegram", "matrix", "postgres", "web"):
        wanted += project["optional-dependencies"][extra]
    for requirement in wanted:
        name = re.sub(r"[-_.]+", "-", re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower())
        assert name in pins, f"{name} is not pinned in deploy/constraints.txt"


def test_the_matrix_store_exists_and_belongs_to_the_service_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"install -d -o coord -g coord -m 0700 /home/coord/matrix-store", dockerfile)
    assert "COORD_MATRIX_STORE_PATH=/home/coord/matrix-store" in dockerfile
    assert "matrixstore:/home/coord/matrix-store" in (DEPLOY / "compose.yml").read_text()


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_every_unit_is_hardened(unit: Path) -> None:
    section = service_section(unit)
    assert {key: section.get(key) for key in HARDENING} == HARDENING
    assert section.get("WorkingDirectory") == "/var/lib/coord"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not on this machine")
@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_systemd_rates_every_unit_under_5(unit: Path) -> None:
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for \S+: ([0-9.]+)", done.stdout)
    assert found, done.stdout + done.stderr
    assert float(found.group(1)) < 5
