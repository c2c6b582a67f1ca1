"""The Telegram bot killed with SIGKILL mid-update (a real process, ``tests/crash/bot_process.py``), against
the fake Bot API server: nothing is lost, nothing is booked twice, at most one marked repeat.

The server's ``on_call`` hook kills the bot the moment a chosen request arrives and drops that request
unanswered, so the kill lands exactly there: after the command's commit, before its reply went out.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from coord.chat import ChatStore
from coord.clock import FrozenClock
from coord.models import Assignment, Notification, NotificationStatus
from coord.services.outbox.delivery import deliver_notification
from coord.services.outbox.gateways import MemoryGateway
from coord.services.schedule.tick import collect_due
from peers.telegram_api import FakeTelegram
from tests.bots.telegram.conftest import GROUP, private, tg_user
from tests.bots.telegram.dialogs import USER_IDS
from tests.bots.telegram.stage import Stage, committed_stage
from tests.bots.telegram.test_webhook import free_port, wait_until_listening
from tests.conftest import FreshDatabase
from tests.crash.bot_process import SECRET
from tests.factories import NOW
from tests.workers.helpers import until
from workers.ratelimit import LocalRateLimiter

ROOT = Path(__file__).resolve().parents[2]
HELPER = tg_user(USER_IDS["helper"], "Helper")


@contextmanager
def bot_process(stage: Stage, server: FakeTelegram, *more: str) -> Iterator[subprocess.Popen[bytes]]:
    """The bot in its own process; returns once it polls (or listens, given a webhook port)."""
    url = stage.engine.url.render_as_string(hide_password=False)
    command = [sys.executable, "-m", "tests.crash.bot_process", url, server.base_url, server.base_file_url]
    mark = len(server.calls)
    process = subprocess.Popen(
        [*command, NOW.isoformat(), *more], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    ready = "setWebhook" if more else "getUpdates"
    try:
        until(
            lambda: any(c.method == ready for c in server.calls[mark:]) or process.poll() is not None,
            what="the bot to start",
        )
        assert process.poll() is None, "the bot process failed to start"
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def kill_at(server: FakeTelegram, process: subprocess.Popen[bytes], method: str) -> None:
    """SIGKILL the bot when it makes its first ``method`` call; that call is never answered."""

    def hook(called: str, _params: dict[str, Any]) -> bool:
        if called != method:
            return False
        process.send_signal(signal.SIGKILL)
        server.on_call = None
        return True

    server.on_call = hook


def private_note(stage: Stage) -> Notification:
    with stage.factory() as session:
        return session.scalars(select(Notification).where(Notification.private.is_(True))).one()


def holders(stage: Stage) -> int:
    with stage.factory() as session:
        return int(session.scalar(select(func.count(Assignment.id))) or 0)


def worker_pass(stage: Stage, gateway: MemoryGateway, after: timedelta) -> None:
    """What the scheduler and a worker do ``after`` the crash: deliver whatever is due."""
    now = NOW + after
    with stage.factory() as session, session.begin():
        due = collect_due(session, now=now)
    for dispatch in due:
        if dispatch.actor == "deliver":
            deliver_notification(
                stage.factory,
                notification_id=dispatch.args[0],
                attempt=dispatch.args[1],
                gateways={"telegram": gateway},
                limiter=LocalRateLimiter(),
                clock=FrozenClock(now),
                sleep=lambda _s: None,
            )


def test_a_bot_killed_after_a_claims_commit_before_its_reply_answers_when_it_is_back(
    fresh_db: FreshDatabase,
) -> None:
    stage = committed_stage(fresh_db)
    delivery = stage.scene.values["delivery"]
    server = FakeTelegram().start()
    server.opened.update(USER_IDS.values())
    try:
        # Given the bot is killed once the claim is committed, as its first reply goes out
        with bot_process(stage, server) as doomed:
            kill_at(server, doomed, "sendMessage")
            server.say(HELPER, private(HELPER), f"/claim {delivery}")
            assert doomed.wait(timeout=20) == -signal.SIGKILL
        # Then the claim stands, and its private details are held for the reply, not settled as sent
        assert holders(stage) == 1 and not server.sent()
        held = private_note(stage)
        assert held.status == NotificationStatus.PENDING and held.sending_since is not None
        # When the bot is back: Telegram still has the update (it was never confirmed), and sends it again
        with bot_process(stage, server):
            got = server.wait_for(lambda: len(server.sent()) >= 2 and server.sent(), timeout=20)
        texts = [c.text for c in got]
        # Then the person is told the task is theirs, with its details; still one holder
        assert texts[0].startswith(f"You already have task #{delivery}")
        assert texts[1].startswith(f"Details for you only, task #{delivery}") and "Wang Lan" in texts[1]
        assert holders(stage) == 1
        # And the details' outbox copy is settled: no worker sends it again
        assert private_note(stage).status == NotificationStatus.SENT
        gateway = MemoryGateway("telegram")
        worker_pass(stage, gateway, timedelta(hours=1))
        assert gateway.sent == []
    finally:
        server.stop()


def test_a_bot_killed_before_the_details_went_out_leaves_them_to_a_worker(fresh_db: FreshDatabase) -> None:
    stage = committed_stage(fresh_db)
    delivery = stage.scene.values["delivery"]
    server = FakeTelegram().start()
    server.opened.update(USER_IDS.values())
    try:
        # Given the bot sent the claim's answer and was killed sending the private details
        with bot_process(stage, server) as doomed:
            sends = 0

            def hook(method: str, _params: dict[str, Any]) -> bool:
                nonlocal sends
                sends += method == "sendMessage"
                if sends == 2:
                    doomed.send_signal(signal.SIGKILL)
                    server.on_call = None
                    return True
                return False

            server.on_call = hook
            server.say(HELPER, private(HELPER), f"/claim {delivery}")
            assert doomed.wait(timeout=20) == -signal.SIGKILL
        assert [c.text.split(" “")[0] for c in server.sent()] == [f"You have task #{delivery}"]
        # When the bot does not come back, a worker delivers the details once the reply's lease is over,
        # marked as a repeat: the reply's outcome is unknown
        gateway = MemoryGateway("telegram")
        worker_pass(stage, gateway, timedelta(seconds=5))
        assert gateway.sent == []  # still the reply's
        worker_pass(stage, gateway, timedelta(minutes=1))
        [details] = gateway.sent
        assert details.text.startswith("(sent again) ") and "Wang Lan" in details.text
        assert details.chat_id == str(USER_IDS["helper"]) and details.private
        assert private_note(stage).status == NotificationStatus.SENT and holders(stage) == 1
    finally:
        server.stop()


def deliver_by_webhook(ports: list[int], update: dict[str, Any]) -> list[tuple[int, int | str]]:
    """Telegram behind a load balancer: POST the update to the first instance; while an answer is not
    200 (the instance died mid-update), Telegram tries again and the balancer picks the next one."""
    tried: list[tuple[int, int | str]] = []
    for port in ports:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/telegram/hook",
            data=json.dumps(update).encode(),
            headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                tried.append((port, int(response.status)))
                return tried
        except urllib.error.HTTPError as err:
            tried.append((port, int(err.code)))
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException) as err:
            tried.append((port, type(err).__name__))
    return tried


def test_two_webhook_bots_behind_one_url_one_dies_mid_update(fresh_db: FreshDatabase) -> None:
    stage = committed_stage(fresh_db)
    delivery = stage.scene.values["delivery"]
    server = FakeTelegram().start()
    server.opened.update(USER_IDS.values())
    first, second = free_port(), free_port()
    try:
        with bot_process(stage, server, str(first)) as doomed, bot_process(stage, server, str(second)):
            wait_until_listening(first)
            wait_until_listening(second)
            # Given the instance that takes the update dies after the claim's commit, before its reply
            kill_at(server, doomed, "sendMessage")
            update = {
                "update_id": 9001,
                "message": {
                    "message_id": 1,
                    "date": 1772431200,
                    "chat": private(HELPER),
                    "from": HELPER,
                    "text": f"/claim {delivery}",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            tried = deliver_by_webhook([first, second], update)
            assert doomed.wait(timeout=20) == -signal.SIGKILL
        # Then Telegram got no answer from the dead one, and the other answered the update again
        assert [port for port, _ in tried] == [first, second] and tried[1][1] == 200
        texts = [c.text for c in server.sent()]
        assert texts[0].startswith(f"You already have task #{delivery}") and "Wang Lan" in texts[1]
        assert len(texts) == 2 and holders(stage) == 1
        assert private_note(stage).status == NotificationStatus.SENT
    finally:
        server.stop()


def test_a_bot_killed_during_a_card_refresh_brings_the_card_up_to_date_when_back(
    fresh_db: FreshDatabase,
) -> None:
    stage = committed_stage(fresh_db)
    gate = stage.scene.values["gate"]
    volunteer = tg_user(USER_IDS["volunteer"], "Volunteer 1")
    store = ChatStore(stage.factory)
    server = FakeTelegram().start()
    server.opened.update(USER_IDS.values())
    try:
        with bot_process(stage, server) as doomed:
            # Given the task's card is posted in the team's group
            server.say(volunteer, GROUP, f"/task {gate}")
            server.wait_for(lambda: server.sent(), timeout=20)
            [card] = server.sent()
            assert card.chat_id == GROUP["id"] and "2 of 2 free" in card.text
            # When a claim changes the task and the bot is killed as it edits the card
            kill_at(server, doomed, "editMessageText")
            server.say(volunteer, private(volunteer), f"/claim {gate}")
            assert doomed.wait(timeout=20) == -signal.SIGKILL
        # Then the card is still known to be stale (its refresh was not recorded)
        assert len(store.stale_cards(network="telegram", now=NOW)[0]) == 1
        # And when the bot is back, the next update that may change work brings the card up to date
        mark = server.mark()
        with bot_process(stage, server):
            edits = server.wait_for(
                lambda: [c for c in server.sent(mark) if c.method == "editMessageText"], timeout=20
            )
        [edit] = edits
        assert edit.chat_id == GROUP["id"] and "1 of 2 free" in edit.text
        assert int(edit.params["message_id"]) == card.result["message_id"]
        assert store.stale_cards(network="telegram", now=NOW) == ([], 1)
        assert not [c for c in server.sent(mark) if c.method == "sendMessage" and c.chat_id == GROUP["id"]]
        assert holders(stage) == 1
    finally:
        server.stop()
