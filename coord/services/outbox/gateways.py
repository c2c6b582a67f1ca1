"""The gateway port: how a rendered notification leaves for a chat network.

A gateway sends one message to one chat (a person's direct chat or a team's group chat) and says which
rate limits the send counts against; it raises ``RateLimited`` (HTTP 429: wait ``retry_after``),
``TemporaryFailure`` (try again later), ``OutcomeUnknown`` (the request went out, no answer came: it may
have arrived) or ``PermanentFailure`` (this will never work). A gateway whose network shows a message
sent twice with the same ``Outbound.key`` once (Matrix transaction ids) says so with ``idempotent = True``.
The Telegram and Matrix gateways live with their adapters under ``bots/``; ``ConsoleGateway`` is the
embedded default without a chat network, and ``MemoryGateway`` keeps what it sends (for tests and demos).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger("coord.console")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime: str = "image/png"


@dataclass(frozen=True)
class Outbound:
    """One rendered message for one chat."""

    network: str
    chat_id: str
    is_group: bool
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()  # rows of (label, payload)
    attachment: Attachment | None = None
    key: str = ""  # stable per notification and chat: an idempotency key where the network has one
    edit_of: str | None = None  # a reference ``send`` returned earlier: edit that message instead
    private: bool = False  # carries people data (an address, a phone, health): for its reader's eyes only


@dataclass(frozen=True)
class Limit:
    """At most ``count`` sends per ``per`` seconds for everything sharing ``key``."""

    key: str
    count: int
    per: float


class GatewayError(Exception):
    """A send did not go through."""


class RateLimited(GatewayError):
    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = max(0.0, float(retry_after))


class TemporaryFailure(GatewayError):
    """The network or the chat is unavailable for now."""


class OutcomeUnknown(TemporaryFailure):
    """The request went out but no answer came back (a timeout): the message may have arrived."""


class PermanentFailure(GatewayError):
    """The message can never be delivered (the bot was blocked, the chat is gone)."""


class Gateway(Protocol):
    network: str

    def limits(self, message: Outbound) -> list[Limit]:
        """The rate limits this send counts against (shared by every process)."""
        ...

    def send(self, message: Outbound) -> str:
        """Send ``message``; return the network's reference for it."""
        ...


def telegram_limits(bot: str, message: Outbound) -> list[Limit]:
    """Telegram's published limits: about 30 messages a second per bot, 1 per chat, 20 a minute per group."""
    limits = [Limit(f"tg:{bot}", 30, 1.0), Limit(f"tg:{bot}:chat:{message.chat_id}", 1, 1.0)]
    if message.is_group:
        limits.append(Limit(f"tg:{bot}:group:{message.chat_id}", 20, 60.0))
    return limits


PRIVATE_WITHHELD = (
    "[private details withheld from the log; "
    "the person holding the task sees them with “task <number>” in the chat]"
)


class ConsoleGateway:
    """Writes every message to the log: the embedded default when no chat network is configured."""

    network = "console"

    def limits(self, message: Outbound) -> list[Limit]:
        return []

    def send(self, message: Outbound) -> str:
        where = "group" if message.is_group else "direct"
        extra = f" [+{message.attachment.filename}]" if message.attachment else ""
        # A log is read by whoever runs the service: people data never goes into it.
        text = PRIVATE_WITHHELD if message.private else message.text
        log.info("to %s %s: %s%s", where, message.chat_id, text, extra)
        return f"console:{message.key}"


class MemoryGateway:
    """Keeps every message it is given; ``fail`` may raise a ``GatewayError`` to simulate the network."""

    def __init__(
        self,
        network: str = "test",
        *,
        limits: list[Limit] | None = None,
        fail: Callable[[Outbound], None] | None = None,
    ) -> None:
        self.network = network
        self.sent: list[Outbound] = []
        self._limits = limits or []
        self._fail = fail
        self._lock = threading.Lock()

    def limits(self, message: Outbound) -> list[Limit]:
        return list(self._limits)

    def send(self, message: Outbound) -> str:
        if self._fail is not None:
            self._fail(message)
        with self._lock:
            self.sent.append(message)
            return f"{self.network}:{len(self.sent)}"
