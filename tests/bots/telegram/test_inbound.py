"""Telegram's ways of addressing a bot in a group, read into what the conversation layer's parser expects."""

from __future__ import annotations

import pytest

from bots.telegram.inbound import addressed_text
from coord.chat import parse


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("/claim 12", "/claim 12"),
        ("/claim@coord_bot 12", "/claim@coord_bot 12"),
        ("/claim@Coord_Bot 12", "/claim@Coord_Bot 12"),
        ("/claim@other_bot 12", None),
        ("@coord_bot claim 12", "/claim 12"),
        ("@Coord_bot, task 12", "/task 12"),
        ("@coord_bot", "/help"),
        ("@coord_botty claim 12", "@coord_botty claim 12"),
        ("claim 12", "claim 12"),
        ("认领12", "认领12"),
    ],
)
def test_addressing(typed: str, read: str | None) -> None:
    assert addressed_text(typed, "coord_bot") == read


def test_a_mention_makes_a_command_explicit() -> None:
    command = parse(addressed_text("@coord_bot claim 12", "coord_bot"))
    assert (command.name, command.args, command.explicit) == ("claim", ("12",), True)
    assert parse(addressed_text("/claim@coord_bot 12", "coord_bot")).args == ("12",)
