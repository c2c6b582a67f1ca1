"""``coord demo``: the same seed gives the same day; the feed shows every kind of event; a chart is saved.

The demo runs as the operator runs it: ``coord demo`` in a subprocess, each run in a fresh directory with its
own temporary folder (the throwaway database and the chart's default place).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # three simulated days, run side by side: about a minute on two cores

ARGS = {
    "first": ["--seed", "1"],
    "again": ["--seed", "1", "--keep", "demo.db"],
    "zh": ["--seed", "1", "--lang", "zh"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str, Path]]:
    """Each run's exit code, stdout, stderr and folder; all three started at once."""
    started = {}
    for name, args in ARGS.items():
        folder = tmp_path_factory.mktemp(name)
        env = {**os.environ, "TMPDIR": str(folder), "COORD_LANGUAGE": "en", "COLUMNS": "200"}
        env.pop("COORD_DATABASE_URL", None)
        command = [sys.executable, "-c", "from coord.entrypoints.cli import main; main()", "demo", *args]
        started[name] = (
            folder,
            subprocess.Popen(command, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE),
        )
    done = {}
    for name, (folder, process) in started.items():
        out, err = process.communicate(timeout=600)
        done[name] = (process.returncode, out.decode("utf-8"), err.decode("utf-8"), folder)
    return done


def summary_section(output: str) -> str:
    """The daily summary as printed at the end, between its two rules."""
    lines = output.splitlines()
    begin = next(
        i
        for i, line in enumerate(lines)
        if "Daily summary, as the coordinator" in line or "每日汇总（" in line
    )
    end = next(i for i in range(begin + 1, len(lines)) if set(lines[i].strip()) == {"─"})
    return "\n".join(lines[begin + 1 : end])


def test_each_run_ends_well(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    for name, (code, out, err, _) in runs.items():
        assert code == 0, (name, err[-2000:])
        assert "Traceback" not in out + err
        assert "went wrong" not in out and "出错" not in out


def test_the_same_seed_gives_the_same_figures(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    first, again = summary_section(runs["first"][1]), summary_section(runs["again"][1])
    assert "Tasks done (each task once):" in first
    assert first == again


def test_the_figures_add_up(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    summary = summary_section(runs["first"][1])
    total = int(re.search(r"Tasks done \(each task once\): (\d+)", summary).group(1))  # type: ignore[union-attr]
    today = summary.split("By team:")[0]
    assert total == sum(int(n) for n in re.findall(r": (\d+) tasks done, ", today))
    teams = summary.split("By team:")[1].split("Fell through")[0]
    assert total == sum(int(n) for n in re.findall(r": (\d+) tasks done, ", teams))
    assert re.search(r"no-shows [1-9]", summary) and "people checked" in summary


def test_the_chart_is_a_png(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    for name in ("first", "again"):
        out, folder = runs[name][1], runs[name][3]
        path = Path(re.search(r"Chart of the day: (\S+)", out).group(1))  # type: ignore[union-attr]
        assert path.is_relative_to(folder)  # the run's own temporary folder
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_feed_shows_every_kind_of_event(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    feed = runs["first"][1]
    for tag in (
        "claim",
        "check-in",
        "done",
        "reminder",
        "no-show",
        "escalation",
        "reassign",
        "urgent",
        "roster",
    ):
        assert re.search(rf"^\d\d:\d\d  {re.escape(tag)} ", feed, re.M), tag
    assert "You were marked as not at your post" in feed  # the no-show, told by the ladder
    assert re.search(r"Not at the post: task #\d+ .* did not check in", feed)  # its escalation to the captain
    assert "has been handed to someone else by your captain" in feed  # the reassignment
    assert re.search(r"Urgent task #\d+ .* was taken by .* of 应急组", feed)  # the medicine, picked up
    assert "🔒" in feed  # private details went privately


def test_the_kept_database_can_be_chatted_in(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    folder = runs["again"][3]
    assert (folder / "demo.db").exists() and "coord chat --as" in runs["again"][1]
    env = {**os.environ, "COORD_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}", "COORD_LANGUAGE": "en"}
    chat = subprocess.run(
        [sys.executable, "-m", "coord.entrypoints.cli", "chat", "--as", "1", "--lang", "en"],
        input="today\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=120,
    )
    assert chat.returncode == 0, chat.stderr
    assert "today so far" in chat.stdout


def test_chinese_shows_chinese(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    feed = runs["zh"][1]
    assert "coord 演示" in feed and "每日汇总" in feed
    for tag in ("认领", "签到", "提醒", "缺岗", "上报", "改派", "紧急"):
        assert re.search(rf"^\d\d:\d\d  {tag}", feed, re.M), tag
    assert "Daily summary" not in feed and "Reminder:" not in feed


def test_residents_order_and_a_group_buy_run_goes_out(runs: dict[str, tuple[int, str, str, Path]]) -> None:
    """Residents join by their building code and order; the 11:00 cut-off makes a run; doors are marked."""
    english, chinese = runs["first"][1], runs["zh"][1]
    for said in (
        "to the bot: “/start ",
        "is received. Orders close at 11:00",
        "is urgent: a volunteer is asked to buy it now",
        "For 1栋-",  # the desk orders for a neighbour without a phone
        "is accepted: it comes with the next run",
        "Group-buy run, 1栋: 3 doors",
        "has been left at your door",
        "We knocked for request #",
        "is noted as received",
    ):
        assert said in english, said
    assert "团购配送：3 户" in chinese and "已放在门口" in chinese
