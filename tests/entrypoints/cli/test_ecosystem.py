"""What a fresh install offers: ``coord --version``, ``python -m coord``, shell completion, the package's
licence and extras, and plurals where English needs them."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import metadata, version
from pathlib import Path

from coord.i18n import translate_plural

COORD = Path(sys.executable).with_name("coord")
ROW = "{rows} row read: {created} created, {updated} updated."
ROWS = "{rows} rows read: {created} created, {updated} updated."


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_version_from_the_command_and_from_python_m() -> None:
    expected = f"coord {version('coord')}"
    assert run(str(COORD), "--version").stdout.strip() == expected
    assert run(sys.executable, "-m", "coord", "--version").stdout.strip() == expected


def test_shell_completion_completes_commands() -> None:
    # The protocol bash's completion script speaks (coord --show-completion bash prints that script)
    done = run(
        str(COORD), env={"_COORD_COMPLETE": "complete_bash", "COMP_WORDS": "coord te", "COMP_CWORD": "1"}
    )
    assert done.stdout.split() == ["team", "template"]
    script = run(str(COORD), "--show-completion", "bash")
    assert "_coord_completion" in script.stdout


def test_the_package_declares_its_licence_and_extras() -> None:
    meta = metadata("coord")
    assert meta["License-Expression"] == "MIT"
    extras = set(meta.get_all("Provides-Extra") or [])
    assert {"telegram", "matrix", "postgres", "web", "dev"} <= extras
    core = [r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert not any(r.startswith(("python-telegram-bot", "matrix-nio", "psycopg")) for r in core)


def test_english_says_one_row_and_two_rows_and_chinese_has_one_form() -> None:
    assert translate_plural(ROW, ROWS, 1, "en", rows=1, created=1, updated=0).startswith("1 row read")
    assert translate_plural(ROW, ROWS, 2, "en", rows=2, created=2, updated=0).startswith("2 rows read")
    for n in (1, 2, 5):
        assert translate_plural(ROW, ROWS, n, "zh", rows=n, created=n, updated=0).startswith(f"读取 {n} 行")


def test_every_declared_range_holds_the_version_the_tests_run_on() -> None:
    """The ranges are true: each floor was raised to the tested version, and what runs here is inside."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((Path(__file__).resolve().parents[3] / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        requirements += [r for r in extra if not r.startswith("coord[")]
    outside = []
    for text in requirements:
        requirement = Requirement(text)
        installed = version(requirement.name)
        if requirement.specifier and not requirement.specifier.contains(installed, prereleases=True):
            outside.append(f"{text} (installed {installed})")
    assert outside == []


def test_a_message_with_a_plural_entry_takes_the_form_its_count_asks_for() -> None:
    """Wherever it is translated (an error, a reply, a stored notification): the catalogue's msgid_plural."""
    from coord.i18n import translate

    problem = "The file has {count} problem; nothing was imported."
    assert translate(problem, "en", count=1) == "The file has 1 problem; nothing was imported."
    assert translate(problem, "en", count=3) == "The file has 3 problems; nothing was imported."
    assert translate(problem, "zh", count=3) == "文件中有 3 处问题，什么都没有导入。"


def test_a_configured_network_without_its_extra_names_the_extra() -> None:
    # As on a machine where `pip install coord` ran without [telegram]: the library cannot be imported
    program = (
        "import sys; sys.modules['telegram'] = None\n"
        "from bots import network\n"
        "from coord.errors import SettingsError\n"
        "try:\n    network('telegram')\n"
        "except SettingsError as exc:\n    print(exc)\n"
    )
    done = run(sys.executable, "-c", program)
    assert "pip install 'coord[telegram]'" in done.stdout, done.stderr
