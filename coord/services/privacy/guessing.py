"""Invite codes cannot be guessed without limit (issue 19): failed redemptions are counted per chat account
and in total, slowed down and then refused for a while, and logged.

An invite code is 8 characters of a 31-letter alphabet (about 8.5 × 10¹¹ codes; ``codes``). A chat account
may fail ``FREE_TRIES`` times an hour freely (a typo, a code read aloud wrong); after that it waits before
each new try, twice as long each time (``SLOW_FIRST`` up to ``SLOW_MOST``); after ``REFUSED_AFTER``
failures in an hour it is refused until the hour since its latest failures has passed. When all accounts
together fail ``ALL_REFUSED_AFTER`` times in ``ALL_WINDOW`` (many accounts guessing), every redemption is
refused until the window has passed. Refused tries are not counted, so waiting is always enough.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from coord.errors import InviteInvalid
from coord.i18n import N_
from coord.models import InviteFailure

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=1)
FREE_TRIES = 3
SLOW_FIRST = timedelta(seconds=30)
SLOW_MOST = timedelta(minutes=15)
REFUSED_AFTER = 10
ALL_WINDOW = timedelta(minutes=10)
ALL_REFUSED_AFTER = 200


def check_guessing(session: Session, *, network: str, external_id: str, now: datetime) -> None:
    """Raise ``InviteInvalid``, saying how long to wait, if this account or everyone failed too often."""
    failures = list(
        session.scalars(
            select(InviteFailure.at)
            .where(
                InviteFailure.network == network,
                InviteFailure.external_id == external_id,
                InviteFailure.at > now - WINDOW,
            )
            .order_by(InviteFailure.at.desc())
            .limit(REFUSED_AFTER)
        )
    )
    if len(failures) >= REFUSED_AFTER:
        minutes = _minutes(failures[-1] + WINDOW - now)
        log.warning("invite codes: %s:%s refused after %d failures", network, external_id, len(failures))
        raise InviteInvalid(
            N_("Too many wrong invite codes. Try again in {minutes} minutes."), minutes=minutes
        )
    if len(failures) >= FREE_TRIES:
        wait = min(SLOW_FIRST * 2 ** (len(failures) - FREE_TRIES), SLOW_MOST)
        if now < failures[0] + wait:
            seconds = max(1, int((failures[0] + wait - now).total_seconds()))
            raise InviteInvalid(
                N_("Several wrong invite codes: wait {seconds} seconds before the next try."), seconds=seconds
            )
    recent = select(func.count(InviteFailure.id)).where(InviteFailure.at > now - ALL_WINDOW)
    everyone = session.scalar(recent) or 0
    if everyone >= ALL_REFUSED_AFTER:
        log.warning(
            "invite codes: %d failures from all accounts in %s; every try refused", everyone, ALL_WINDOW
        )
        raise InviteInvalid(
            N_("Too many wrong invite codes are being tried. Try again in {minutes} minutes."),
            minutes=_minutes(ALL_WINDOW),
        )


def record_failure(session: Session, *, network: str, external_id: str, now: datetime) -> None:
    """Count one failed redemption by ``network``/``external_id`` (the code is neither kept nor logged)."""
    session.execute(insert(InviteFailure), [{"network": network, "external_id": external_id, "at": now}])
    log.warning("invite codes: a wrong code from %s:%s", network, external_id)


def _minutes(left: timedelta) -> int:
    return max(1, -(-int(left.total_seconds()) // 60))
