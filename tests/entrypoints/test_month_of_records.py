"""A month of a small community replayed entirely from outside: the CLI and the terminal chat, past dates
only (November 2026, entered in December from paper). Checks the per-day and running totals, the hours per
person, and that an invalid figure and a duplicated done line are not counted."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from coord.entrypoints.cli import app
from tests.conftest import FreshDatabase

runner = CliRunner()
FIRST = date(2026, 11, 1)
DAYS = [FIRST + timedelta(days=n) for n in range(30)]
PEOPLE = ("甲", "乙", "丙")


def coord(url: str, *args: str, stdin: str | None = None) -> Result:
    env = {"COORD_DATABASE_URL": url, "COORD_LANGUAGE": "en", "COLUMNS": "200"}
    return runner.invoke(app, list(args), env=env, input=stdin)


def ok(url: str, *args: str, stdin: str | None = None) -> str:
    result = coord(url, *args, stdin=stdin)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def buildings(day: date) -> int:
    """What the paper sheet of ``day`` says: 1 to 4 buildings disinfected, 50 households a building."""
    return day.day % 4 + 1


def sheet(days: list[date], *, bad: str = "") -> str:
    """A CSV of paper records: each day's disinfection by 甲 and 乙 (08:00–11:00), and on even days 丙's
    gate duty (3.5 hours) with its figures."""
    lines = ["日期,类型,姓名,队伍,签到,完成,时长,数据"]
    for day in days:
        figures = f"楼栋数={buildings(day)}；覆盖户数={buildings(day) * 50}"
        lines.append(f"{day},消杀,甲,消杀组,08:00,11:00,,{bad or figures}")
        lines.append(f"{day},消杀,乙,消杀组,08:00,11:00,,")
        if day.day % 2 == 0:
            lines.append(f"{day},卡口值守,丙,消杀组,,15:00,3.5,检查人数=100；查验健康码数=80")
    return "\n".join(lines) + "\n"


@pytest.fixture
def url(fresh_db: FreshDatabase, tmp_path: Path) -> Iterator[str]:
    address = fresh_db.url()
    ok(address, "init")
    ok(address, "community", "create", "户部巷社区", "--slug", "hubuxiang", "--language", "zh")
    ok(address, "team", "create", "消杀组")
    ok(address, "person", "add", "田波", "--team", "消杀组")
    ok(address, "team", "add-member", "消杀组", "田波", "--role", "captain")
    ok(address, "person", "add", "罗文")
    ok(address, "coordinator", "add", "罗文")
    for name in PEOPLE:
        ok(address, "person", "add", name, "--team", "消杀组")
    ok(address, "record", "start", str(FIRST))
    yield address


def daily(url: str, day: date) -> dict[str, tuple[float, float]]:
    """The community's rows of the day's CSV report: (today, since the start) by figure label."""
    rows = list(
        csv.reader(
            io.StringIO(ok(url, "report", "daily", "--date", str(day), "--format", "csv", "--lang", "en"))
        )
    )
    found: dict[str, tuple[float, float]] = {}
    for scope, _team, kind, figure, today, total in rows[1:]:
        if scope == "community":
            found[f"{kind}:{figure}" if kind else figure] = (float(today or 0), float(total or 0))
    return found


def test_a_month_replayed_from_outside(url: str, tmp_path: Path) -> None:
    # Days 1–20 from the office's paper sheets: a file with an invalid figure is refused whole ...
    bad = tmp_path / "bad.csv"
    bad.write_text(sheet(DAYS[:20], bad="楼栋数=很多"), encoding="utf-8")
    refused = coord(url, "import", "work", str(bad))
    assert refused.exit_code != 0 and "line 2" in refused.stderr and "nothing was imported" in refused.stderr
    assert daily(url, DAYS[0])["tasks done"] == (0, 0)
    # ... and the corrected one imported
    good = tmp_path / "good.csv"
    good.write_text(sheet(DAYS[:20]), encoding="utf-8")
    assert "created" in ok(url, "import", "work", str(good))
    # a duplicated done line (the same sheet again) is refused and not counted
    again = coord(url, "import", "work", str(good))
    assert again.exit_code != 0 and "already recorded" in again.stderr
    # Days 21–25: the captain enters them in the terminal chat, one line each; an invalid figure is refused
    lines = [
        f"补录 消杀 {day} 08:00-11:00 甲、乙 楼栋数={buildings(day)} 覆盖户数={buildings(day) * 50}"
        for day in DAYS[20:25]
    ]
    lines += [
        f"补录 卡口值守 {day} 3.5小时 丙 检查人数=100 查验健康码数=80"
        for day in DAYS[20:25]
        if day.day % 2 == 0
    ]
    lines.insert(2, f"补录 消杀 {DAYS[21]} 13:00-14:00 甲 楼栋数=十")
    lines.append(lines[0])  # the same line sent twice
    chat = ok(url, "chat", "--as", "田波", stdin="\n".join(lines) + "\nexit\n")
    assert chat.count("已补录") == 7, chat
    assert "楼栋数" in chat and "已经记录过" in chat
    # Days 26–30: the captain's sheets through the CLI, by hours; 丙's gate duty on the even days
    last = ""
    for day in DAYS[25:]:
        last = ok(
            url, "record", "work", "--date", str(day), "--kind", "disinfection", "--team", "消杀组",
            "--person", "甲", "--person", "乙", "--hours", "3", "--by", "田波",
            "--figure", f"buildings={buildings(day)}", "--figure", f"households={buildings(day) * 50}",
        )  # fmt: skip
        if day.day % 2 == 0:
            ok(
                url, "record", "work", "--date", str(day), "--kind", "gate_shift", "--person", "丙",
                "--team", "消杀组", "--done", "15:00", "--hours", "3.5",
                "--figure", "people_checked=100", "--figure", "health_codes=80",
            )  # fmt: skip
    refused = coord(
        url,
        "record",
        "work",
        "--date",
        str(DAYS[29]),
        "--kind",
        "patrol",
        "--person",
        "甲",
        "--hours",
        "22",
        "--figure",
        "issues_found=0",
    )
    assert refused.exit_code != 0 and "a day has at most 24" in refused.stderr

    # Then each day's report counts that day, and the running totals add up day by day
    total_buildings = total_tasks = 0
    for day in DAYS:
        figures = daily(url, day)
        gate = day.day % 2 == 0
        total_buildings += buildings(day)
        total_tasks += 1 + gate
        assert figures["tasks done"] == (1 + gate, total_tasks), day
        assert figures["people's completions"][0] == 2 + gate, day
        assert figures["hours served"][0] == 6 + 3.5 * gate, day
        assert figures["disinfection:buildings"] == (buildings(day), total_buildings), day
    assert figures["unfilled shifts"] == (0, 0) and figures["no-shows"] == (0, 0)
    # The upward report gives the same, as the office sends it
    upward = list(
        csv.reader(
            io.StringIO(
                ok(url, "report", "upward", "--date", str(DAYS[-1]), "--format", "csv", "--lang", "en")
            )
        )
    )
    by_figure = {row[0]: (row[1], row[2]) for row in upward[1:]}
    assert by_figure["buildings disinfected"] == (str(buildings(DAYS[-1])), str(total_buildings))
    assert by_figure["health-code checks"] == ("80", str(15 * 80))
    assert by_figure["tasks done"][1] == str(total_tasks)
    # Hours per person over the month (for the thank-you letters): 30 days × 3 h, 15 gate duties × 3.5 h
    out = tmp_path / "hours.xlsx"
    ok(
        url,
        "export",
        "hours",
        "--from",
        str(FIRST),
        "--to",
        str(DAYS[-1]),
        "--format",
        "xlsx",
        "-o",
        str(out),
        "--lang",
        "en",
    )
    from openpyxl import load_workbook

    sheet_ = load_workbook(out).active
    assert sheet_ is not None
    hours = {row[0]: (row[2], row[3]) for row in sheet_.iter_rows(min_row=3, values_only=True)}
    assert hours["甲"] == (30, 90) and hours["乙"] == (30, 90) and hours["丙"] == (15, 52.5)
    assert hours["total"] == (75, 232.5)
    # A correction by the captain: 乙 served 2 hours on the last day, not 3 (an event with both values)
    task_id = re.search(r"#(\d+)", last).group(1)  # type: ignore[union-attr]
    ok(url, "record", "hours", task_id, "乙", "2", "--reason", "纸质签到表写的是两小时", "--by", "田波")
    assert daily(url, DAYS[-1])["hours served"][0] == 5 + 3.5
    ok(url, "export", "hours", "--from", str(DAYS[-1]), "--to", str(DAYS[-1]), "-o", str(tmp_path / "h.csv"))
    rows = list(csv.reader(io.StringIO((tmp_path / "h.csv").read_text(encoding="utf-8-sig"))))
    assert {r[0]: r[3] for r in rows[2:-1]} == {"甲": "3.0", "乙": "2.0", "丙": "3.5"}
