"""The demo's residents' requests (群众点单、社区跑腿), played through the chat layer on top of the day.

Three residents scan their building's code on the door, give unit and room, confirm with the phone on file
and order from their own phones (one of them medicine: bought at once); a desk volunteer orders for an
elderly neighbour without a phone. The community's group-buy cut-off is set to 11:00 for the demo, so the
scheduler makes the runs before noon: a volunteer of the purchasing team claims a building's run, knocks,
leaves the goods, marks each door (one nobody answers: it goes on the next run), and a resident confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from coord.db import transaction
from coord.entrypoints.demo.voices import Voices
from coord.entrypoints.demo.world import SETTER, Cast, Member
from coord.models import Household, HouseholdRequest, Place, PlaceKind, RequestRun, Team
from coord.services import requests

CUTOFF = time(11, 0)
RESIDENT_IDS = 1_000_000  # the residents' chat ids are made up: they are not people of the seed yet
SAYS = {
    "en": {
        "home": "{unit} {room}",
        "phone": "phone {phone}",
        "first": "order rice 1 bag, eggs 10, milk 2",
        "second": "order flour 1 bag, cooking oil 1 bottle",
        "medicine": "order blood pressure pills 1 box",
        "desk": "order {address} rice 1 bag, noodles 2",
        "claim": "claim {task}",
        "delivered": "delivered {request}",
        "away": "notathome {request}",
        "received": "received {request}",
        "mine": "requests",
    },
    "zh": {
        "home": "{unit} {room}",
        "phone": "手机 {phone}",
        "first": "点单 大米 1袋、鸡蛋 10、牛奶 2",
        "second": "点单 面粉 1袋、食用油 1桶",
        "medicine": "点单 降压药 1盒",
        "desk": "点单 {address} 大米 1袋、挂面 2",
        "claim": "认领 {task}",
        "delivered": "送达 {request}",
        "away": "不在家 {request}",
        "received": "收到 {request}",
        "mine": "订单",
    },
}


@dataclass
class Neighbour:
    member: Member
    household_id: int
    unit: str
    room: str
    phone: str
    code: str


class Orders:
    """Residents order, the desk orders, and at the cut-off the runs go out: at set moments of the day."""

    def __init__(self, voices: Voices, factory: sessionmaker[Session], cast: Cast, *, day: date) -> None:
        self.voices = voices
        self.factory = factory
        self.cast = cast
        self.says = SAYS["zh" if voices.language == "zh" else "en"]
        zone = ZoneInfo(cast.timezone)
        self.at = {name: datetime.combine(day, moment, zone) for name, moment in MOMENTS.items()}
        self.done: set[str] = set()
        with transaction(factory) as session:
            team = _purchasing_team(session, cast)
            requests.set_request_settings(
                session=session, actor=SETTER, community_id=cast.community_id, cutoff=CUTOFF, team=team
            )
            self.team_id = team.id if team else None
            self.neighbours, self.desk_household = self._households(session, day)
        runners = cast.volunteers.get(self.team_id or 0) or next(iter(cast.volunteers.values()))
        self.runner = runners[0]
        self.desk = runners[-1]

    def _households(self, session: Session, day: date) -> tuple[list[Neighbour], Household]:
        buildings = session.scalars(
            select(Place)
            .where(Place.community_id == self.cast.community_id, Place.kind == PlaceKind.BUILDING)
            .order_by(Place.id)
            .limit(2)
        ).all()
        chosen: list[Neighbour] = []
        for n, (building, count) in enumerate(((buildings[0], 2), (buildings[1], 1))):
            code = requests.building_code(session, actor=SETTER, building=building, now=self.at["first"])
            homes = session.scalars(
                select(Household)
                .where(Household.building_id == building.id, Household.phone != "")
                .order_by(Household.id)
                .limit(count)
            ).all()
            for home in homes:
                member = Member(RESIDENT_IDS + len(chosen), home.contact_name or f"Resident {n}", None)
                chosen.append(Neighbour(member, home.id, home.unit, home.room, home.phone, code.code))
        desk = session.scalars(
            select(Household)
            .where(Household.building_id == buildings[0].id, Household.elderly.is_(True))
            .order_by(Household.id.desc())
            .limit(1)
        ).one()
        self.cast.residents = [n.member for n in chosen]
        return chosen, desk

    def act(self, now: datetime) -> None:
        """Whatever is due at ``now`` (each once)."""
        for name, moment in self.at.items():
            if name not in self.done and now >= moment:
                self.done.add(name)
                getattr(self, f"_{name}")()

    def _say(self, who: Member, key: str, **params: object) -> None:
        self.voices.type(who, self.says[key].format(**params))

    def _join(self, neighbour: Neighbour) -> None:
        who = neighbour.member
        self.voices.type(who, f"/start {neighbour.code}")
        self._say(who, "home", unit=neighbour.unit, room=neighbour.room)

    def _order(self, neighbour: Neighbour, order: str) -> None:
        self._say(neighbour.member, "phone", phone=neighbour.phone)
        self._say(neighbour.member, order)

    def _first_joins(self) -> None:
        self._join(self.neighbours[0])

    def _first(self) -> None:
        self._order(self.neighbours[0], "first")

    def _second_joins(self) -> None:
        self._join(self.neighbours[1])

    def _second(self) -> None:
        self._order(self.neighbours[1], "second")

    def _medicine_joins(self) -> None:
        self._join(self.neighbours[2])

    def _medicine(self) -> None:
        self._order(self.neighbours[2], "medicine")

    def _desk(self) -> None:
        with self.factory() as session:
            address = session.get_one(Household, self.desk_household.id).address
        self._say(self.desk, "desk", address=address)

    def _run(self) -> None:
        with self.factory() as session:
            run = session.scalars(
                select(RequestRun).where(RequestRun.building_id.is_not(None)).order_by(RequestRun.id)
            ).first()
        if run is not None:
            self._say(self.runner, "claim", task=run.run_task_id)

    def _doors(self) -> None:
        with self.factory() as session:
            run = session.scalars(select(RequestRun).order_by(RequestRun.id)).first()
            doors = (
                session.scalars(
                    select(HouseholdRequest.id)
                    .where(HouseholdRequest.run_id == run.id)
                    .order_by(HouseholdRequest.id)
                ).all()
                if run
                else []
            )
        for n, request_id in enumerate(doors):
            self._say(self.runner, "away" if n == 1 else "delivered", request=request_id)

    def _received(self) -> None:
        with self.factory() as session:
            first = session.scalars(
                select(HouseholdRequest.id)
                .where(HouseholdRequest.household_id == self.neighbours[0].household_id)
                .order_by(HouseholdRequest.id)
            ).first()
        if first is not None:
            self._say(self.neighbours[0].member, "received", request=first)
            self._say(self.neighbours[1].member, "mine")


MOMENTS = {
    "first_joins": time(7, 5),
    "first": time(7, 10),
    "second_joins": time(7, 35),
    "second": time(7, 40),
    "medicine_joins": time(8, 15),
    "medicine": time(8, 20),
    "desk": time(9, 10),
    "run": time(11, 20),
    "doors": time(13, 30),
    "received": time(13, 50),
}


def _purchasing_team(session: Session, cast: Cast) -> Team | None:
    """The team that buys and carries (生活物资采购组 in the seed), else the first that is not the reserve."""
    teams = [t for t in cast.teams if t != cast.reserve_team_id]
    named = [t for t in teams if "采购" in cast.teams[t] or "suppl" in cast.teams[t].lower()]
    chosen = named or teams
    return session.get(Team, chosen[0]) if chosen else None
