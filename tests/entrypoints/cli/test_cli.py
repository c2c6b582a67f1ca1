"""The ``coord`` command line against a real database: a SQLite file, and a PostgreSQL schema."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner, Result

from coord.db import make_engine
from coord.entrypoints.cli import app
from coord.entrypoints.cli.times import parse_day, parse_local_time, show_window
from coord.errors import InvalidInput
from coord.i18n import translate
from coord.migrate import head_revisions
from coord.models import Event, Membership, Person, Task, TaskStatus, Team, TeamRole
from coord.services.people.invites import redeem_invite
from tests.conftest import FreshDatabase

runner = CliRunner()


def coord(url: str, *args: str, language: str = "en") -> Result:
    """Run ``coord ARGS`` as the operator would, with the database at ``url``."""
    env = {"COORD_DATABASE_URL": url, "COORD_LANGUAGE": language, "COLUMNS": "220"}
    return runner.invoke(app, list(args), env=env)


def ok(url: str, *args: str) -> str:
    result = coord(url, *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def one_line_error(result: Result) -> str:
    """A failure: a non-zero exit, nothing on stdout, exactly one line on stderr, no traceback."""
    assert result.exit_code != 0, result.stdout
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def url(fresh_db: FreshDatabase) -> str:
    """The URL of an empty database: no file yet (SQLite), or an empty schema (PostgreSQL)."""
    return fresh_db.url()


@pytest.fixture(scope="module")
def demo(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database set up with ``coord init`` and ``coord seed --demo``, shared by the module's tests."""
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp("cli"))
    address = fresh.url()
    ok(address, "init")
    ok(address, "seed", "--demo")
    yield address
    fresh.close()


@pytest.fixture
def db(demo: str) -> Iterator[Engine]:
    engine = make_engine(demo)
    yield engine
    engine.dispose()


def events(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(Event)) or 0)


def test_init_creates_the_database_then_finds_it_up_to_date(url: str) -> None:
    # Given an empty database, commands other than init ask for it
    assert "run coord init first" in one_line_error(coord(url, "tasks"))
    # When init runs twice
    first, second = ok(url, "init"), ok(url, "init")
    # Then the first creates the schema and the second finds nothing to do
    heads = " + ".join(sorted(head_revisions()))
    assert first.strip() == f"Created the database; its schema is at revision {heads}, the latest."
    assert second.strip() == f"The database is up to date: its schema is at revision {heads}, the latest."
    assert "There is no community yet" in one_line_error(coord(url, "tasks"))


def test_tasks_lists_the_seeded_work_urgent_first(demo: str) -> None:
    listing = ok(demo, "tasks", "--limit", "1000")
    rows = [line for line in listing.splitlines() if re.match(r"^\s+\d+\s", line)]
    assert "代买降压药（急）" in rows[0] and "‼ purchase" in rows[0]
    assert sum("gate_shift" in row for row in rows) >= 40 and any("disinfection" in row for row in rows)
    urgent = ok(demo, "tasks", "--urgent")
    assert "代买降压药（急）" in urgent and "gate_shift" not in urgent
    gates = ok(demo, "tasks", "--team", "门岗防控组", "--limit", "1000")
    assert {kind for kind in ("gate_shift", "delivery", "disinfection") if kind in gates} == {"gate_shift"}
    assert ok(demo, "tasks", "--status", "done").strip() == "No tasks match."


def test_tasks_by_zone_takes_the_grids_inside_it(demo: str) -> None:
    west = ok(demo, "tasks", "--zone", "西片区", "--kind", "disinfection", "--limit", "1000")
    places = set(re.findall(r"\s(\d+栋)\s", west))
    assert places == {f"{n}栋" for n in range(8, 15)}
    grid = ok(demo, "tasks", "--zone", "第1网格", "--kind", "disinfection", "--limit", "1000")
    assert set(re.findall(r"\s(\d+栋)\s", grid)) == {"1栋", "2栋", "3栋"}


def test_tasks_today_shows_only_todays_work(demo: str) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d")
    row = re.compile(r"^\s+(\d+)\s+(?:≤ )?(\d{4}-\d{2}-\d{2})", re.MULTILINE)
    everything = row.findall(ok(demo, "tasks", "--limit", "1000"))
    todays = row.findall(ok(demo, "tasks", "--today", "--limit", "1000"))
    assert len(everything) > len(todays)
    assert sorted(todays) == sorted((i, day) for i, day in everything if day == today)


def test_task_show_prints_the_task_and_its_event_log(demo: str, db: Engine) -> None:
    with Session(db) as session:
        task_id = session.scalar(select(Task.id).where(Task.status == TaskStatus.FULL).order_by(Task.id))
        free = session.scalar(
            select(Task.id).where(Task.kind == "delivery", Task.household_id.is_not(None)).order_by(Task.id)
        )
    shown = ok(demo, "task", "show", str(task_id))
    assert f"Task #{task_id}: " in shown and "门岗防控组" in shown
    log = shown[shown.index("Event log") :]
    assert "task_created" in log and "system (recurrence)" in log
    assert log.count("assigned") == 2 and "system (seed)" in log
    # When the operator assigns someone, the log says who did it and to whom
    with Session(db) as session:
        name = session.scalar(select(Person.name).order_by(Person.id.desc()).limit(1))
    assert name and "Assigned task" in ok(demo, "task", "assign", str(free), name)
    log = ok(demo, "task", "show", str(free))
    assert re.search(rf"assigned\s+system \(cli\)\s+{name}", log)
    assert re.search(r"contact\s+\S+ \+861\d{10}", log)  # the operator reads private details


def test_invite_create_prints_a_code_that_can_be_redeemed(demo: str, db: Engine) -> None:
    # When the operator creates an invite for the emergency team
    shown = ok(demo, "invite", "create", "--team", "应急组", "--role", "captain", "--uses", "2")
    code = re.search(r"Invite code: ([A-Z2-9]{8})", shown)
    assert code is not None and "For a captain (应急组); 2 uses" in shown
    assert code.group(1) in ok(demo, "invite", "list")
    # Then a chat user who sends that code joins the team as its captain
    with Session(db) as session:  # closed without commit: rolled back
        joined = redeem_invite(
            session=session, channel="telegram", code=code.group(1), external_id="9001", display_name="小周"
        )
        role = session.scalar(
            select(Membership.role)
            .join(Team, Team.id == Membership.team_id)
            .where(Membership.person_id == joined.person.id, Team.name == "应急组")
        )
    assert role == TeamRole.CAPTAIN and joined.new_person


BAD_VALUES = [
    ("tasks --limit abc", "--limit"),
    ("tasks --limit 0", "--limit"),
    ("tasks --status finished", "--status"),
    ("tasks --kind knitting", "Unknown kind of work"),
    ("tasks --team Nobody", "There is no team"),
    ("tasks --zone Atlantis", "There is no zone or grid"),
    ("tasks --community elsewhere", "There is no community"),
    ("task show abc", "task_id"),
    ("task show 987654", "There is no task #987654"),
    ("task create --kind delivery --title Rice --due soon", "is not a time"),
    ("task create --kind delivery --title Rice --due '2020-01-01 08:00'", "already passed"),
    ("task create --kind gate_shift --title Gate", "shift work"),
    ("task create --kind delivery --title x --household 99栋-1-1", "no household"),
    ("task cancel 987654", "There is no task"),
    ("task assign 1 'Nobody Here'", "There is no person"),
    ("invite create --role emperor --team 应急组", "--role"),
    ("invite create --role volunteer", "names a team"),
    ("invite create --role volunteer --team 应急组 --uses 5000", "--uses"),
    ("community set --timezone Mars/Base", "Unknown timezone"),
    ("community set --language klingon", "Unknown language"),
    ("community set --summary-time 25:00", "is not a time"),
    ("community set", "Nothing to change"),
    ("area add 第1网格 --kind grid", "exists already"),
    ("place add Castle --kind castle", "--kind"),
    ("team add-member 应急组 'Nobody Here'", "There is no person"),
    ("template create T --kind patrol --title t --rrule FREQ=SOMETIMES --duration 60", "repeat rule"),
    ("template create T --kind patrol --title t --rrule FREQ=DAILY --starts-on someday", "is not a date"),
    ("template materialise --days -3", "--days"),
    ("template deactivate 987654", "no template"),
    ("import places no-such-file.csv", "Cannot read"),
    ("seed", "coord seed --demo"),
    ("seed --demo", "already"),
    ("launch-rockets", "No such command"),
]


@pytest.mark.parametrize(("command", "says"), BAD_VALUES, ids=[c for c, _ in BAD_VALUES])
def test_a_bad_value_gives_one_line_and_changes_nothing(
    demo: str, db: Engine, command: str, says: str
) -> None:
    before = events(db)
    message = one_line_error(coord(demo, *shlex.split(command)))
    assert says in message
    assert events(db) == before


def test_errors_are_shown_in_the_cli_language(demo: str) -> None:
    msgid = "There is no task #{task_id}. Check the number in the task list."
    result = coord(demo, "task", "show", "424242", language="zh")
    expected = translate(msgid, "zh", task_id=424242)
    assert expected != translate(msgid, "en", task_id=424242)
    assert one_line_error(result) == expected and result.exit_code == 1


def test_a_wrong_database_url_names_the_setting(tmp_path: Path) -> None:
    wrong = coord("mysql://root@localhost/coord", "tasks")
    assert "COORD_DATABASE_URL" in one_line_error(wrong) and wrong.exit_code == 2
    unreachable = coord("postgresql://postgres@127.0.0.1:1/test", "init")
    assert "COORD_DATABASE_URL" in one_line_error(unreachable) and unreachable.exit_code == 2
    nowhere = coord(f"sqlite:///{tmp_path}/missing/dir/coord.db", "init")
    assert "COORD_DATABASE_URL" in one_line_error(nowhere) and nowhere.exit_code == 2


def test_an_unexpected_failure_is_one_logged_line_in_a_real_process(tmp_path: Path) -> None:
    # Given a database that claims to be migrated but has no tables (so any query fails)
    url = f"sqlite:///{tmp_path / 'broken.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        for head in head_revisions():
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})
    engine.dispose()
    # When the real console entry point runs a command against it
    done = subprocess.run(
        [sys.executable, "-c", "from coord.entrypoints.cli import main; main()", "tasks"],
        env={"COORD_DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Then it fails with one line naming the error, and no traceback
    assert done.returncode == 1 and done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert "coord tasks failed: OperationalError" in done.stderr and "no such table" in done.stderr


def test_setting_up_a_community_by_hand(url: str) -> None:
    ok(url, "init")
    assert "Created community 邮科院社区 (ykc)" in ok(
        url, "community", "create", "邮科院社区", "--slug", "ykc"
    )
    ok(url, "area", "add", "第一片区", "--kind", "zone")
    ok(url, "area", "add", "1-1网格", "--kind", "grid", "--parent", "第一片区")
    ok(
        url,
        "place",
        "add",
        "12栋",
        "--kind",
        "building",
        "--area",
        "1-1网格",
        "--floors",
        "7",
        "--units",
        "3",
    )
    ok(url, "place", "add", "南门", "--kind", "gate", "--area", "第一片区")
    ok(url, "team", "create", "门岗防控组")
    ok(url, "person", "add", "陈队长", "--phone", "13900000001", "--team", "门岗防控组")
    ok(url, "team", "add-member", "门岗防控组", "陈队长", "--role", "captain")
    ok(url, "person", "add", "刘芳", "--skill", "medic", "--team", "门岗防控组")
    ok(url, "coordinator", "add", "刘芳")
    team = ok(url, "team", "show", "门岗防控组")
    assert re.search(r"陈队长\s+captain\s+\+8613900000001", team) and re.search(r"刘芳\s+volunteer", team)
    ok(url, "team", "remove-member", "门岗防控组", "刘芳")
    assert "刘芳" not in ok(url, "team", "show", "门岗防控组")
    assert "刘芳" in ok(url, "person", "list")
    ok(url, "community", "set", "--language", "中文", "--summary-time", "19:30")
    shown = ok(url, "community", "show")
    assert re.search(r"language\s+zh", shown) and re.search(r"daily summary\s+19:30", shown)
    assert re.search(r"buildings\s+1\b", shown) and re.search(r"people\s+2\b", shown)
    # A second community makes --community necessary
    ok(url, "community", "create", "Other Place")
    assert "several communities" in one_line_error(coord(url, "tasks"))
    assert "No tasks match." in ok(url, "tasks", "--community", "ykc")


def test_task_times_are_the_communitys_local_time(url: str) -> None:
    ok(url, "init")
    ok(url, "community", "create", "Youkeyuan", "--slug", "ykc", "--timezone", "Asia/Shanghai")
    ok(url, "place", "add", "南门", "--kind", "gate")
    made = ok(url, "task", "create", "--kind", "gate_shift", "--title", "Gate", "--place", "南门",
              "--start", "2030-03-02 08:00", "--end", "12:00", "--capacity", "2")  # fmt: skip
    task_id = re.search(r"#(\d+)", made)
    assert task_id is not None
    engine = make_engine(url)
    with Session(engine) as session:
        task = session.get(Task, int(task_id.group(1)))
        assert task is not None
        assert (task.starts_at, task.ends_at) == (
            datetime(2030, 3, 2, 0, 0, tzinfo=UTC),
            datetime(2030, 3, 2, 4, 0, tzinfo=UTC),
        )
    engine.dispose()
    assert "2030-03-02 08:00–12:00" in ok(url, "task", "show", task_id.group(1))
    assert "Cancelled task" in ok(url, "task", "cancel", task_id.group(1), "--reason", "snow")
    assert "can no longer be cancelled" in one_line_error(coord(url, "task", "cancel", task_id.group(1)))


def test_templates_and_imports_from_the_cli(url: str, tmp_path: Path) -> None:
    ok(url, "init")
    ok(url, "community", "create", "Youkeyuan", "--slug", "ykc")
    places = tmp_path / "places.csv"
    places.write_text("\ufeff名称,类型\n南门,卡口\n1栋,楼栋\n", encoding="utf-8")
    assert "2 rows read: 2 created, 0 updated." in ok(url, "import", "places", str(places))
    bad = tmp_path / "bad.csv"
    bad.write_text("name,kind\nA,castle\nB,castle\n", encoding="utf-8")
    failed = coord(url, "import", "places", str(bad))
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    assert [line.split(":")[0].strip() for line in failed.stderr.splitlines()[1:]] == ["line 2", "line 3"]
    made = ok(url, "template", "create", "南门值守", "--kind", "gate_shift", "--title", "{place} {time}",
              "--rrule", "FREQ=DAILY;BYHOUR=8,16;BYMINUTE=0", "--duration", "480", "--capacity", "2",
              "--place", "南门", "--starts-on", "today")  # fmt: skip
    assert "Created template #1" in made
    assert re.search(r"南门值守\s+gate_shift", ok(url, "template", "list"))
    assert re.search(r"Tasks made for the next 7 days: 1[3-4]\.", ok(url, "template", "materialise"))
    assert re.search(r"Tasks made for the next \d+ days?: 0\.", ok(url, "template", "materialise", "1"))
    ok(url, "template", "deactivate", "1")
    assert "No templates yet" in ok(url, "template", "list")
    assert "南门值守" in ok(url, "template", "list", "--all")


def test_local_times_parse_and_show() -> None:
    now = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # already 04:00 on 3 March in Shanghai
    zone = "Asia/Shanghai"
    assert parse_local_time("08:00", timezone=zone, now=now) == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert parse_local_time("2026-03-02 08:00", timezone=zone, now=now) == datetime(
        2026, 3, 2, 0, 0, tzinfo=UTC
    )
    assert parse_day("tomorrow", timezone=zone, now=now).isoformat() == "2026-03-04"
    with pytest.raises(InvalidInput, match="not a time"):
        parse_local_time("8 o'clock", timezone=zone, now=now)
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert show_window(start, start + timedelta(hours=4), None, zone) == "2026-03-02 08:00–12:00"
    assert show_window(None, None, start, zone) == "≤ 2026-03-02 08:00"
