"""Sign-in without passwords: a one-time link sent by the bot, then a browser session with a CSRF token.

Only the SHA-256 of a link's or session's token is stored; the token itself lives in the link (until it is
used) and in the browser's cookie. A link is spent by its first use, and lasts a few minutes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from coord.errors import NotAllowed
from coord.i18n import N_
from coord.models import Person, WebLink, WebSession, WebSite
from coord.services.board.viewer import Viewer, viewer_of
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor

LINK_LIFETIME = timedelta(minutes=10)
KEPT_AFTER = timedelta(days=1)
SIGNIN_PATH = "/signin/"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def board_address(session: Session) -> str | None:
    """The board's base URL, as the web process last wrote it; None when no board has run."""
    return session.scalar(select(WebSite.base_url).order_by(WebSite.id).limit(1))


def publish_address(session: Session, base_url: str, *, now: datetime) -> None:
    """Record where the board is reached (the web process, at start): the bot builds its links from it."""
    site = session.scalar(select(WebSite).order_by(WebSite.id).limit(1))
    if site is None:
        session.add(WebSite(base_url=base_url.rstrip("/"), updated_at=now))
    elif site.base_url != base_url.rstrip("/"):
        site.base_url, site.updated_at = base_url.rstrip("/"), now


def issue_link(
    session: Session, *, person: Person, now: datetime, lifetime: timedelta = LINK_LIFETIME
) -> str:
    """A new one-time sign-in token for ``person`` (a captain or coordinator), valid for ``lifetime``."""
    viewer_of(session, person)  # refuses volunteers: the board is for those who lead
    forget_spent(session, now=now)
    token = secrets.token_urlsafe(32)
    session.add(
        WebLink(person_id=person.id, token_hash=token_hash(token), created_at=now, expires_at=now + lifetime)
    )
    session.flush()
    return token


def forget_spent(session: Session, *, now: datetime) -> None:
    """Delete links and sessions over for a day (used, expired or signed out): nothing is kept of them."""
    before = now - KEPT_AFTER
    session.execute(delete(WebLink).where(WebLink.expires_at < before))
    session.execute(
        delete(WebSession).where(or_(WebSession.expires_at < before, WebSession.ended_at < before))
    )


def send_link(session: Session, *, actor: Actor, now: datetime, lifetime: timedelta = LINK_LIFETIME) -> int:
    """The bot's ``/web``: a sign-in link for the acting person, by direct message through the outbox.
    Returns the minutes it is valid."""
    person = actor.require_person()
    viewer_of(session, person)  # a volunteer hears the board is for leads, whether or not one runs
    base = board_address(session)
    if base is None:
        raise NotAllowed(N_("The web board is not running yet. Ask the operator to start it (coord web)."))
    token = issue_link(session, person=person, now=now, lifetime=lifetime)
    minutes = int(lifetime.total_seconds() // 60)
    notify(
        session,
        dedupe_key=f"web-link:{token_hash(token)}",
        community_id=person.community_id,
        msgid=N_("Your sign-in link to the board (works once, for {minutes} minutes): {url}"),
        params={"minutes": minutes, "url": base + SIGNIN_PATH + token},
        person_id=person.id,
        private=True,
        at=now,
    )
    return minutes


@dataclass(frozen=True)
class SignedIn:
    """A new browser session: the token for the cookie, and the CSRF token of its forms."""

    token: str
    csrf_token: str
    expires_at: datetime


def redeem_link(session: Session, *, token: str, now: datetime, lifetime: timedelta) -> SignedIn:
    """Spend a sign-in link and open a session; an unknown, used or expired link is refused."""
    spent = session.execute(
        update(WebLink)
        .where(WebLink.token_hash == token_hash(token), WebLink.used_at.is_(None), WebLink.expires_at > now)
        .values(used_at=now)
        .returning(WebLink.person_id)
    ).scalar_one_or_none()
    if spent is None:
        raise NotAllowed(
            N_("This sign-in link has expired or was already used. Ask the bot for a new one: /web")
        )
    person = session.get(Person, spent)
    if person is None or not person.active:
        raise NotAllowed(
            N_("This sign-in link has expired or was already used. Ask the bot for a new one: /web")
        )
    viewer_of(session, person)
    opened = SignedIn(secrets.token_urlsafe(32), secrets.token_urlsafe(24), now + lifetime)
    session.add(
        WebSession(
            person_id=person.id,
            token_hash=token_hash(opened.token),
            csrf_token=opened.csrf_token,
            created_at=now,
            expires_at=opened.expires_at,
        )
    )
    return opened


@dataclass(frozen=True)
class Visit:
    """A request from a signed-in browser: who, with what reach, and the CSRF token its forms carry."""

    viewer: Viewer
    csrf_token: str
    session_id: int


def visit(session: Session, *, token: str | None, now: datetime) -> Visit | None:
    """The signed-in viewer behind a session cookie, or None (no cookie, unknown, ended, expired, or no
    longer a captain or coordinator)."""
    if not token:
        return None
    row = session.execute(
        select(WebSession, Person)
        .join(Person, Person.id == WebSession.person_id)
        .where(
            WebSession.token_hash == token_hash(token),
            WebSession.ended_at.is_(None),
            WebSession.expires_at > now,
            Person.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    web_session, person = row
    try:
        viewer = viewer_of(session, person)
    except NotAllowed:
        return None
    return Visit(viewer, web_session.csrf_token, web_session.id)


def sign_out(session: Session, *, token: str | None, now: datetime) -> None:
    """End the session behind ``token`` (a no-op without one)."""
    if token:
        session.execute(
            update(WebSession)
            .where(WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None))
            .values(ended_at=now)
        )
