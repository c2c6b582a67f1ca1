"""``coord report``, ``coord run``, ``coord worker`` and ``coord scheduler`` from the command line."""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

import coord.entrypoints.processes as entry_points
from coord.db import make_engine, make_session_factory
from coord.entrypoints.cli import app
from coord.models import Person, Task
from coord.services.people.access import Actor
from coord.services.work.claims import assign
from coord.services.work.notices import private_text
from tests.conftest import FreshDatabase
from tests.entrypoints.cli.test_cli import coord, ok, one_line_error, runner


@pytest.fixture(scope="module")
def demo(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp("service"))
    address = fresh.url()
    ok(address, "init")
    ok(address, "seed", "--demo")
    yield address
    fresh.close()


def test_daily_report_in_the_communitys_language_and_formats(demo: str, tmp_path: Path) -> None:
    # The demo community speaks Chinese; the report follows it unless --lang says otherwise
    assert ok(demo, "report", "daily").startswith("每日汇总")
    assert ok(demo, "report", "daily", "--lang", "en").startswith("Daily summary")
    csv = ok(demo, "report", "daily", "--format", "csv", "--lang", "en")
    assert csv.splitlines()[0] == "scope,team,kind,figure,today,since the start"
    xlsx, png = tmp_path / "day.xlsx", tmp_path / "day.png"
    ok(demo, "report", "daily", "--format", "xlsx", "-o", str(xlsx))
    assert load_workbook(xlsx).active.max_row > 1
    ok(demo, "report", "daily", "--format", "png", "--output", str(png))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "png"), "give --output FILE"),
        (("--format", "pdf"), "Unknown report format"),
        (("--date", "2026-13-01"), "is not a date"),
        (("--team", "nobody"), "There is no team"),
    ],
)
def test_daily_report_refuses_bad_options_in_one_line(demo: str, args: tuple[str, ...], message: str) -> None:
    assert message in one_line_error(coord(demo, "report", "daily", *args))


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_distributed_processes_need_redis(demo: str, command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COORD_REDIS_URL", raising=False)
    line = one_line_error(coord(demo, command))
    assert "COORD_REDIS_URL: the distributed mode needs Redis" in line


def to_volunteer(log: str, person_id: int, task_id: int) -> tuple[list[str], list[str]]:
    """Console lines to ``person_id``: being given ``task_id``, and private details (withheld from the log).

    A private line does not name its task, and the seeded person may be sent other private details too (the
    doctor's follow-up of a blue household's call): only the notice of ``task_id`` is counted exactly."""
    lines = [line for line in log.splitlines() if f"to direct person:{person_id}: " in line]
    given = [line for line in lines if f"#{task_id}" in line]
    private = [line for line in lines if "private details withheld" in line]
    return given, private


def done_telling(log: str, person_id: int, task_id: int) -> bool:
    given, private = to_volunteer(log, person_id, task_id)
    return bool(given and private)


def test_coord_run_delivers_and_stops_cleanly_on_sigterm(
    demo: str, database_kind: str, tmp_path: Path
) -> None:
    if database_kind != "sqlite":
        pytest.skip(
            "the embedded mode is the SQLite default; the distributed mode is tested in tests/workers"
        )
    # Given the seeded demo database where a delivery to a household has just been given to a volunteer
    engine = make_engine(demo)
    with make_session_factory(engine)() as session, session.begin():
        task = session.scalars(
            select(Task).where(Task.kind == "delivery", Task.household_id.is_not(None), Task.filled == 0)
        ).first()
        assert task is not None
        volunteer = session.scalars(select(Person).where(Person.community_id == task.community_id)).all()[-1]
        assign(session=session, actor=Actor.system("test"), task_id=task.id, person=volunteer)
        household_address = private_text(session, task)
    engine.dispose()
    env = {**os.environ, "COORD_DATABASE_URL": demo, "COORD_REDIS_URL": "", "PYTHONUNBUFFERED": "1"}
    env.pop("COORD_REDIS_URL")
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from coord.entrypoints.cli import main; main()", "run", "--threads", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
        try:
            # When it has run for a while
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not done_telling(log.read_text(), volunteer.id, task.id):
                assert process.poll() is None, log.read_text()
                time.sleep(0.2)
            # Then the console has told the volunteer once (in their language), with the private details
            # withheld from the log; SIGTERM stops it cleanly
            given, private = to_volunteer(log.read_text(), volunteer.id, task.id)
            assert len(given) == 1 and private, log.read_text()
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
    text = log.read_text()
    assert "embedded workers stopped" in text and "Traceback" not in text
    # The household's address went to the volunteer's chat, never into the operator's log
    assert f"to direct person:{volunteer.id}: [private details withheld from the log" in text
    assert household_address not in text


def test_chinese_chart_draws_every_glyph(demo: str, tmp_path: Path) -> None:
    """With coord's own Chinese font (coord/fonts) or the machine's, no name is drawn as boxes."""
    import warnings

    from coord.services.reporting.report import _cjk_fonts

    if not _cjk_fonts():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("no Chinese font on the CI machine: .ci/run should install fonts-wqy-microhei")
        pytest.skip("no Chinese font on this machine (apt-get install fonts-wqy-microhei)")
    from typer.testing import CliRunner

    from coord.entrypoints.cli import app

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(
            app,
            ["report", "daily", "--format", "png", "-o", str(tmp_path / "c.png")],
            env={"COORD_DATABASE_URL": demo},
        )
    assert result.exit_code == 0, result.output
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_the_long_running_commands_freeze_what_start_up_built(
    demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``coord run``, ``coord worker`` and ``coord bot`` ask for ``settle_heap`` (gc.freeze after start-up:
    full collections had paused every thread for 150-170 ms); the functions themselves, called by tests in
    a thread, do not freeze unless asked."""
    names = ("run_embedded", "run_worker", "run_bots")
    defaults = {
        n: inspect.signature(getattr(entry_points, n)).parameters["freeze_startup"].default for n in names
    }
    assert defaults == dict.fromkeys(names, False)
    asked: dict[str, dict[str, object]] = {}
    monkeypatch.setattr(entry_points, "stop_on_signals", lambda _stop: None)  # keep pytest's own handlers
    for name in names:
        monkeypatch.setattr(entry_points, name, lambda *_a, _n=name, **kw: asked.__setitem__(_n, kw))
    env = {
        "COORD_DATABASE_URL": demo,
        "COORD_REDIS_URL": "redis://127.0.0.1:6379/15",
        "COORD_TELEGRAM_TOKEN": "123:abc",
    }
    for command in (["run"], ["worker"], ["bot", "telegram"]):
        result = runner.invoke(app, command, env=env)
        assert result.exit_code == 0, result.output
    assert {name: kw.get("freeze_startup") for name, kw in asked.items()} == dict.fromkeys(names, True)
