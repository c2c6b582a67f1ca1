"""Buttons typed as commands, replies as HTML, and what a Matrix message says (no homeserver needed)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from nio import RoomMessageText
from sqlalchemy.orm import Session, sessionmaker

from bots.matrix.incoming import addressed_to_bot, message_text
from bots.matrix.markup import notice, typed_command
from bots.matrix.memory import BotMemory
from bots.matrix.run import hand_over_old_rooms
from coord import payloads
from coord.chat import ChatNoteKind, ChatStore
from coord.chat.parse import parse, parse_payload

ids = st.integers(min_value=1, max_value=2**31 - 1)


def every_payload(a: int, b: int, c: int) -> list[str]:
    return [
        payloads.claim(a),
        payloads.card(a),
        payloads.check_in(a),
        payloads.done(a),
        payloads.release(a),
        payloads.cannot_complete(a),
        payloads.reassign(a),
        payloads.reassign(a, from_person=c),
        payloads.reassign(a, b),
        payloads.reassign(a, b, c),
        payloads.decline(a),
        payloads.no_show(a, b),
        payloads.cancel(a),
        payloads.page(a),
        payloads.page(a, "gate_shift", b, "today"),
        payloads.language("zh"),
        payloads.health(True),
        payloads.health(False),
        payloads.board(),
        payloads.board(b),
        payloads.invite("volunteer", b),
        payloads.invite("captain", b),
        payloads.MY,
        payloads.STOP,
        payloads.HELP,
        payloads.TEAMS,
    ]


@given(ids, ids, ids)
def test_every_button_typed_as_shown_is_the_same_command(a: int, b: int, c: int) -> None:
    for payload in every_payload(a, b, c):
        typed = typed_command(payload)
        assert typed is not None and typed.startswith("!"), payload
        pressed, written = parse_payload(payload), parse(typed)
        assert (written.name, written.args, dict(written.options)) == (
            pressed.name,
            pressed.args,
            dict(pressed.options),
        ), (payload, typed)
        assert written.addressed  # so it works in a room too


def test_an_answer_button_is_typed_as_the_answer_and_a_foreign_payload_has_no_typed_form() -> None:
    assert typed_command(payloads.answer("yes")) == "yes"
    assert typed_command(payloads.answer("-")) == "-"
    assert typed_command("zz:9") is None


def test_a_notice_escapes_what_people_wrote_and_lists_the_commands() -> None:
    content = notice("Task “<b>Rice</b>” & more\nline two", [[("Claim", "c:12"), ("Help", "?")]])
    assert content["msgtype"] == "m.notice"
    assert content["body"].startswith("Task “<b>Rice</b>” & more\nline two")
    assert "▸ Claim: !claim 12" in content["body"]
    html = content["formatted_body"]
    assert "Task “&lt;b&gt;Rice&lt;/b&gt;” &amp; more<br>line two" in html
    assert "<li>Claim: <code>!claim 12</code></li><li>Help: <code>!help</code></li>" in html


def test_a_mention_of_the_bot_reads_as_the_prefix() -> None:
    names = ["@coord:example.org", "coord", "Coord Bot"]
    assert addressed_to_bot("coord: claim 12", names) == "!claim 12"
    assert addressed_to_bot("@coord:example.org claim 12", names) == "!claim 12"
    assert addressed_to_bot("Coord Bot, /tasks", names) == "/tasks"
    assert addressed_to_bot("coordinated effort today", names) == "coordinated effort today"
    assert addressed_to_bot("claim 12", names) == "claim 12"


def test_a_reply_is_read_without_the_quoted_message() -> None:
    event = RoomMessageText.from_dict(
        {
            "type": "m.room.message",
            "event_id": "$1",
            "sender": "@a:localhost",
            "origin_server_ts": 1,
            "content": {
                "msgtype": "m.text",
                "body": "> <@coord:localhost> Task #12 is open\n> Claim: !claim 12\n\nclaim 12",
                "m.relates_to": {"m.in_reply_to": {"event_id": "$0"}},
            },
        }
    )
    assert message_text(event) == "claim 12"


def test_the_bot_memory_survives_a_restart(tmp_path: Path) -> None:
    memory = BotMemory(tmp_path)
    memory.save_sync_token("s1_2_3")
    again = BotMemory(tmp_path)
    assert again.sync_token == "s1_2_3"
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary files behind


def test_rooms_kept_by_an_older_version_move_into_the_database(tmp_path: Path, session: Session) -> None:
    # Given the rooms.json an older version kept beside its sync token
    rooms = {"direct": ["!dm:x"], "told": ["!room:x @stranger:x"], "encrypted_warned": ["!secret:x"]}
    (tmp_path / "rooms.json").write_text(json.dumps(rooms), encoding="utf-8")
    store = ChatStore(sessionmaker(bind=session.connection(), join_transaction_mode="create_savepoint"))
    # When the bot starts
    hand_over_old_rooms(BotMemory(tmp_path), store)
    # Then the database knows them, and the file is kept aside, never read again
    assert store.noted("matrix", "!dm:x", ChatNoteKind.DIRECT)
    assert store.noted("matrix", "!room:x", ChatNoteKind.STRANGER_TOLD, "@stranger:x")
    assert not store.noted("matrix", "!room:x", ChatNoteKind.STRANGER_TOLD, "@other:x")
    assert store.noted("matrix", "!secret:x", ChatNoteKind.ENCRYPTED_TOLD)
    assert not store.noted("matrix", "!room:x", ChatNoteKind.DIRECT)
    assert not (tmp_path / "rooms.json").exists() and (tmp_path / "rooms.json.imported").exists()
    hand_over_old_rooms(BotMemory(tmp_path), store)  # a second start has nothing to move
