"""Invite posters: a team's invite code, and each building's residents' code with the bot's deep link, as
QR codes (segno), printed and put up on the doors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from sqlalchemy.orm import Session

from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.models import Invite, InviteRole, Place
from coord.services import board
from coord.services.board import Viewer
from coord.services.people.invites import create_invite
from coord.services.people.people import find_team
from coord.services.requests import building_code, deep_link

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


#: A Telegram bot's username: 5 to 32 letters, digits and underscores.
BOT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
DEFAULT_BOT = "coord_bot"


@dataclass(frozen=True)
class DoorPoster:
    """A building's door poster: its household code and the bot's deep link, as a QR code."""

    building: str
    code: str
    link: str
    qr: str


def building_posters(
    session: Session, *, viewer: Viewer, bot: str, now: datetime, building_id: int | None = None
) -> list[DoorPoster]:
    """The residents' code of each building (or of ``building_id``), made the first time it is asked for;
    the requests service checks the viewer may hand them out. An impossible bot name is refused."""
    name = bot.strip().lstrip("@")
    if not BOT_NAME.fullmatch(name):
        raise InvalidInput(
            N_("A bot's username is 5 to 32 letters, digits or underscores, beginning with a letter.")
        )
    found = []
    for place_id, _ in board.buildings(session, viewer=viewer):
        if building_id is not None and place_id != building_id:
            continue
        place = session.get_one(Place, place_id)
        code = building_code(session, actor=viewer.actor, building=place, now=now)
        link = deep_link(code.code, name)
        found.append(DoorPoster(place.name, code.code, link, qr_svg(link)))
    if not found:
        raise NotFound(N_("There is no building “{name}”."), name=str(building_id))
    return found


def qr_svg(code: str) -> str:
    """The invite code as an inline SVG QR code."""
    return str(segno.make(code, error="m").svg_inline(scale=8, dark="#000", light="#fff"))
