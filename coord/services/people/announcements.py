"""A captain's or coordinator's message to a whole team, through the outbox."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.models import Team
from coord.services.outbox.events import record_event
from coord.services.outbox.notifications import notify
from coord.services.people.access import Actor, require_lead

MAX_ANNOUNCEMENT = 1000


def announce(*, session: Session, actor: Actor, team: Team, text: str, now: datetime | None = None) -> bool:
    """Queue ``text`` for the team's group chats; the same message sent twice at once is queued once."""
    require_lead(session, actor, team.community_id, team.id)
    text = (text or "").strip()
    if not text or len(text) > MAX_ANNOUNCEMENT:
        raise InvalidInput(N_("A message to the team needs 1 to {most} characters."), most=MAX_ANNOUNCEMENT)
    moment = now or utcnow()
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    sender = actor.person.name if actor.person else ""
    queued = notify(
        session,
        dedupe_key=f"announce:{team.id}:{actor.person_id}:{moment.isoformat()}:{digest}",
        community_id=team.community_id,
        team_id=team.id,
        msgid=N_("Message from {name} to {team}: {text}"),
        params={"name": sender, "team": team.name, "text": text},
        at=moment,
    )
    record_event(
        session,
        actor=actor,
        action="announced",
        community_id=team.community_id,
        at=moment,
        team_id=team.id,
        length=len(text),
    )
    return queued
