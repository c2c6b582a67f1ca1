"""Buttons as the core stores them (an action with arguments) and the payloads written for them."""

from __future__ import annotations

import pytest

from coord import payloads
from coord.chat.parse import parse_payload

ACTIONS = [
    ("claim", {"task_id": 12}, "c:12", ("claim", ("12",), {})),
    ("task", {"task_id": 12}, "t:12", ("task", ("12",), {})),
    ("checkin", {"task_id": 12}, "i:12", ("checkin", ("12",), {})),
    ("done", {"task_id": 12}, "d:12", ("done", ("12",), {})),
    ("release", {"task_id": 12}, "rl:12", ("release", ("12",), {})),
    ("cantdo", {"task_id": 12}, "x:12", ("cantdo", ("12",), {})),
    ("decline", {"task_id": 12}, "dc:12", ("decline", ("12",), {})),
    ("cancel", {"task_id": 12}, "k:12", ("cancel", ("12",), {})),
    ("reassign", {"task_id": 12}, "r:12", ("reassign", ("12",), {})),
    ("reassign", {"task_id": 12, "from_person": 56}, "rf:12:56", ("reassign", ("12",), {"from": "56"})),
    ("reassign", {"task_id": 12, "to_person": 34}, "ra:12:34", ("reassign", ("12", "34"), {})),
    ("noshow", {"task_id": 12, "person_id": 34}, "ns:12:34", ("noshow", ("12", "34"), {})),
    (
        "tasks",
        {"number": 2, "kind": "delivery"},
        "p:2:delivery",
        ("tasks", (), {"page": "2", "kind": "delivery"}),
    ),
    ("board", {}, "b", ("board", (), {})),
    ("board", {"team_id": 3}, "b:3", ("board", ("3",), {})),
    ("language", {"code": "zh"}, "l:zh", ("language", ("zh",), {})),
    ("health", {"healthy": False}, "h:n", ("health", ("no",), {})),
    ("invite", {"role": "volunteer", "team_id": 3}, "iv:v:3", ("invite", ("volunteer", "3"), {})),
    ("answer", {"value": "yes"}, "v:yes", ("answer", ("yes",), {})),
    ("my", {}, "m", ("my", (), {})),
    ("today", {}, "td", ("today", (), {})),
    ("help", {}, "?", ("help", (), {})),
]


@pytest.mark.parametrize(("action", "args", "payload", "decoded"), ACTIONS)
def test_an_action_is_written_and_read_back_as_the_same_command(
    action: str, args: dict[str, object], payload: str, decoded: tuple[object, ...]
) -> None:
    assert payloads.encode(action, **args) == payload
    assert payloads.decode(payload) == decoded
    command = parse_payload(payload)
    assert (command.name, command.args, dict(command.options)) == decoded


def test_a_stored_button_carries_its_action_and_its_payload_is_written_at_delivery() -> None:
    stored = payloads.button("Reassign {name}", "reassign", params={"name": "Li"}, task_id=12, from_person=56)
    assert stored == {
        "label": "Reassign {name}",
        "action": "reassign",
        "task_id": 12,
        "from_person": 56,
        "params": {"name": "Li"},
    }
    assert payloads.payload_of(stored) == "rf:12:56"


def test_a_button_stored_by_an_older_version_keeps_its_payload() -> None:
    assert payloads.payload_of({"label": "Decline", "payload": "dc:12"}) == "dc:12"


def test_a_button_with_an_unknown_action_is_refused_when_it_is_made() -> None:
    with pytest.raises(KeyError):
        payloads.button("Fly", "fly", task_id=1)
    with pytest.raises(TypeError):
        payloads.button("Claim", "claim", person_id=1)
