"""The Telegram gateway the delivery actor uses, against the fake Bot API server over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bots.telegram import TelegramGateway, make_gateway
from bots.telegram.gateway import split_text
from coord.services.outbox.gateways import (
    Attachment,
    Outbound,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)
from peers.telegram_api import FakeTelegram
from tests.bots.telegram.conftest import GROUP, bot_settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
PERSON = 4242


@pytest.fixture
def gateway(telegram: FakeTelegram) -> Iterator[TelegramGateway]:
    telegram.opened.add(PERSON)
    made = make_gateway(bot_settings(telegram))
    yield made
    made.close()


def to_person(text: str, **changes: object) -> Outbound:
    return Outbound("telegram", str(PERSON), False, text, **changes)  # type: ignore[arg-type]


def test_sends_text_with_buttons_and_returns_its_reference(
    gateway: TelegramGateway, telegram: FakeTelegram
) -> None:
    reference = gateway.send(
        to_person("Your shift starts in 60 minutes", buttons=((("I'm at my post", "i:7"),),))
    )
    call = telegram.sent()[-1]
    assert call.method == "sendMessage" and call.chat_id == PERSON and call.payloads == ["i:7"]
    assert reference == f"{PERSON}:{call.result['message_id']}"


def test_edits_a_message_it_sent(gateway: TelegramGateway, telegram: FakeTelegram) -> None:
    reference = gateway.send(to_person("1 of 2 free"))
    assert gateway.send(to_person("0 of 2 free", edit_of=reference, key="e1")) == reference
    assert gateway.send(to_person("0 of 2 free", edit_of=reference, key="e2")) == reference  # unchanged: fine
    edits = [c for c in telegram.calls if c.method == "editMessageText"]
    assert [c.status for c in edits] == [200, 400]
    message_id = int(reference.split(":")[1])
    assert telegram.messages[(PERSON, message_id)]["text"] == "0 of 2 free"


def test_charts_go_as_photos_and_exports_as_documents(
    gateway: TelegramGateway, telegram: FakeTelegram
) -> None:
    gateway.send(to_person("Daily summary", attachment=Attachment("summary.png", PNG)))
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    gateway.send(to_person("Export", attachment=Attachment("day.xlsx", b"PK\x03\x04data", xlsx)))
    photo, document = telegram.sent()
    assert photo.method == "sendPhoto" and photo.files == {"photo": ("summary.png", len(PNG))}
    assert photo.params["caption"] == "Daily summary"
    assert document.method == "sendDocument" and document.files["document"][0] == "day.xlsx"


def test_a_long_summary_follows_its_chart(gateway: TelegramGateway, telegram: FakeTelegram) -> None:
    text = "\n".join(f"line {n}: " + "x" * 60 for n in range(40))  # longer than a caption may be
    gateway.send(to_person(text, attachment=Attachment("summary.png", PNG)))
    photo, message = telegram.sent()
    assert photo.method == "sendPhoto" and "caption" not in photo.params
    assert message.method == "sendMessage" and message.text == text


def test_a_text_longer_than_telegram_allows_is_split_at_lines() -> None:
    text = "\n".join("y" * 99 for _ in range(100))  # 9,999 characters
    pieces = split_text(text)
    assert len(pieces) == 3 and all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text


def test_errors_become_the_gateways_errors(gateway: TelegramGateway, telegram: FakeTelegram) -> None:
    telegram.rate_limit_next("sendMessage", retry_after=7)
    with pytest.raises(RateLimited) as limited:
        gateway.send(to_person("hello"))
    assert limited.value.retry_after == 7
    with pytest.raises(PermanentFailure, match="403"):  # never opened a chat with the bot, or blocked it
        gateway.send(Outbound("telegram", "5151", False, "hello"))
    telegram.fail_next("sendMessage", 400, "Bad Request: chat not found")
    with pytest.raises(PermanentFailure, match="chat not found"):
        gateway.send(Outbound("telegram", str(GROUP["id"]), True, "hello"))
    telegram.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(TemporaryFailure):
        gateway.send(to_person("hello"))
    assert gateway.send(to_person("hello")).startswith(f"{PERSON}:")  # and then it goes through


def test_an_unreachable_server_is_a_temporary_failure(telegram: FakeTelegram) -> None:
    settings = bot_settings(telegram)
    telegram.stop()
    offline = make_gateway(settings)
    with pytest.raises(TemporaryFailure):
        offline.send(to_person("hello"))
    offline.close()


def test_the_same_notification_is_sent_once_by_a_process(
    gateway: TelegramGateway, telegram: FakeTelegram
) -> None:
    first = gateway.send(to_person("hello", key="n1:telegram:4242"))
    assert gateway.send(to_person("hello", key="n1:telegram:4242")) == first
    assert len(telegram.sent()) == 1


def test_limits_name_the_bot_not_its_token_and_it_is_thread_safe(
    gateway: TelegramGateway, telegram: FakeTelegram
) -> None:
    keys = [limit.key for limit in gateway.limits(Outbound("telegram", str(GROUP["id"]), True, "x"))]
    assert keys == ["tg:123456", f"tg:123456:chat:{GROUP['id']}", f"tg:123456:group:{GROUP['id']}"]
    threads = [
        threading.Thread(target=lambda n=n: gateway.send(to_person(f"message {n}"))) for n in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(c.text for c in telegram.sent()) == sorted(f"message {n}" for n in range(20))
