"""Chat network adapters: each translates its network's updates into ``coord.chat.Inbound`` and renders
``coord.chat.Reply`` back, and gives the delivery actor a gateway for its network.

Every network package (``bots.telegram``, ``bots.matrix``) offers the same two functions:

- ``make_gateway(settings) -> Gateway``: what the delivery actor sends notifications through;
- ``run_bot(settings, stop, *, store, limiter=None) -> None``: answers the network's updates until ``stop``
  is set (blocking; it runs its own asyncio loop, so it can live in a thread beside the workers). ``limiter``
  is the workers' rate limiter: a network whose limits the bot's replies share with the workers' sends
  (Telegram: one token) paces its replies with it.

Adapters keep nothing of their own in the database: they answer, and remember what they must, through
a ``coord.chat.ChatStore`` (``start_bots`` builds one from the entry point's session factory).

A network is used when its settings are present (``Settings.networks``).
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from typing import Protocol, cast

from coord.chat import ChatStore, SessionFactory
from coord.errors import SettingsError
from coord.services.outbox.delivery import RateLimiter
from coord.services.outbox.gateways import ConsoleGateway, Gateway
from coord.settings import Settings

log = logging.getLogger(__name__)

NETWORKS = ("telegram", "matrix")


class Network(Protocol):
    def make_gateway(self, settings: Settings) -> Gateway: ...

    def run_bot(
        self,
        settings: Settings,
        stop: threading.Event,
        *,
        store: ChatStore,
        limiter: RateLimiter | None = None,
    ) -> None: ...


def network(name: str) -> Network:
    """The adapter package of one network (imported only when it is used)."""
    if name not in NETWORKS:
        raise ValueError(f"unknown chat network {name!r}; expected one of {', '.join(NETWORKS)}")
    try:
        return cast(Network, importlib.import_module(f"bots.{name}"))
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in {"telegram", "nio"}:
            raise SettingsError(
                f"{name} is configured but its library is missing: pip install 'coord[{name}]'"
            ) from exc
        raise


def make_gateways(settings: Settings) -> dict[str, Gateway]:
    """A gateway for every configured network; the console when there is none (the embedded default)."""
    gateways = {name: network(name).make_gateway(settings) for name in settings.networks}
    return gateways or {"console": ConsoleGateway()}


def start_bots(
    settings: Settings,
    stop: threading.Event,
    *,
    factory: SessionFactory,
    names: list[str] | None = None,
    limiter: RateLimiter | None = None,
) -> list[threading.Thread]:
    """Start the bot of every configured network (or of ``names``) in its own thread."""
    store = ChatStore(factory)
    threads = []
    for name in names if names is not None else settings.networks:
        run = network(name).run_bot
        thread = threading.Thread(
            target=_guarded(name, run, settings, stop, store, limiter), name=f"bot-{name}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads


def _guarded(
    name: str,
    run: Callable[..., None],
    settings: Settings,
    stop: threading.Event,
    store: ChatStore,
    limiter: RateLimiter | None = None,
) -> Callable[[], None]:
    def target() -> None:
        try:
            run(settings, stop, store=store, limiter=limiter)
        except Exception:
            # A bot that cannot run stops the whole process: a half-running service is worse.
            log.exception("the %s bot stopped with an error", name)
            stop.set()

    return target
