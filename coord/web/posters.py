"""Invite posters: a team's invite code as a QR code (segno), printed and put up on the doors."""

from __future__ import annotations

from datetime import datetime, timedelta

import segno
from sqlalchemy.orm import Session

from coord.models import Invite, InviteRole
from coord.services.board import Viewer
from coord.services.people.invites import create_invite
from coord.services.people.people import find_team

POSTER_USES = 200
POSTER_DAYS = 14


def team_invite(session: Session, *, viewer: Viewer, team_id: int, now: datetime) -> Invite:
    """A volunteers' invite for the team, good for many uses (a poster is read by many); the invite service
    checks the viewer leads the team."""
    team = find_team(session, viewer.community.id, team_id)
    return create_invite(
        session=session,
        actor=viewer.actor,
        community=viewer.community,
        role=InviteRole.VOLUNTEER,
        team=team,
        uses=POSTER_USES,
        valid_for=timedelta(days=POSTER_DAYS),
        now=now,
    )


def qr_svg(code: str) -> str:
    """The invite code as an inline SVG QR code."""
    return str(segno.make(code, error="m").svg_inline(scale=8, dark="#000", light="#fff"))
