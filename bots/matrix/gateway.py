"""The Matrix gateway the delivery actor sends notifications through: plain HTTP to the client-server API.

Called from Dramatiq worker threads, so it is synchronous (the standard library's ``urllib``) and keeps no
per-request state. A send is ``PUT /rooms/{room}/send/m.room.message/{txnId}`` with a transaction id made
from ``Outbound.key``: the homeserver answers a repeated transaction with the first event, so a retried
delivery is not shown twice. Attachments are uploaded to the media repository and sent as ``m.image`` or
``m.file``. A 429 raises ``RateLimited`` with the homeserver's ``retry_after_ms``; 403 and 404 (not in the
room, the room is gone) raise ``PermanentFailure``; connection errors and 5xx ``TemporaryFailure``. A
private message goes only to a room whose members are the person and the bot alone; a direct chat that
changed is replaced by a new one (``direct``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from bots.matrix.direct import DirectChats
from bots.matrix.markup import notice
from bots.matrix.memory import BotMemory, Credentials
from coord.services.outbox.gateways import (
    Limit,
    Outbound,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)
from coord.settings import Settings

log = logging.getLogger(__name__)
TIMEOUT = 30.0


def transaction_id(key: str, part: str = "text") -> str:
    """A transaction id for one message of one notification, the same on every retry."""
    return "coord-" + hashlib.sha256(f"{key}\0{part}".encode()).hexdigest()[:40]


class MatrixGateway:
    """Sends notifications as the bot account (its access token, or the one the bot stored at login)."""

    network = "matrix"
    idempotent = True  # a send repeated with the same transaction id is shown once

    def __init__(self, settings: Settings) -> None:
        assert settings.matrix_homeserver and settings.matrix_user_id
        self.homeserver = settings.matrix_homeserver.rstrip("/")
        self.user_id = settings.matrix_user_id
        self._settings = settings
        self._memory = BotMemory(settings.matrix_store_path)
        self._token: str | None = None
        self._lock = threading.Lock()
        self.direct = DirectChats(self._call_json, self.user_id)

    def limits(self, message: Outbound) -> list[Limit]:
        # Synapse limits messages per user (rc_message); a bot account is usually exempted by its admin,
        # these keep a burst from one process polite. A 429 is still honoured when it comes.
        return [
            Limit(f"mx:{self.user_id}", 10, 1.0),
            Limit(f"mx:{self.user_id}:room:{message.chat_id}", 3, 1.0),
        ]

    def send(self, message: Outbound) -> str:
        chat_id = message.chat_id
        if message.private:  # only to a room that is the person's and the bot's alone (``direct``)
            chat_id, moved = self.direct.private_room(chat_id)
            if moved:
                log.info("matrix: a private message for %s went to %s instead", message.chat_id, chat_id)
        room = urllib.parse.quote(chat_id, safe="")
        content = notice(message.text, message.buttons)
        event_id = self._put_message(room, transaction_id(message.key), content)
        if message.attachment is not None:
            attachment = message.attachment
            uri = self._upload(attachment.filename, attachment.content, attachment.mime)
            kind = "m.image" if attachment.mime.startswith("image/") else "m.file"
            file_content = {
                "msgtype": kind,
                "body": attachment.filename,
                "url": uri,
                "info": {"mimetype": attachment.mime, "size": len(attachment.content)},
            }
            self._put_message(room, transaction_id(message.key, "file"), file_content)
        return event_id

    def _put_message(self, room: str, txn: str, content: dict[str, Any]) -> str:
        path = f"/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn}"
        return str(self._call("PUT", path, json.dumps(content).encode())["event_id"])

    def _upload(self, filename: str, data: bytes, mime: str) -> str:
        query = urllib.parse.urlencode({"filename": filename})
        return str(self._call("POST", f"/_matrix/media/v3/upload?{query}", data, mime)["content_uri"])

    def _call_json(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        return self._call(method, path, json.dumps(body).encode() if body is not None else None)

    def _call(self, method: str, path: str, data: bytes | None, mime: str = "application/json") -> Any:
        token = self._access_token()
        try:
            return _http(method, self.homeserver + path, data, mime, token)
        except PermanentFailure as exc:
            if "M_UNKNOWN_TOKEN" not in str(exc) or not self._settings.matrix_password:
                raise
            self._renew(token)
            raise TemporaryFailure("the access token was refused; logged in again") from exc

    def _access_token(self) -> str:
        with self._lock:
            if self._token is None:
                self._token = self._find_token()
            return self._token

    def _find_token(self) -> str:
        if self._settings.matrix_access_token is not None:
            return self._settings.matrix_access_token.get_secret_value()
        stored = self._memory.credentials
        if stored is not None and stored.user_id == self.user_id:
            return stored.access_token
        return self._login()

    def _login(self) -> str:
        """Log in with the password (the bot has not yet, or its token expired) and keep the device."""
        assert self._settings.matrix_password is not None
        body = {
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": self.user_id},
            "password": self._settings.matrix_password.get_secret_value(),
            "initial_device_display_name": "coord",
        }
        result = _http("POST", self.homeserver + "/_matrix/client/v3/login", json.dumps(body).encode())
        self._memory.save_credentials(
            Credentials(result["user_id"], result["device_id"], result["access_token"])
        )
        return str(result["access_token"])

    def _renew(self, refused: str) -> None:
        with self._lock:
            if self._token == refused:
                self._memory.forget_credentials()
                self._token = None


def _http(method: str, url: str, data: bytes | None, mime: str = "application/json", token: str = "") -> Any:
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", mime)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raise _failure(exc) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise TemporaryFailure(f"cannot reach the homeserver: {exc}") from exc


def _failure(exc: urllib.error.HTTPError) -> Exception:
    try:
        body = json.loads(exc.read() or b"{}")
    except ValueError:
        body = {}
    code = body.get("errcode", "") if isinstance(body, dict) else ""
    text = f"HTTP {exc.code} {code}: {body.get('error', '') if isinstance(body, dict) else ''}".strip()
    if exc.code == 429:
        retry_ms = body.get("retry_after_ms") if isinstance(body, dict) else None
        header = exc.headers.get("Retry-After") if exc.headers else None
        seconds = float(retry_ms) / 1000 if retry_ms is not None else float(header or 1)
        return RateLimited(seconds, text)
    if exc.code >= 500:
        return TemporaryFailure(text)
    return PermanentFailure(text)
