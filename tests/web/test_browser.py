"""The board in a real browser: Playwright driving Debian's chromium against the board served by uvicorn,
with the bot's messages going over HTTP to the fake Telegram Bot API server (peers/).

Screenshots of Today in both languages are saved under the run's output folder (``--output``, by default
test-results/), not committed. Without chromium these tests skip on a laptop and fail when CI=true.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from sqlalchemy import select

from coord.chat import Inbound, handle_safely
from coord.clock import FrozenClock
from coord.models import Household, Notification, Person
from coord.services.outbox import deliver_notification
from coord.web.serve import BackgroundBoard, server
from peers.telegram_api import FakeTelegram
from tests.conftest import FreshDatabase
from tests.factories import NOW
from tests.web.conftest import Scene, build_scene

USER_IDS = {"volunteer": 810002, "volunteer2": 810003, "helper": 810004, "captain": 810005,
            "supply_captain": 810006, "coordinator": 810007}  # fmt: skip
PHONE: ViewportSize = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Live:
    """The board served on a real port, the fake Bot API server, and the scene they share."""

    scene: Scene
    board: BackgroundBoard
    telegram: FakeTelegram
    gateway: Any

    @property
    def base(self) -> str:
        return self.scene.settings.web_address

    def say(self, who: str, text: str) -> None:
        """``who`` writes ``text`` to the bot in their direct chat on Telegram (the chat layer answers)."""
        user = str(USER_IDS[who])
        inbound = Inbound(network="telegram", user_id=user, display_name=who, chat_id=user, text=text)
        handle_safely(inbound, session_factory=self.scene.factory, now=self.scene.clock.now())

    def deliver(self) -> None:
        """Send every pending message through the Telegram gateway to the fake Bot API server."""
        from workers.ratelimit import LocalRateLimiter

        with self.scene.factory() as session:
            pending = session.execute(
                select(Notification.id, Notification.attempts).where(Notification.status == "pending")
            ).all()
        for note_id, attempts in pending:
            deliver_notification(
                self.scene.factory,
                notification_id=note_id,
                attempt=attempts,
                gateways={"telegram": self.gateway},
                limiter=LocalRateLimiter(),
                clock=self.scene.clock,
            )

    def sent_to(self, who: str) -> list[str]:
        return [call.text for call in self.telegram.sent() if call.chat_id == USER_IDS[who]]

    def sign_in(self, page: Page, person: Person) -> None:
        page.goto(f"{self.base}/signin/{self.scene.link(person)}")
        page.click("#signin")
        expect(page).to_have_url(f"{self.base}/today")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    from bots.telegram import make_gateway
    from tests.bots.telegram.conftest import bot_settings

    telegram = FakeTelegram().start()
    telegram.opened.update(USER_IDS.values())
    port = free_port()
    scene = build_scene(
        FreshDatabase("sqlite", tmp_path),
        network="telegram",
        ids=lambda part: (str(USER_IDS[part]), str(USER_IDS[part])),
        clock=FrozenClock(NOW),
        web_port=port,
        web_base_url=f"http://127.0.0.1:{port}",
    )
    board = BackgroundBoard(
        server(scene.settings, factory=scene.factory, clock=scene.clock, log_level="warning")
    )
    board.start()
    deadline = time.monotonic() + 10
    while not board.server.started:
        assert time.monotonic() < deadline, "the board did not start"
        time.sleep(0.05)
    gateway = make_gateway(bot_settings(telegram))
    yield Live(scene, board, telegram, gateway)
    board.stop()
    gateway.close()
    telegram.stop()


def screenshot(page: Page, output_path: str, name: str) -> None:
    Path(output_path).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(output_path) / name), full_page=True)


def test_sign_in_through_the_bots_link_and_see_a_claim_made_in_chat_appear(
    live: Live, page: Page, output_path: str
) -> None:
    # Given the gate captain asks the bot (python-telegram-bot, polling the fake Bot API server) for a link,
    # and the delivery worker's Telegram gateway sends it by direct message
    from tests.bots.telegram.conftest import private, start_bot, tg_user

    bot = start_bot(live.telegram, live.scene.factory, live.scene.clock)
    try:
        captain = tg_user(USER_IDS["captain"], "Captain Chen")
        replies = bot.say(captain, private(captain), "/web")
    finally:
        bot.close()
    assert any("on its way" in call.text for call in replies)
    live.deliver()
    [message] = [text for text in live.sent_to("captain") if "/signin/" in text]
    link = re.search(r"https?://\S+/signin/\S+", message)
    assert link is not None
    # When they open it and press Sign in
    page.goto(link.group(0))
    page.click("#signin")
    # Then Today shows their gate shift with two places free
    expect(page).to_have_url(f"{live.base}/today")
    task = page.locator(f"#task-{live.scene.gate_task}")
    expect(task).to_contain_text("Places free: 2")
    # When a volunteer claims it in chat, it appears within 2 s, without reloading
    live.say("volunteer", f"claim {live.scene.gate_task}")
    expect(task.locator(".holders")).to_have_text("Volunteer 1", timeout=2000)
    expect(task).to_contain_text("Places free: 1")
    screenshot(page, output_path, "today-en.png")


def test_assign_an_unfilled_shift_from_the_board_and_the_volunteer_is_told(live: Live, page: Page) -> None:
    live.sign_in(page, live.scene.world.coordinator)
    task = page.locator(f"#task-{live.scene.gate_task}")
    task.locator("input[name=person]").fill("Volunteer 2")
    task.get_by_role("button", name="Assign").click()
    expect(page.locator(".notice")).to_contain_text("given to Volunteer 2")
    live.deliver()
    told = live.sent_to("volunteer2")
    assert any(str(live.scene.gate_task) in text for text in told), told


def test_a_captain_cannot_open_another_teams_household(live: Live, page: Page) -> None:
    blue = live.scene.world.households[1]
    with live.scene.factory() as session, session.begin():
        session.get_one(Household, blue.id).watch_lead_id = live.scene.world.supply_volunteers[0].id
    live.sign_in(page, live.scene.world.gate_captain)
    response = page.goto(f"{live.base}/households/{blue.id}")
    assert response is not None and response.status == 404
    expect(page.locator(".problem")).to_be_visible()
    assert blue.phone not in page.content()
    page.goto(f"{live.base}/watch")
    assert blue.phone not in page.content() and "1-502" not in page.content()


def test_a_used_or_expired_link_is_refused(live: Live, browser: Browser) -> None:
    token = live.scene.link(live.scene.world.coordinator)
    first = browser.new_page()
    first.goto(f"{live.base}/signin/{token}")
    first.click("#signin")
    expect(first).to_have_url(f"{live.base}/today")
    again = browser.new_context().new_page()
    again.goto(f"{live.base}/signin/{token}")
    again.click("#signin")
    expect(again.locator(".problem")).to_contain_text("already used")
    late = live.scene.link(live.scene.world.coordinator)
    live.scene.clock.advance(timedelta(minutes=11))
    again.goto(f"{live.base}/signin/{late}")
    again.click("#signin")
    expect(again.locator(".problem")).to_contain_text("expired")
    again.goto(f"{live.base}/today")
    expect(again).to_have_url(f"{live.base}/signin")


def test_the_page_in_chinese(live: Live, page: Page, output_path: str) -> None:
    with live.scene.factory() as session, session.begin():
        session.get_one(Person, live.scene.world.coordinator.id).language = "zh"
    live.sign_in(page, live.scene.world.coordinator)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", name="无人认领")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    screenshot(page, output_path, "today-zh.png")


def test_the_wall_shows_no_address_or_phone(live: Live, page: Page) -> None:
    live.sign_in(page, live.scene.world.coordinator)
    page.goto(f"{live.base}/wall")
    expect(page.locator("table.matrix").first).to_be_visible()
    text = page.content()
    for household in live.scene.world.households:
        assert household.phone not in text and household.contact_name not in text
        assert f"{household.unit}-{household.room}" not in text


def test_the_page_works_at_a_phones_width(live: Live, browser: Browser, output_path: str) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    live.sign_in(page, live.scene.world.gate_captain)
    # nothing wider than the screen but the matrix, which scrolls in its own box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    task = page.locator(f"#task-{live.scene.gate_task}")
    assert task.bounding_box()["width"] <= PHONE["width"]  # type: ignore[index]
    task.locator("input[name=person]").fill("Volunteer 1")
    task.get_by_role("button", name="Assign").tap()
    expect(page.locator(".notice")).to_contain_text("given to Volunteer 1")
    screenshot(page, output_path, "today-phone.png")
    context.close()


def test_a_request_made_in_chat_appears_on_the_requests_page(
    live: Live, page: Page, output_path: str
) -> None:
    # Given the coordinator has the Requests page open (linked from the navigation)
    live.sign_in(page, live.scene.world.coordinator)
    page.get_by_role("link", name="Requests").click()
    expect(page).to_have_url(f"{live.base}/requests")
    expect(page.locator(".cutoff")).to_contain_text("Orders close at 20:00")
    expect(page.locator("#live")).to_contain_text("No open requests.")
    # When a captain orders for a household in chat, twice (the second is a possible duplicate)
    live.say("supply_captain", "order Building 1-2-301 eggs 5, rice 1 bag")
    live.say("supply_captain", "order Building 1-2-301 eggs 5, rice 1 bag")
    # Then both appear under their building within 2 s, without reloading, the second flagged
    queue = page.locator(".building-queue")
    expect(queue).to_contain_text("Building 1-2-301", timeout=2000)
    expect(queue.locator(".flag.duplicate")).to_have_count(1, timeout=2000)
    expect(page.locator(".request-counts")).to_contain_text("2")
    screenshot(page, output_path, "requests-en.png")


def test_the_cutoff_counts_down_on_an_open_page(live: Live, page: Page) -> None:
    # The browser's clock is Playwright's: an hour and a half-minute pass on the open page, not reloaded
    page.clock.install()
    live.sign_in(page, live.scene.world.coordinator)
    page.goto(f"{live.base}/requests")
    cutoff = page.locator(".cutoff")
    expect(cutoff).to_contain_text("(in 6 h 0 min)")  # NOW is 14:00 in Shanghai, the cut-off 20:00
    page.clock.run_for("01:00:30")
    expect(cutoff).to_contain_text("(in 4 h 59 min)")  # 299.5 minutes left, counted in whole minutes
    expect(cutoff).to_contain_text("Orders close at 20:00")
