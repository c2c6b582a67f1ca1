"""``coord run`` as a whole, with Telegram pointed at the fake Bot API server: a newcomer joins with an
invite code, claims work, and SIGTERM stops the service cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from peers.telegram_api import TOKEN, FakeTelegram
from tests.bots.telegram.conftest import private, tg_user

ROOT = Path(__file__).resolve().parents[3]
COORD = [sys.executable, "-c", "from coord.entrypoints.cli import main; main()"]


def coord(*args: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([*COORD, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_coord_run_answers_telegram_and_stops_on_sigterm(tmp_path: Path, telegram: FakeTelegram) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("COORD_")}
    env |= {"PYTHONPATH": str(ROOT), "COORD_DATABASE_URL": f"sqlite:///{tmp_path / 'coord.db'}"}
    coord("init", env=env, cwd=tmp_path)
    coord("seed", "--demo", env=env, cwd=tmp_path)
    code = re.search(
        r"Invite code: (\w+)",
        coord("invite", "create", "--team", "门岗防控组", "--role", "volunteer", env=env, cwd=tmp_path),
    )
    assert code is not None
    env |= {"COORD_TELEGRAM_TOKEN": TOKEN, "COORD_TELEGRAM_BASE_URL": telegram.base_url}
    service = subprocess.Popen(
        [*COORD, "run", "--log-level", "warning"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        telegram.wait_for(lambda: any(c.method == "getUpdates" for c in telegram.calls), timeout=30)
        newcomer = tg_user(930001, "Zhao Min")
        chat = private(newcomer)
        telegram.say(newcomer, chat, f"/start {code.group(1)}")
        telegram.wait_for(lambda: [c for c in telegram.sent() if "Welcome" in c.text], timeout=15)
        telegram.say(newcomer, chat, "/tasks")
        listing = telegram.wait_for(
            lambda: [c for c in telegram.sent() if "Open tasks" in c.text], timeout=15
        )[0]
        claim = next(p for p in listing.payloads if p.startswith("c:"))
        telegram.press(newcomer, telegram.messages[(newcomer["id"], listing.result["message_id"])], claim)
        task = claim.removeprefix("c:")
        telegram.wait_for(
            lambda: [c for c in telegram.sent() if f"You have task #{task}" in c.text], timeout=15
        )
        assert telegram.wait_for(lambda: [c for c in telegram.calls if c.method == "answerCallbackQuery"])
    finally:
        service.send_signal(signal.SIGTERM)
        _, errors = service.communicate(timeout=30)
    assert service.returncode == 0, errors
    assert "Traceback" not in errors
