"""The Matrix gateway: sends to a real Synapse (idempotent by transaction id, attachments, refusals), and
maps a homeserver's 429 and 5xx, which Synapse with raised limits does not give, from a tiny local HTTP
server that answers exactly that."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from bots.matrix import make_gateway
from bots.matrix.memory import BotMemory
from coord.services.outbox.gateways import (
    Attachment,
    Outbound,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)
from coord.settings import Settings
from peers.matrix_people import Person, Received
from peers.synapse import Account, Synapse, free_port, request
from tests.bots.matrix.town import Town, build_town

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 20


@pytest.fixture
def town(synapse: Synapse, tmp_path: Path) -> Iterator[Town]:
    built = build_town(synapse, tmp_path)
    yield built
    built.close()


def gateway_settings(url: str, bot: Account, store: Path, *, token: bool = True) -> Settings:
    return Settings(
        matrix_homeserver=url,
        matrix_user_id=bot.user_id,
        matrix_access_token=bot.access_token if token else None,  # type: ignore[arg-type]
        matrix_password=None if token else bot.password,  # type: ignore[arg-type]
        matrix_store_path=str(store),
    )


def room_with_bot(town: Town, person: Person) -> str:
    """A direct chat the person opened and the bot joined (through the client-server API)."""
    room = town.run(person.open_direct_chat(town.bot_account.user_id))
    join = f"{town.synapse.url}/_matrix/client/v3/join/{room}"
    request("POST", join, {}, token=town.bot_account.access_token)
    return room


def message(room: str, key: str, text: str = "Reminder: North gate at 16:00", **more: object) -> Outbound:
    return Outbound(network="matrix", chat_id=room, is_group=False, text=text, key=key, **more)  # type: ignore[arg-type]


def test_a_retried_send_is_shown_once(town: Town) -> None:
    # Given a person's direct chat with the bot
    person = town.person("volunteer")
    room = room_with_bot(town, person)
    gateway = make_gateway(gateway_settings(town.synapse.url, town.bot_account, town.tmp / "store"))
    town.run(person.catch_up())
    # When the same notification is sent twice (a worker retrying after a lost answer), then another
    first = gateway.send(message(room, "n1:matrix:" + room, buttons=((("Check in", "i:7"),),)))
    again = gateway.send(message(room, "n1:matrix:" + room, buttons=((("Check in", "i:7"),),)))
    other = gateway.send(message(room, "n2:matrix:" + room, text="Second <b>note</b>"))
    got = town.run(person.wait_for(lambda got: any("Second" in m.body for m in got)))
    # Then the homeserver kept one event for the first key, and the person saw two messages
    assert first == again and first != other
    from_bot = [m for m in got if m.sender == town.bot_account.user_id]
    assert [m.body.split("\n")[0] for m in from_bot] == [
        "Reminder: North gate at 16:00",
        "Second <b>note</b>",
    ]
    assert from_bot[0].content["msgtype"] == "m.notice"
    assert "<code>!checkin 7</code>" in from_bot[0].content["formatted_body"]
    assert "Second &lt;b&gt;note&lt;/b&gt;" in from_bot[1].content["formatted_body"]


def test_an_attachment_is_uploaded_and_sent_as_an_image(town: Town) -> None:
    person = town.person("coordinator")
    room = room_with_bot(town, person)
    gateway = make_gateway(gateway_settings(town.synapse.url, town.bot_account, town.tmp / "store"))
    town.run(person.catch_up())
    gateway.send(message(room, "summary", text="Daily summary", attachment=Attachment("summary.png", PNG)))
    got: list[Received] = town.run(person.wait_for(lambda got: any(m.body == "summary.png" for m in got)))
    image = next(m for m in got if m.body == "summary.png")
    assert image.content["msgtype"] == "m.image" and image.content["url"].startswith("mxc://")
    assert image.content["info"] == {"mimetype": "image/png", "size": len(PNG)}


def test_a_room_the_bot_is_not_in_is_a_permanent_failure(town: Town) -> None:
    person = town.person("volunteer")
    room = town.run(person.open_room([], name="without the bot"))
    gateway = make_gateway(gateway_settings(town.synapse.url, town.bot_account, town.tmp / "store"))
    with pytest.raises(PermanentFailure, match="403"):
        gateway.send(message(room, "k"))
    with pytest.raises(PermanentFailure):
        gateway.send(message("!gone:localhost", "k"))


def test_with_a_password_the_gateway_logs_in_once_and_keeps_the_device(town: Town) -> None:
    person = town.person("volunteer")
    room = room_with_bot(town, person)
    store = town.tmp / "gateway-store"
    make_gateway(gateway_settings(town.synapse.url, town.bot_account, store, token=False)).send(
        message(room, "a")
    )
    stored = BotMemory(store).credentials
    make_gateway(gateway_settings(town.synapse.url, town.bot_account, store, token=False)).send(
        message(room, "b")
    )
    assert stored is not None and BotMemory(store).credentials == stored


class _Answer(BaseHTTPRequestHandler):
    status = 429
    body: ClassVar[dict[str, object]] = {}

    def do_PUT(self) -> None:
        payload = json.dumps(self.body).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def homeserver_answering() -> Iterator[type[_Answer]]:
    class Answer(_Answer):
        pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Answer.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    yield Answer
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_429_is_rate_limited_with_the_homeservers_wait(
    homeserver_answering: type[_Answer], tmp_path: Path
) -> None:
    homeserver_answering.status = 429
    homeserver_answering.body = {"errcode": "M_LIMIT_EXCEEDED", "error": "Too many", "retry_after_ms": 1500}
    bot = Account("@coord:localhost", "", "token", "DEV")
    gateway = make_gateway(gateway_settings(homeserver_answering.url, bot, tmp_path))  # type: ignore[attr-defined]
    with pytest.raises(RateLimited) as raised:
        gateway.send(message("!room:localhost", "k"))
    assert raised.value.retry_after == 1.5


@pytest.mark.parametrize("status", [500, 502])
def test_a_server_error_or_no_server_is_temporary(
    homeserver_answering: type[_Answer], tmp_path: Path, status: int
) -> None:
    homeserver_answering.status = status
    homeserver_answering.body = {"errcode": "M_UNKNOWN"}
    bot = Account("@coord:localhost", "", "token", "DEV")
    gateway = make_gateway(gateway_settings(homeserver_answering.url, bot, tmp_path))  # type: ignore[attr-defined]
    with pytest.raises(TemporaryFailure):
        gateway.send(message("!room:localhost", "k"))
    nobody = make_gateway(gateway_settings(f"http://127.0.0.1:{free_port()}", bot, tmp_path))
    with pytest.raises(TemporaryFailure, match="cannot reach"):
        nobody.send(message("!room:localhost", "k"))
