"""Button payloads: the short strings (at most 64 bytes) pressed buttons send back, written and read here.

The core means a button as an action (the command it runs) with arguments: the chat layer builds its
buttons with the encoders below; a service stores a button on an outbox notification as
``button(label, action, **args)`` (``{"label": ..., "action": "decline", "task_id": 12}``), and delivery
writes its payload with ``payload_of``. The chat layer reads a pressed payload back with ``decode``.

- ``c:12`` claim 12, ``t:12`` its card, ``i:12`` check in, ``d:12`` done, ``rl:12`` release,
  ``x:12`` can't complete, ``k:12`` cancel, ``dc:12`` decline work the roster gave you, ``pl:12:5`` task 12
  is at place 5;
- ``r:12`` reassign (choose a person), ``rf:12:56`` reassign away from 56, ``ra:12:34`` reassign to 34
  (``ra:12:34:56`` from 56, ``ra:12:34:0`` into an open place), ``rp:12:56:2`` page 2 of the people who
  could take 56's place (``rp:12:0:2`` the open place's), ``ns:12:34`` 34 did not show,
  ``df:12:34`` record 34's part of 12 done for them;
- ``p:2`` page 2 of the task list (``p:2:kind:zone:when``), ``m`` my tasks, ``b`` / ``b:3`` board,
  ``tm`` teams, ``td`` today's figures, ``e`` / ``e:2`` escalations (page 2), ``n`` new task;
- ``l:zh`` language, ``h:y`` / ``h:n`` health, ``iv:v:3`` invite a volunteer to team 3, ``lk:3`` link
  the chat to team 3 (in a direct chat: a link code for it);
- ``w`` / ``w:red`` the watch list (of a colour), ``hh:12`` household 12;
- ``v:...`` an answer in a guided conversation, ``s`` stop, ``?`` help.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

MAX_BYTES = 64

_SINGLE_ID = {
    "c": "claim",
    "t": "task",
    "i": "checkin",
    "d": "done",
    "rl": "release",
    "x": "cantdo",
    "r": "reassign",
    "k": "cancel",
    "dc": "decline",
    "e": "escalations",  # e:2, page 2 of the escalations
    "lk": "link",
}
_BARE = {
    "b": "board",
    "m": "my",
    "s": "stop",
    "?": "help",
    "tm": "teams",
    "e": "escalations",
    "td": "today",
    "n": "new",
}
_NUMBER = re.compile(r"\d{1,12}", re.ASCII)
_WORD = re.compile(r"[a-z_]{1,24}", re.ASCII)


def claim(task_id: int) -> str:
    return f"c:{task_id}"


def card(task_id: int) -> str:
    return f"t:{task_id}"


def check_in(task_id: int) -> str:
    return f"i:{task_id}"


def done(task_id: int) -> str:
    return f"d:{task_id}"


def release(task_id: int) -> str:
    return f"rl:{task_id}"


def cannot_complete(task_id: int) -> str:
    return f"x:{task_id}"


OPEN_PLACE = "0"
"""The ``from`` of a reassignment that fills an open place instead of replacing someone."""


def reassign(task_id: int, to_person: int | None = None, from_person: int | None = None) -> str:
    if to_person is None:
        return f"r:{task_id}" if from_person is None else f"rf:{task_id}:{from_person}"
    return f"ra:{task_id}:{to_person}" + (f":{from_person}" if from_person is not None else "")


def reassign_page(task_id: int, from_person: int, page: int) -> str:
    return f"rp:{task_id}:{from_person}:{page}"


def decline(task_id: int) -> str:
    return f"dc:{task_id}"


def no_show(task_id: int, person_id: int) -> str:
    return f"ns:{task_id}:{person_id}"


def done_for(task_id: int, person_id: int) -> str:
    return f"df:{task_id}:{person_id}"


def cancel(task_id: int) -> str:
    return f"k:{task_id}"


def page(number: int, kind: str = "", zone_id: int | None = None, when: str = "") -> str:
    parts = [str(number), kind, str(zone_id) if zone_id else "", when]
    while parts and not parts[-1]:
        parts.pop()
    return "p:" + ":".join(parts)


def place(task_id: int, place_id: int) -> str:
    return f"pl:{task_id}:{place_id}"


def escalations(page: int = 1) -> str:
    return "e" if page <= 1 else f"e:{page}"


def language(code: str) -> str:
    return f"l:{code}"


def health(healthy: bool) -> str:
    return "h:y" if healthy else "h:n"


def board(team_id: int | None = None) -> str:
    return "b" if team_id is None else f"b:{team_id}"


def invite(role: str, team_id: int) -> str:
    return f"iv:{role[:1]}:{team_id}"


def link(team_id: int) -> str:
    return f"lk:{team_id}"


def answer(value: str) -> str:
    return f"v:{value}"[:MAX_BYTES]


def watch(colour: str = "") -> str:
    return f"w:{colour}" if colour else "w"


def household(household_id: int) -> str:
    return f"hh:{household_id}"


MY = "m"
STOP = "s"
HELP = "?"
TEAMS = "tm"
TODAY = "td"
ESCALATIONS = "e"
NEW = "n"

#: How each action's payload is written, by the action's name (the command the button runs).
ENCODERS: dict[str, Callable[..., str]] = {
    **{name: (lambda code=code: code) for code, name in _BARE.items()},
    "claim": claim,
    "task": card,
    "checkin": check_in,
    "done": done,
    "release": release,
    "cantdo": cannot_complete,
    "decline": decline,
    "cancel": cancel,
    "reassign": reassign,
    "noshow": no_show,
    "place": place,
    "donefor": done_for,
    "tasks": page,
    "language": language,
    "health": health,
    "board": board,
    "invite": invite,
    "link": link,
    "answer": answer,
    "watch": watch,
    "household": household,
}


def encode(action: str, **args: Any) -> str:
    """The payload of ``action`` with its arguments: ``encode("decline", task_id=12) == "dc:12"``."""
    return ENCODERS[action](**args)


def button(
    label: str, action: str, *, params: Mapping[str, Any] | None = None, **args: Any
) -> dict[str, Any]:
    """A button as a service stores it on an outbox notification: a label message id (``params`` fill it),
    the action and its arguments. The payload is written when it is delivered (``payload_of``)."""
    encode(action, **args)  # refuses an unknown action or arguments now, not at delivery
    stored: dict[str, Any] = {"label": label, "action": action, **args}
    if params:
        stored["params"] = dict(params)
    return stored


def payload_of(stored: Mapping[str, Any]) -> str:
    """The payload of a stored button; one stored before buttons had actions (``{"payload": "dc:12"}``, in a
    notification written by an older version) keeps its own."""
    if "action" not in stored:
        return str(stored["payload"])
    args = {key: value for key, value in stored.items() if key not in _NOT_ARGUMENTS}
    return encode(str(stored["action"]), **args)


_NOT_ARGUMENTS = frozenset({"label", "params", "action"})


def decode(payload: str) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    """``(command, args, options)`` for a payload, or None when it is not one of ours."""
    head, _, tail = payload.partition(":")
    parts = tail.split(":") if tail else []
    if head in _BARE and not tail:
        return _BARE[head], (), {}
    if head in _SINGLE_ID and len(parts) == 1 and _NUMBER.fullmatch(parts[0]):
        return _SINGLE_ID[head], (parts[0],), {}
    if head == "v" and tail:
        return "answer", (tail,), {}
    decoders = {"ra": _reassign, "ns": _no_show, "p": _page, "l": _language, "h": _health, "b": _board}
    decoders["iv"] = _invite
    decoders["rf"] = _reassign_from
    decoders["rp"] = _reassign_page
    decoders["pl"] = _place
    decoders["w"] = _watch
    decoders["hh"] = _household
    decoders["df"] = _done_for
    decoder = decoders.get(head)
    return decoder(parts) if decoder else None


def _watch(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    colours = ("red", "yellow", "blue", "green")
    return ("watch", tuple(parts), {}) if not parts or (len(parts) == 1 and parts[0] in colours) else None


def _household(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("household", (), {"id": parts[0]}) if _ids(parts, 1, 1) else None


def _ids(parts: list[str], low: int, high: int) -> bool:
    return low <= len(parts) <= high and all(_NUMBER.fullmatch(p) for p in parts)


def _reassign(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    if not _ids(parts, 2, 3):
        return None
    options = {"from": parts[2]} if len(parts) == 3 else {}
    return "reassign", (parts[0], parts[1]), options


def _reassign_from(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("reassign", (parts[0],), {"from": parts[1]}) if _ids(parts, 2, 2) else None


def _reassign_page(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("reassign", (parts[0],), {"from": parts[1], "page": parts[2]}) if _ids(parts, 3, 3) else None


def _place(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("place", (parts[0], f"#{parts[1]}"), {}) if _ids(parts, 2, 2) else None


def _no_show(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("noshow", (parts[0], parts[1]), {}) if _ids(parts, 2, 2) else None


def _done_for(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("donefor", (parts[0], parts[1]), {}) if _ids(parts, 2, 2) else None


def _page(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    if not 1 <= len(parts) <= 4 or not _NUMBER.fullmatch(parts[0]):
        return None
    page_no, kind, zone, when = [*parts, "", "", ""][:4]
    if (kind and not _WORD.fullmatch(kind)) or (zone and not _NUMBER.fullmatch(zone)):
        return None
    if when not in ("", "today", "now"):
        return None
    options = {"page": page_no, "kind": kind, "zone_id": zone, "when": when}
    return "tasks", (), {k: v for k, v in options.items() if v}


def _language(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("language", (parts[0],), {}) if len(parts) == 1 and parts[0] in ("en", "zh") else None


def _health(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("health", ({"y": "yes", "n": "no"}[parts[0]],), {}) if parts in (["y"], ["n"]) else None


def _board(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    return ("board", (parts[0],), {}) if _ids(parts, 1, 1) else None


def _invite(parts: list[str]) -> tuple[str, tuple[str, ...], dict[str, str]] | None:
    roles = {"v": "volunteer", "c": "captain"}
    if len(parts) != 2 or parts[0] not in roles or not _NUMBER.fullmatch(parts[1]):
        return None
    return "invite", (roles[parts[0]], parts[1]), {}
