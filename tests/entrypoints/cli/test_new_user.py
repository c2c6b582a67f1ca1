"""What a new user meets first on the command line (issue 15 §8): the README's examples work, CSV headers
are documented and Chinese ones accepted, options are uniform, bad values are refused in words, and a
Chinese listing is Chinese."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import get_args, get_type_hints

import pytest
import typer
from typer.testing import CliRunner, Result

import coord
from coord.entrypoints.cli import app
from tests.conftest import FreshDatabase

runner = CliRunner()
README = Path(coord.__file__).parent.parent / "README.md"


def coord_cli(url: str, *args: str, language: str = "en") -> Result:
    env = {"COORD_DATABASE_URL": url, "COORD_LANGUAGE": language, "COLUMNS": "220"}
    return runner.invoke(app, list(args), env=env)


def ok(url: str, *args: str, language: str = "en") -> str:
    result = coord_cli(url, *args, language=language)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def one_line_error(result: Result) -> str:
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def demo(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    fresh = FreshDatabase(database_kind, tmp_path_factory.mktemp("newuser"))
    address = fresh.url()
    ok(address, "init")
    ok(address, "seed", "--demo")
    yield address
    fresh.close()


def test_the_readme_template_example_runs(demo: str) -> None:
    example = re.search(r"`coord (template create [^`]+)`", README.read_text(encoding="utf-8"))
    assert example, "the README shows how to create a template"
    made = ok(demo, *shlex.split(example.group(1)))
    assert re.search(r"Created template #\d+: 南门值守", made)


def test_chinese_csv_headers_are_accepted_and_every_column_is_documented(demo: str, tmp_path: Path) -> None:
    # Given a household list as a community office writes it
    homes = tmp_path / "households.csv"
    homes.write_text("楼号,单元,门牌号,户主,手机号\n1栋,1,9901,王芳,13900000001\n", encoding="utf-8")
    # Then it is imported
    assert "1 row read: 1 created" in ok(demo, "import", "households", str(homes))
    assert "王芳" in ok(demo, "household", "show", "1栋-1-9901")
    # And a header it does not know is named with every accepted one, Chinese too
    bad = tmp_path / "bad.csv"
    bad.write_text("楼号,房间,户主\n1栋,102,李明\n", encoding="utf-8")
    failed = coord_cli(demo, "import", "households", str(bad))
    assert failed.exit_code == 1
    assert "Unknown column “房间”" in failed.stderr
    assert "room/房号/门牌号" in failed.stderr and "phone/电话/手机号" in failed.stderr
    # And --help lists the columns
    for kind, columns in (
        ("households", ("building/楼栋/楼号", "room/房号/门牌号", "contact_name/联系人/户主", "手机号")),
        ("people", ("name/姓名", "phone/电话/手机号", "team/队伍", "role/角色")),
        ("places", ("name/名称", "kind/类型", "zone/片区", "grid/网格")),
    ):
        shown = " ".join(ok(demo, "import", kind, "--help").split())
        assert "Columns" in shown and all(c in shown for c in columns), shown


def _community_options() -> dict[str, tuple[str, ...]]:
    """Every command that takes a community, with the option's names."""
    found: dict[str, tuple[str, ...]] = {}

    def walk(group: typer.Typer, path: str) -> None:
        for command in group.registered_commands:
            callback = command.callback
            assert callback is not None
            name = f"{path} {command.name or callback.__name__}".strip()
            annotation = get_type_hints(callback, include_extras=True).get("community")
            if annotation is not None:
                info = next(a for a in get_args(annotation) if isinstance(a, typer.models.OptionInfo))
                found[name] = (info.default if isinstance(info.default, str) else "", *info.param_decls)
        for sub in group.registered_groups:
            assert sub.typer_instance is not None
            walk(sub.typer_instance, f"{path} {sub.name}")

    walk(app, "")
    return found


def test_every_command_inside_a_community_takes_community_and_c(demo: str) -> None:
    options = _community_options()
    for command in ("task show", "task cancel", "task assign", "task done", "template deactivate"):
        assert command in options, f"{command} takes no --community"
    for command in ("chat", "report daily", "tasks", "household show"):
        assert command in options
    assert {name: set(decls) >= {"--community", "-c"} for name, decls in options.items()} == {
        name: True for name in options
    }
    # And it works: a task of the demo community is shown with -c, and unknown with a wrong community
    shown = ok(demo, "task", "show", "1", "-c", "wanke-jiayuan")
    assert shown.startswith("Task #1:")
    assert "There is no community" in one_line_error(coord_cli(demo, "task", "show", "1", "-c", "nowhere"))


def test_an_unknown_language_is_refused_with_the_known_ones(demo: str) -> None:
    for args in (("chat", "--as", "1", "--lang", "fr"), ("report", "daily", "--lang", "fr")):
        line = one_line_error(coord_cli(demo, *args))
        assert "Unknown language “fr”" in line and "en (English), zh (简体中文)" in line


def test_an_unwritable_report_file_is_said_in_words(demo: str, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "folder" / "report.csv"
    line = one_line_error(coord_cli(demo, "report", "daily", "--format", "csv", "-o", str(target)))
    assert line.startswith("Cannot write") and str(target) in line and "FileNotFoundError" not in line


def test_zones_and_grids_by_number_and_no_grid_without_a_zone(demo: str) -> None:
    by_name = ok(demo, "tasks", "--zone", "西片区", "--limit", "1000")
    assert ok(demo, "tasks", "--zone", "zone 2", "--limit", "1000") == by_name
    assert ok(demo, "tasks", "--zone", "片区 2", "--limit", "1000") == by_name
    assert ok(demo, "tasks", "--zone", "网格1", "--limit", "1000") == ok(
        demo, "tasks", "--zone", "第1网格", "--limit", "1000"
    )
    line = one_line_error(coord_cli(demo, "area", "add", "第9网格", "--kind", "grid"))
    assert "A grid sits inside a zone" in line
    assert "Added" in ok(demo, "area", "add", "第9网格", "--kind", "grid", "--parent", "东片区")


def test_chinese_task_lists_have_no_english_left(demo: str) -> None:
    listing = ok(demo, "tasks", "--limit", "1000", language="zh")
    assert "卡口值守" in listing and "待认领" in listing
    assert not re.search(r"gate_shift|disinfection|delivery|purchase|\bopen\b|\bfull\b", listing), listing
    shown = ok(demo, "task", "show", "1", language="zh")
    fields = shown[: shown.index("事件记录")]  # the event log below is the audit record, as stored
    assert "卡口值守" in fields and "已认领" in fields
    assert not re.search(r"gate_shift|\bclaimed\b|\bopen\b|\bfull\b", fields), fields


def test_chinese_cli_lines_name_kinds_and_roles_in_chinese(demo: str) -> None:
    added = ok(demo, "area", "add", "第10网格", "--kind", "grid", "--parent", "东片区", language="zh")
    assert added.strip() == "已添加网格第10网格。"
    invite = ok(demo, "invite", "create", "--role", "volunteer", "--team", "门岗防控组", language="zh")
    assert "用于（门岗防控组）志愿者" in invite and "volunteer" not in invite
