"""A fake Telegram Bot API server, for running the real python-telegram-bot over loopback HTTP.

Telegram's servers cannot be reached from the test machines (and a test must not message real people),
so this small aiohttp server answers the Bot API methods the bot uses, with the shapes Telegram uses:
``{"ok": true, "result": ...}``, errors chosen by HTTP status (400, 403, 429 with ``retry_after``).
Tests push updates (a typed message, a pressed button) that the bot fetches by long polling, and read
back every call the bot made. It runs its own event loop in a thread, so synchronous tests can drive it.

What it imitates: getMe, setMyCommands, deleteWebhook/setWebhook/getWebhookInfo, getUpdates (long poll,
updates below ``offset`` dropped), sendMessage, editMessageText (400 "message is not modified"),
answerCallbackQuery, deleteMessage, sendChatAction, sendPhoto/sendDocument (multipart); 403 for a private
chat the user never opened; ``rate_limit_next`` makes the next call(s) of a method answer 429. Besides
messages and button presses it delivers the bot's own membership changes (``my_chat_member``: added to a
group, removed from it) and a group's upgrade to a supergroup (``migrate_to_chat_id``); a group the bot was
removed from answers 403 to whatever the bot sends there.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token_for-the-fake-server"
BOT = {"id": 123456, "is_bot": True, "first_name": "Coord", "username": "coord_bot"}
SENDS = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")


@dataclass
class Call:
    """One request the bot made: its method, its parameters (JSON ones decoded) and the answer."""

    method: str
    params: dict[str, Any]
    status: int = 200
    result: Any = None
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # field → (filename, size)
    at: float = field(default_factory=time.monotonic)  # when it arrived
    agent: str = ""  # the client's User-Agent: python-telegram-bot (the bot) or httpx (a worker's gateway)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None and str(value).lstrip("-").isdigit() else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def payloads(self) -> list[str]:
        markup = self.params.get("reply_markup") or {}
        return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


class FakeTelegram:
    """The server and its state. Start with ``start()``; ``base_url`` is what PTB's ``base_url`` takes."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.opened: set[int] = set()  # users who have a private chat with the bot
        self.removed_from: set[int] = set()  # groups the bot is no longer in
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook_url = ""
        # Telegram's limit of about one message a second per chat, enforced when set: a send to a chat
        # sooner than this after the last one answers 429.
        self.per_chat_interval: float | None = None
        self._last_send: dict[int, float] = {}
        # Called with each call's method and parameters before it is answered; True drops the connection
        # unanswered and unrecorded (the bot died, or the network fell, with the request in flight).
        self.on_call: Callable[[str, dict[str, Any]], bool] | None = None
        self._failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._lock = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._arrived: asyncio.Event | None = None
        self._closing = False
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-telegram", daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- running ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    def start(self) -> FakeTelegram:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        self._arrived = asyncio.Event()
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def stop(self) -> None:
        """Stop serving (once; a second call does nothing)."""
        if not self._loop.is_running():
            return

        async def _stop() -> None:
            self._closing = True  # pending long polls end now, or cleanup waits for them
            self._wake()
            if self._runner is not None:
                await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _wake(self) -> None:
        if self._arrived is not None:
            self._arrived.set()

    # --- what tests do ---------------------------------------------------------------------------

    def rate_limit_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer 429 Too Many Requests."""
        body = {"error_code": 429, "description": f"Too Many Requests: retry after {retry_after}"}
        body["parameters"] = {"retry_after": retry_after}
        with self._lock:
            self._failures.setdefault(method, []).extend([(429, body)] * times)

    def _too_soon(self, chat_id: int) -> bool:
        now = time.monotonic()
        with self._lock:
            last = self._last_send.get(chat_id)
            if last is not None and self.per_chat_interval and now - last < self.per_chat_interval:
                return True
            self._last_send[chat_id] = now
            return False

    def fail_next(self, method: str, status: int, description: str) -> None:
        with self._lock:
            self._failures.setdefault(method, []).append((status, {"description": description}))

    def say(self, user: dict[str, Any], chat: dict[str, Any], text: str | None) -> int:
        """A message from ``user`` in ``chat``: text (a command gets its entity), or a sticker when None."""
        message: dict[str, Any] = {"message_id": next(self._ids), "date": int(time.time()), "chat": chat}
        message["from"] = user
        if text is None:
            message["sticker"] = {"file_id": "s1", "file_unique_id": "s1", "type": "regular"}
            message["sticker"].update({"width": 512, "height": 512, "is_animated": False, "is_video": False})
        else:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if chat["type"] == "private":
            self.opened.add(int(user["id"]))
        return self._push({"message": message})

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> int:
        """``user`` presses a button with ``data`` on the bot's ``message``."""
        query = {"id": f"q{next(self._ids)}", "from": user, "chat_instance": "ci", "data": data}
        query["message"] = message
        return self._push({"callback_query": query})

    def member_update(self, user: dict[str, Any], chat: dict[str, Any], old: str, new: str) -> int:
        """``user`` changed the bot's membership of ``chat`` from status ``old`` to ``new`` ("member",
        "administrator", "left", "kicked"): the ``my_chat_member`` update Telegram sends."""
        if new in ("left", "kicked"):
            self.removed_from.add(int(chat["id"]))
        else:
            self.removed_from.discard(int(chat["id"]))
        changed = {
            "chat": chat,
            "from": user,
            "date": int(time.time()),
            "old_chat_member": _bot_member(old),
            "new_chat_member": _bot_member(new),
        }
        return self._push({"my_chat_member": changed})

    def migrate(self, user: dict[str, Any], group: dict[str, Any], supergroup_id: int) -> list[int]:
        """``group`` became a supergroup with id ``supergroup_id``: the service messages in the old group
        (``migrate_to_chat_id``) and in the new supergroup (``migrate_from_chat_id``); their update ids."""
        self.removed_from.add(int(group["id"]))
        message = {"message_id": next(self._ids), "date": int(time.time()), "chat": group, "from": user}
        first = self._push({"message": {**message, "migrate_to_chat_id": supergroup_id}})
        supergroup = {"id": supergroup_id, "type": "supergroup", "title": group.get("title", "")}
        moved = {"message_id": next(self._ids), "date": int(time.time()), "chat": supergroup, "from": user}
        return [first, self._push({"message": {**moved, "migrate_from_chat_id": int(group["id"])}})]

    def bot_message(self, chat: dict[str, Any]) -> dict[str, Any]:
        """The bot's latest message in ``chat`` (one with a button is made up when there is none)."""
        with self._lock:
            mine = [m for (chat_id, _), m in self.messages.items() if chat_id == chat["id"]]
            if mine:
                return mine[-1]
            return self._store(chat, "(buttons)", None)

    def sent(self, since: int = 0, *, methods: tuple[str, ...] = SENDS) -> list[Call]:
        with self._lock:
            return [c for c in self.calls[since:] if c.method in methods and c.status == 200]

    def mark(self) -> int:
        with self._lock:
            return len(self.calls)

    def wait_for(self, found: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``found()`` is truthy (checked after every call) and return it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                value = found()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for the bot")
                self._lock.wait(min(left, 0.2))

    # --- the Bot API -----------------------------------------------------------------------------

    def _push(self, update: dict[str, Any]) -> int:
        with self._lock:
            update_id = next(self._update_ids)
            self.updates.append({"update_id": update_id, **update})
        self._loop.call_soon_threadsafe(self._wake)
        return update_id

    def _store(self, chat: dict[str, Any], text: str, markup: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": BOT}
        message["text"] = text
        if markup:
            message["reply_markup"] = markup
        self.messages[(int(chat["id"]), message_id)] = message
        return message

    async def _dispatch(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != TOKEN:
            return _answer(401, {"description": "Unauthorized"})
        params, files = await _read(request)
        if method == "getUpdates":
            return await self._get_updates(params)
        if self.on_call is not None and self.on_call(method, params):
            if request.transport is not None:
                request.transport.close()
            return _answer(500, {"description": "dropped"})
        with self._lock:
            queued = self._failures.get(method)
            if queued:
                status, body = queued.pop(0)
            else:
                status, body = self._answer(method, params, files)
            agent = request.headers.get("User-Agent", "")
            self.calls.append(Call(method, params, status, body.get("result"), files, agent=agent))
            self._lock.notify_all()
        return _answer(status, body)

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset, timeout = int(params.get("offset") or 0), float(params.get("timeout") or 0)
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                ready = [u for u in self.updates if u["update_id"] >= offset]
                self.updates = ready  # Telegram forgets what was confirmed by ``offset``
                self.calls.append(Call("getUpdates", params, 200, len(ready)))
                self._lock.notify_all()
            left = deadline - time.monotonic()
            if ready or left <= 0 or self._closing:
                return _answer(200, {"result": ready[: int(params.get("limit") or 100)]})
            assert self._arrived is not None
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)

    def _answer(
        self, method: str, params: dict[str, Any], files: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        simple = {"getMe": BOT, "deleteWebhook": True, "sendChatAction": True, "answerCallbackQuery": True}
        if method in simple:
            return 200, {"result": simple[method]}
        if method == "setMyCommands":
            self.commands[params.get("language_code") or ""] = params["commands"]
            return 200, {"result": True}
        if method == "setWebhook":
            self.webhook_url = params.get("url", "")
            return 200, {"result": True}
        if method == "getWebhookInfo":
            info = {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": 0}
            return 200, {"result": info}
        if method == "deleteMessage":
            gone = self.messages.pop((int(params["chat_id"]), int(params["message_id"])), None)
            return (200, {"result": True}) if gone else _bad("message to delete not found")
        chat_id = int(params.get("chat_id", 0))
        if self.per_chat_interval and method in SENDS and self._too_soon(chat_id):
            body = {"error_code": 429, "description": "Too Many Requests: retry after 1"}
            body["parameters"] = {"retry_after": 1}
            return 429, body
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            if chat_id > 0 and chat_id not in self.opened:
                return 403, {"description": "Forbidden: bot can't initiate conversation with a user"}
            if chat_id in self.removed_from:
                return 403, {"description": "Forbidden: bot was kicked from the group chat"}
            chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
            text = params.get("text") or params.get("caption") or ""
            return 200, {"result": self._store(chat, text, params.get("reply_markup"))}
        if method == "editMessageText":
            message = self.messages.get((chat_id, int(params.get("message_id", 0))))
            if message is None:
                return _bad("message to edit not found")
            markup = params.get("reply_markup")
            if message["text"] == params["text"] and message.get("reply_markup") == markup:
                return _bad(
                    "message is not modified: specified new message content and reply markup are exactly "
                    "the same as a current content and reply markup of the message"
                )
            message["text"] = params["text"]
            message.pop("reply_markup", None)
            if markup:
                message["reply_markup"] = markup
            return 200, {"result": message}
        return 404, {"description": "Not Found: method not found"}


def _bot_member(status: str) -> dict[str, Any]:
    """The bot as a chat member with ``status``, with the fields Telegram sends for it."""
    member: dict[str, Any] = {"user": BOT, "status": status}
    if status == "kicked":
        member["until_date"] = 0
    if status == "administrator":
        rights = "manage_chat delete_messages manage_video_chats restrict_members promote_members change_info"
        rights += " invite_users post_stories edit_stories delete_stories"
        member |= {"can_be_edited": False, "is_anonymous": False}
        member |= {f"can_{right}": False for right in rights.split()}
    return member


def _bad(description: str) -> tuple[int, dict[str, Any]]:
    return 400, {"description": f"Bad Request: {description}"}


def _answer(status: int, body: dict[str, Any]) -> web.Response:
    ok = status == 200
    payload = {"ok": ok, **body} if ok else {"ok": False, "error_code": status, **body}
    return web.json_response(payload, status=status)


JSON_FIELDS = ("reply_markup", "allowed_updates", "commands", "entities", "reply_parameters")


async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, int]]]:
    """Form fields as strings (JSON ones decoded); uploaded files as (filename, size)."""
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, int]] = {}
    if request.content_type == "application/json":
        params = await request.json()
    else:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = (value.filename, len(value.file.read()))
            else:
                params[name] = value
    for name in JSON_FIELDS:
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params, files
