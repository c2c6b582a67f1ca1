"""Calls to the Bot API that wait out Telegram's flood control (HTTP 429) instead of losing the message."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_RETRIES = 5  # 429s in a row before giving up on one call
MAX_WAIT = 60.0  # seconds: a longer retry_after is not waited out inside a chat reply


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def patiently(call: Callable[[], Awaitable[T]], *, what: str = "call") -> T:
    """``call()``, again after ``retry_after`` on a 429 and once more after a network error."""
    network_retry = True
    for attempt in range(MAX_RETRIES + 1):
        try:
            return await call()
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            if attempt == MAX_RETRIES or wait > MAX_WAIT:
                raise
            log.info("telegram: %s rate limited, retrying in %.1f s", what, wait)
            await asyncio.sleep(wait)
        except (BadRequest, TimedOut):
            raise  # a timed-out send may have arrived: sending it again could say it twice
        except NetworkError:
            if not network_retry:
                raise
            network_retry = False
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")
