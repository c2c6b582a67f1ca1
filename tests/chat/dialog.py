"""What a dialog table is made of: steps (who says or presses what, what the reply must or must not
contain) and dialogs. The tables themselves are in ``tests/chat/dialogs.py`` and its topic modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from tests.chat.scene import Scene
    from tests.factories import World


@dataclass(frozen=True)
class Step:
    who: str  # stranger, volunteer, volunteer2, helper, captain, supply_captain, coordinator
    say: str = ""  # typed text …
    press: str = ""  # … or a button payload
    # "private" (the person's direct chat with the bot), "group" (the gate team's chat) or "new_group"
    # (a group the bot is in that is no team's chat yet)
    where: str = "private"
    en: tuple[str, ...] = ()  # in the replies shown here, for an English reader
    zh: tuple[str, ...] = ()  # the same for a Chinese reader
    direct: tuple[str, ...] = ()  # in replies addressed to the person's direct chat (private details)
    never: tuple[str, ...] = ()  # never in the replies shown here (people data in a group)
    buttons: tuple[str, ...] = ()  # payloads offered
    silent: bool = False  # no reply at all (group chatter)
    after: int = 0  # minutes passing before this step
    keep: str = ""  # a regular expression whose named groups, found in the replies, fill later steps' {names}


@dataclass(frozen=True)
class Dialog:
    name: str
    steps: tuple[Step, ...]
    health_required: bool = False
    # More of the stage this table needs (a larger team, a second shift), added once the scene is built, by
    # every runner: the chat layer, Telegram and Matrix.
    setup: Callable[[Session, World, Scene], None] | None = None
