"""The Telegram gateway the delivery actor sends through: plain HTTP to the Bot API, synchronous.

It runs in Dramatiq worker threads, so it keeps no event loop: one ``httpx.Client`` (thread-safe, pooled)
posts to ``<base_url><token>/<method>``. Bot API answers are mapped to the gateway's errors: 429 →
``RateLimited(retry_after)``, network errors, timeouts and 5xx → ``TemporaryFailure``, 403 (blocked),
400 (chat not found, bad request) and 404 → ``PermanentFailure``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from typing import Any

import httpx

from coord.services.outbox.gateways import (
    Limit,
    Outbound,
    OutcomeUnknown,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
    telegram_limits,
)
from coord.settings import Settings

MAX_TEXT = 4096  # Telegram's limit on a message
MAX_CAPTION = 1024  # … and on a photo's or document's caption
REMEMBERED_SENDS = 10_000


def keyboard(rows: tuple[tuple[tuple[str, str], ...], ...] | list[list[tuple[str, str]]]) -> str | None:
    """An inline keyboard as the Bot API's JSON, or None without buttons."""
    buttons = [[{"text": label, "callback_data": payload} for label, payload in row] for row in rows if row]
    return json.dumps({"inline_keyboard": buttons}, ensure_ascii=False) if buttons else None


def split_text(text: str, size: int = MAX_TEXT) -> list[str]:
    """A long text in pieces Telegram accepts, cut at line ends where possible."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*pieces, text] if text or not pieces else pieces


class TelegramGateway:
    """Sends (and edits) messages for the delivery actor; see the module docstring for errors."""

    network = "telegram"

    def __init__(self, settings: Settings, *, timeout: float = 20.0) -> None:
        if settings.telegram_token is None:
            raise ValueError("the Telegram gateway needs COORD_TELEGRAM_TOKEN")
        token = settings.telegram_token.get_secret_value()
        self.bot_id = token.split(":", 1)[0]  # the public part of the token: names the rate limits
        self._client = httpx.Client(base_url=f"{settings.telegram_base_url}{token}/", timeout=timeout)
        self._sent: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def limits(self, message: Outbound) -> list[Limit]:
        return telegram_limits(self.bot_id, message)

    def send(self, message: Outbound) -> str:
        """Send ``message`` (or edit ``message.edit_of``); returns ``"<chat id>:<message id>"``."""
        with self._lock:
            earlier = self._sent.get(message.key) if message.key else None
        if earlier is not None:  # this process already sent it: a retry after a lost receipt
            return earlier
        reference = self._edit(message) if message.edit_of else self._send(message)
        if message.key:
            with self._lock:
                self._sent[message.key] = reference
                while len(self._sent) > REMEMBERED_SENDS:
                    self._sent.popitem(last=False)
        return reference

    def close(self) -> None:
        self._client.close()

    def _send(self, message: Outbound) -> str:
        markup = keyboard(message.buttons)
        if message.attachment is not None:
            return self._send_attachment(message, markup)
        pieces = split_text(message.text)
        result: dict[str, Any] = {}
        for number, piece in enumerate(pieces, 1):
            data = {"chat_id": message.chat_id, "text": piece}
            if markup and number == len(pieces):
                data["reply_markup"] = markup
            result = self.call("sendMessage", data)
        return f"{message.chat_id}:{result.get('message_id', '')}"

    def _send_attachment(self, message: Outbound, markup: str | None) -> str:
        attachment = message.attachment
        assert attachment is not None
        field, method = (
            ("photo", "sendPhoto") if attachment.mime == "image/png" else ("document", "sendDocument")
        )
        data = {"chat_id": message.chat_id}
        caption_fits = len(message.text) <= MAX_CAPTION
        if caption_fits and message.text:
            data["caption"] = message.text
        if markup and caption_fits:
            data["reply_markup"] = markup
        files = {field: (attachment.filename, attachment.content, attachment.mime)}
        result = self.call(method, data, files=files)
        reference = f"{message.chat_id}:{result.get('message_id', '')}"
        if not caption_fits:  # the text follows the picture as its own message
            self._send(
                Outbound(message.network, message.chat_id, message.is_group, message.text, message.buttons)
            )
        return reference

    def _edit(self, message: Outbound) -> str:
        chat_id, _, message_id = (message.edit_of or "").rpartition(":")
        data = {
            "chat_id": chat_id or message.chat_id,
            "message_id": message_id,
            "text": message.text[:MAX_TEXT],
        }
        markup = keyboard(message.buttons)
        if markup:
            data["reply_markup"] = markup
        try:
            self.call("editMessageText", data)
        except PermanentFailure as exc:
            if "not modified" not in str(exc):
                raise
        return f"{data['chat_id']}:{message_id}"

    def call(self, method: str, data: dict[str, str], *, files: dict[str, Any] | None = None) -> Any:
        """One Bot API call; the ``result`` of its answer, or the gateway error it amounts to."""
        try:
            response = self._client.post(method, data=data, files=files)
        except (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError) as exc:
            # the request went out and no answer came: Telegram may have shown the message
            raise OutcomeUnknown(f"{method}: {type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:  # connection refused, a connect or write timeout: not sent
            raise TemporaryFailure(f"{method}: {type(exc).__name__}: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code == 200 and body.get("ok"):
            return body.get("result")
        description = str(body.get("description") or response.reason_phrase)
        retry_after = (body.get("parameters") or {}).get("retry_after")
        if response.status_code == 429 or retry_after is not None:
            raise RateLimited(float(retry_after or 1), f"{method}: {description}")
        if response.status_code in (400, 403, 404):
            raise PermanentFailure(f"{method}: {response.status_code} {description}")
        raise TemporaryFailure(f"{method}: {response.status_code} {description}")


def hide_token_from_logs() -> None:
    """httpx logs every request's URL at INFO, and a Bot API URL holds the token: keep those quiet."""
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger("httpx").level))


def make_gateway(settings: Settings) -> TelegramGateway:
    hide_token_from_logs()
    return TelegramGateway(settings)
