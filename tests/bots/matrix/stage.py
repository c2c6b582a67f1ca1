"""The bot under test: ``run_bot`` in its own thread with an injected clock, as ``coord run`` starts it."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bots.matrix import run_bot
from coord.chat import ChatStore
from coord.clock import Clock
from coord.settings import Settings
from peers.synapse import Account, Synapse


def bot_settings(synapse: Synapse, bot: Account, store: Path, *, rooms: Sequence[str] = ()) -> Settings:
    return Settings(
        matrix_homeserver=synapse.url,
        matrix_user_id=bot.user_id,
        matrix_password=bot.password,  # type: ignore[arg-type]
        matrix_store_path=str(store),
        matrix_rooms=",".join(rooms),
    )


class BotThread:
    """``run_bot`` running until ``stop()``; an error in it fails the test that stops it."""

    def __init__(self, settings: Settings, factory: sessionmaker[Session], clock: Clock) -> None:
        self.settings = settings
        self.stop_event = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(factory, clock), name="matrix-bot", daemon=True
        )
        self.thread.start()
        self._wait_ready()

    def _run(self, factory: sessionmaker[Session], clock: Clock) -> None:
        try:
            run_bot(self.settings, self.stop_event, store=ChatStore(factory), clock=clock)
        except BaseException as exc:
            self.error = exc

    def _wait_ready(self, timeout: float = 30.0) -> None:
        """Ready once the first sync is answered (its token stored) and the configured rooms joined."""
        token = Path(self.settings.matrix_store_path) / "sync_token"
        before = token.stat().st_mtime_ns if token.exists() else None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.error is not None:
                raise AssertionError(f"the bot failed to start: {self.error!r}") from self.error
            if token.exists() and token.stat().st_mtime_ns != before:
                return
            time.sleep(0.02)
        raise AssertionError("the bot did not finish its first sync")

    def stop(self) -> float:
        """Stop the bot; returns how long it took."""
        started = time.monotonic()
        self.stop_event.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the bot did not stop within 30 s"
        if self.error is not None:
            raise AssertionError(f"the bot failed: {self.error!r}") from self.error
        return time.monotonic() - started
