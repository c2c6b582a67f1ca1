"""Reading what people type and press (no database)."""

from __future__ import annotations

import pytest

from coord import payloads
from coord.chat.parse import clean, parse, parse_payload, task_id
from coord.chat.port import MAX_PAYLOAD_BYTES, Button


@pytest.mark.parametrize(
    ("text", "name", "args"),
    [
        ("/claim 12", "claim", ("12",)),
        ("claim 12", "claim", ("12",)),
        ("!claim 12", "claim", ("12",)),
        ("/claim@coord_bot 12", "claim", ("12",)),
        ("CLAIM #12", "claim", ("#12",)),
        ("认领 12", "claim", ("12",)),
        ("认领12", "claim", ("12",)),
        ("认领１２", "claim", ("12",)),  # full-width digits from a Chinese keyboard
        ("签到 7", "checkin", ("7",)),
        ("完成 7", "done", ("7",)),
        ("改派 7", "reassign", ("7",)),
        ("任务", "tasks", ()),
        ("任务 12", "task", ("12",)),
        ("task", "tasks", ()),
        ("tasks today gate", "tasks", ("today", "gate")),
        ("我的", "my", ()),
        ("帮助", "help", ()),
        ("语言 中文", "language", ("中文",)),
        ("cancel 12 rain", "cancel", ("12", "rain")),
        ("cancel", "stop", ()),
        ("取消", "stop", ()),
        ("停止", "stop", ()),
        ("/start ABCD2345", "start", ("ABCD2345",)),
        ("无法完成 3 生病了", "cantdo", ("3", "生病了")),
    ],
)
def test_commands_in_english_and_chinese(text: str, name: str, args: tuple[str, ...]) -> None:
    command = parse(text)
    assert (command.name, command.args) == (name, args)


def test_options_and_the_rest_of_the_line() -> None:
    command = parse("done 12 households=25 items=40 left at the door")
    assert command.options == {"households": "25", "items": "40"}
    assert command.args == ("12", "left", "at", "the", "door")
    release = parse("release 12 my mother is ill")
    assert release.rest == "12 my mother is ill"


def test_explicit_prefix_is_remembered() -> None:
    assert parse("/my").explicit and parse("!my").explicit
    assert not parse("my").explicit
    assert parse("hello there").name == "unknown" and not parse("hello there").known
    assert parse("   ").name == "empty" and parse(None).name == "empty"
    assert parse("/").name == "unknown"


def test_clean_removes_control_characters_and_caps_length() -> None:
    assert clean("a\x00b\u200bc\x07") == "abc"
    assert clean("x" * 10_000) == "x" * 4000
    assert clean("line one\nline two") == "line one\nline two"


@pytest.mark.parametrize(
    ("payload", "name", "args", "options"),
    [
        (payloads.claim(12), "claim", ("12",), {}),
        (payloads.card(12), "task", ("12",), {}),
        (payloads.check_in(12), "checkin", ("12",), {}),
        (payloads.done(12), "done", ("12",), {}),
        (payloads.release(12), "release", ("12",), {}),
        (payloads.cannot_complete(12), "cantdo", ("12",), {}),
        (payloads.cancel(12), "cancel", ("12",), {}),
        (payloads.reassign(12), "reassign", ("12",), {}),
        (payloads.reassign(12, to_person=34), "reassign", ("12", "34"), {}),
        (payloads.reassign(12, to_person=34, from_person=56), "reassign", ("12", "34"), {"from": "56"}),
        (payloads.reassign(12, from_person=56), "reassign", ("12",), {"from": "56"}),
        (payloads.no_show(12, 34), "noshow", ("12", "34"), {}),
        (payloads.page(2), "tasks", (), {"page": "2"}),
        (
            payloads.page(3, "gate_shift", 7, "today"),
            "tasks",
            (),
            {"page": "3", "kind": "gate_shift", "zone_id": "7", "when": "today"},
        ),
        (payloads.language("zh"), "language", ("zh",), {}),
        (payloads.health(True), "health", ("yes",), {}),
        (payloads.board(), "board", (), {}),
        (payloads.board(3), "board", ("3",), {}),
        (payloads.invite("volunteer", 3), "invite", ("volunteer", "3"), {}),
        (payloads.answer("25"), "answer", ("25",), {}),
        (payloads.MY, "my", (), {}),
        (payloads.STOP, "stop", (), {}),
        (payloads.HELP, "help", (), {}),
    ],
)
def test_every_payload_reads_back(payload: str, name: str, args: tuple, options: dict) -> None:
    command = parse_payload(payload)
    assert (command.name, command.args, dict(command.options)) == (name, args, options)
    assert command.button and command.explicit


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "c:",
        "c:x",
        "c:1:2",
        "ra:1",
        "ra:1:x",
        "p:x",
        "p:1:k:z",
        "p:1:gate:2:yesterday",
        "l:fr",
        "h:maybe",
        "zz",
        "iv:x:1",
        "c:" + "9" * 40,
    ],
)
def test_damaged_payloads_are_unknown(payload: str) -> None:
    assert parse_payload(payload).name == "unknown"


def test_payloads_fit_telegram_even_for_the_largest_ids() -> None:
    big = 2**31 - 1
    for payload in (
        payloads.reassign(big, big, big),
        payloads.page(9999, "checkin_call", big, "today"),
        payloads.no_show(big, big),
    ):
        assert len(payload.encode()) <= MAX_PAYLOAD_BYTES
        Button("label", payload)


def test_a_button_refuses_a_payload_over_64_bytes() -> None:
    with pytest.raises(ValueError, match="64"):
        Button("label", "认" * 22)  # 66 bytes in UTF-8
    with pytest.raises(ValueError):
        Button("label", "")


@pytest.mark.parametrize(
    ("word", "number"),
    [
        ("12", 12),
        ("#12", 12),
        (" 7 ", 7),
        ("0", None),
        ("-3", None),
        ("1e3", None),
        ("99999999999", None),
        ("", None),
        (None, None),
    ],
)
def test_task_numbers(word: str | None, number: int | None) -> None:
    assert task_id(word) == number
