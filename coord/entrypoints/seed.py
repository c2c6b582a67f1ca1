"""The demo community: a compound like 万科嘉园 / 邮科院社区 in the articles, built through the services.

Sizes follow DOMAIN.md: 2 zones and 6 grids, 14 buildings of about 2,000 households (many elderly, some
in home quarantine), 2 gates, a supply depot, a parcel drop point and an ordering desk; 3 teams (gate duty,
purchasing, the emergency reserve) with a captain each and 40 volunteers; a coordinator; invites; a week
of recurring work (gate shifts, disinfection rounds, daily calls to quarantined households) and a few
one-off deliveries, one of them urgent medicine. The same seed gives the same data, except invite codes,
which stay random so that a demo database never holds guessable codes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from coord.entrypoints.seed_summary import DemoSummary, summarise
from coord.errors import InvalidInput
from coord.i18n import N_
from coord.kinds import get_kind
from coord.models import (
    Area,
    AreaKind,
    Community,
    Household,
    InviteRole,
    Person,
    Place,
    PlaceKind,
    Priority,
    Task,
    Team,
    TeamRole,
    WatchColour,
)
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor
from coord.services.people.communities import add_area, add_place, create_community
from coord.services.people.invites import create_invite
from coord.services.people.people import add_member, add_person, create_team, make_coordinator
from coord.services.work.claims import assign
from coord.services.work.tasks import create_task

DEMO_SLUG = "wanke-jiayuan"
DEMO_NAME = "万科嘉园社区"
TIMEZONE = "Asia/Shanghai"
SEEDER = Actor.system("seed")
ZONES = {"东片区": ("第1网格", "第2网格", "第3网格"), "西片区": ("第4网格", "第5网格", "第6网格")}
BUILDINGS = 14
#: (name, volunteers besides the captain, is the reserve): 3 captains and 40 volunteers, as in 万科嘉园.
TEAMS = (("门岗防控组", 17, False), ("生活物资采购组", 14, False), ("应急组", 9, True))
PARTY_MEMBERS = 18
OTHER_PLACES = (
    ("南门", PlaceKind.GATE, "东片区"),
    ("北门", PlaceKind.GATE, "西片区"),
    ("物资分发点", PlaceKind.DEPOT, "东片区"),
    ("快递临时接收点", PlaceKind.DROP_POINT, "西片区"),
    ("线下预定点", PlaceKind.DESK, "东片区"),
)
#: The watch list: about 1.5% blue (home quarantine), 1% yellow (being traced), 1.5% green.
WATCH_SHARES = ((0.015, WatchColour.BLUE), (0.025, WatchColour.YELLOW), (0.04, WatchColour.GREEN))
SERVICE_STANDARD = (
    "一、上岗前自测体温，全程佩戴口罩和手套。"
    "二、送货到门：敲门不见面，物资放在门口后退两米，电话告知住户。"
    "三、卡口值守：不得无故脱岗；逐人测温、查验健康码、登记进出。"
    "四、住户的地址、电话和健康情况只用于本次任务，不得外传。"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓"
    "曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢钟谭陆汪范金石"
    "廖贾夏付方邹孟熊秦江"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚文华玲斌宇浩凯鹏辉鑫丹萍琳雪慧婷颖晨阳峰波俊红梅兰英国庆建志秀海"
)
GATE_RULE = "FREQ=DAILY;BYHOUR=6,10,14,18;BYMINUTE=0"
ROUNDS_RULE = "FREQ=DAILY;BYHOUR=9,15;BYMINUTE=0"
GATE_DUTY = "测温、查验健康码、登记进出，不得无故脱岗。"
ROUNDS = "楼道、电梯按钮、门把手，登记用药量。"
GROCERIES = "送菜上门：米、油、蔬菜"
KNOCK = "敲门不见面，放门口。"
#: Recurring work: name, kind, title, team (index in TEAMS), rule, minutes (shift length or deadline),
#: capacity, target (place:NAME, or zone:NAME for its buildings), details.
RECURRING = (
    ("南门值守", "gate_shift", "{place}值守 {time}", 0, GATE_RULE, 240, 2, "place:南门", GATE_DUTY),
    ("北门值守", "gate_shift", "{place}值守 {time}", 0, GATE_RULE, 240, 2, "place:北门", GATE_DUTY),
    ("东片区楼栋消杀", "disinfection", "{place}消杀", 2, ROUNDS_RULE, 90, 1, "zone:东片区", ROUNDS),
    ("西片区楼栋消杀", "disinfection", "{place}消杀", 2, ROUNDS_RULE, 90, 1, "zone:西片区", ROUNDS),
)
#: Households under watch need no template: their colour makes their calls (coord.services.watch).
WATCH_REASONS = {
    WatchColour.BLUE: "外地返回，已核实，居家隔离",
    WatchColour.YELLOW: "外地返回，电话追踪中",
    WatchColour.GREEN: "低风险，定期回访",
}
#: One-off work: kind, title, team, hours until due, capacity, urgent, target (alone:N is the Nth
#: elderly household living alone, place:NAME a place), public details, private details.
ONE_OFF = (
    ("purchase", "代买降压药（急）", 1, 2, 1, True, "alone:0", "独居老人的药快吃完了。", "硝苯地平两盒"),
    ("delivery", GROCERIES, 1, 3, 1, False, "alone:1", KNOCK, ""),
    ("delivery", GROCERIES, 1, 4, 1, False, "alone:2", KNOCK, ""),
    ("delivery", GROCERIES, 1, 5, 1, False, "alone:3", KNOCK, ""),
    ("delivery", GROCERIES, 1, 6, 1, False, "alone:4", KNOCK, ""),
    ("purchase", "团购蔬菜包分拣（120 份）", 1, 5, 4, False, "place:物资分发点", "", ""),
    ("delivery", "快递分拣并送到楼栋", 2, 8, 2, False, "place:快递临时接收点", "", ""),
    ("screening", "3栋返汉人员逐户排查", 2, 24, 1, False, "place:3栋", "登记返汉人员", ""),
)


@dataclass
class _Demo:
    """What the steps hand to each other."""

    session: Session
    community: Community
    rng: random.Random
    now: datetime
    zones: dict[str, Area]
    grids: list[Area]
    places: dict[str, Place]
    buildings: list[Place]
    teams: list[Team]
    members: dict[int, list[Person]]

    @property
    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(TIMEZONE)).date()

    @property
    def common(self) -> dict[str, Any]:
        """What every service call of the seed is given."""
        return {"session": self.session, "actor": SEEDER, "community": self.community}


def seed_demo(*, session: Session, now: datetime, seed: int = 1) -> DemoSummary:
    """Build the demo community in ``session`` (the caller commits); refuse if it is there already."""
    if session.scalar(select(Community.id).where(Community.slug == DEMO_SLUG)) is not None:
        raise InvalidInput(
            N_("The demo community “{slug}” is in this database already; seed a fresh database instead."),
            slug=DEMO_SLUG,
        )
    community = create_community(
        session=session, actor=SEEDER, name=DEMO_NAME, slug=DEMO_SLUG, timezone=TIMEZONE, language="zh",
        service_standard=SERVICE_STANDARD,
    )  # fmt: skip
    demo = _Demo(session, community, random.Random(seed), now, {}, [], {}, [], [], {})
    _add_areas(demo)
    _add_places(demo)
    _add_households(demo)
    _add_people(demo)
    _add_invites(demo)
    _add_recurring_work(demo)
    _watch_households(demo)
    _add_one_off_work(demo)
    _staff_next_gate_shifts(demo)
    session.flush()
    return summarise(session, community)


def _add_areas(demo: _Demo) -> None:
    for zone_name, grid_names in ZONES.items():
        zone = add_area(**demo.common, name=zone_name, kind=AreaKind.ZONE)
        demo.zones[zone_name] = zone
        for grid_name in grid_names:
            demo.grids.append(add_area(**demo.common, name=grid_name, kind=AreaKind.GRID, parent=zone))


def _add_places(demo: _Demo) -> None:
    for number in range(1, BUILDINGS + 1):
        grid = demo.grids[(number - 1) * len(demo.grids) // BUILDINGS]
        floors, units = demo.rng.randint(16, 32), demo.rng.randint(2, 4)
        building = add_place(
            **demo.common, name=f"{number}栋", kind=PlaceKind.BUILDING, area=grid, floors=floors, units=units
        )
        demo.buildings.append(building)
    for name, kind, zone in OTHER_PLACES:
        demo.places[name] = add_place(**demo.common, name=name, kind=kind, area=demo.zones[zone])


def _add_households(demo: _Demo) -> None:
    """About 2,000 households in one bulk insert: every row is complete and valid."""
    rows = []
    for building in demo.buildings:
        for unit in range(1, (building.units or 1) + 1):
            for floor in range(1, (building.floors or 1) + 1):
                for door in (1, 2):
                    rows.append(_household(demo, building, str(unit), f"{floor}{door:02d}"))
    demo.session.execute(insert(Household), rows)
    record_event(
        demo.session,
        at=demo.now,
        actor=SEEDER,
        action="households_added",
        community_id=demo.community.id,
        count=len(rows),
    )


def _household(demo: _Demo, building: Place, unit: str, room: str) -> dict[str, Any]:
    rng = demo.rng
    elderly = rng.random() < 0.32
    alone = elderly and rng.random() < 0.35
    draw = rng.random()
    colour = next((colour for below, colour in WATCH_SHARES if draw < below), None)
    quarantined = colour in (WatchColour.BLUE, WatchColour.YELLOW)
    return {
        "community_id": demo.community.id,
        "building_id": building.id,
        "unit": unit,
        "room": room,
        "elderly": elderly,
        "lives_alone": alone,
        "disabled": rng.random() < 0.02,
        "watch_colour": colour,
        "quarantine_until": demo.today + timedelta(days=rng.randint(2, 13)) if quarantined else None,
        "contact_name": _name(rng),
        "phone": _phone(rng),
        "notes": "独居老人，敲门请多等一会儿" if alone and rng.random() < 0.3 else "",
    }


def _add_people(demo: _Demo) -> None:
    """A coordinator, then each team's captain and volunteers; 18 party members among them."""
    used: set[str] = set()
    coordinator = _person(demo, used)
    make_coordinator(session=demo.session, actor=SEEDER, person=coordinator)
    for team_name, volunteers, reserve in TEAMS:
        team = create_team(**demo.common, name=team_name, is_reserve=reserve)
        demo.teams.append(team)
        demo.members[team.id] = []
        for index in range(volunteers + 1):
            person = _person(demo, used)
            role = TeamRole.CAPTAIN if index == 0 else TeamRole.VOLUNTEER
            add_member(session=demo.session, actor=SEEDER, team=team, person=person, role=role)
            if role == TeamRole.VOLUNTEER:
                demo.members[team.id].append(person)
    everyone = [p for team in demo.teams for p in demo.members[team.id]]
    for person in demo.rng.sample(everyone, PARTY_MEMBERS):
        person.skills = sorted({*person.skills, "party_member"})
    for person in demo.members[demo.teams[1].id][:5]:
        person.skills = sorted({*person.skills, "driver"})


def _person(demo: _Demo, used: set[str]) -> Person:
    name = _name(demo.rng)
    while name in used:
        name = _name(demo.rng)
    used.add(name)
    return add_person(**demo.common, name=name, phone=_phone(demo.rng))


def _add_invites(demo: _Demo) -> None:
    """A code for each team's group chat, and one for a second coordinator."""
    for team in demo.teams:
        create_invite(**demo.common, role=InviteRole.VOLUNTEER, team=team, uses=20, now=demo.now)
    create_invite(**demo.common, role=InviteRole.COORDINATOR, now=demo.now)


def _add_recurring_work(demo: _Demo) -> None:
    """Gate shifts, disinfection per zone, daily calls to households in quarantine; then a week of tasks."""
    from coord.services.recurring.materialisation import materialise
    from coord.services.recurring.templates import create_template

    for name, kind, title, team, rule, minutes, capacity, target, details in RECURRING:
        timing: dict[str, Any] = {"duration_minutes" if get_kind(kind).shift else "due_minutes": minutes}
        template = create_template(
            **demo.common,
            name=name,
            kind=kind,
            title=title,
            rrule=rule,
            starts_on=demo.today,
            team=demo.teams[team],
            capacity=capacity,
            public_details=details,
            **timing,
            **_template_target(demo, target),
        )
        materialise(session=demo.session, template=template, now=demo.now, days=7)


def _template_target(demo: _Demo, target: str) -> dict[str, Any]:
    what, _, name = target.partition(":")
    if what == "place":
        return {"place": demo.places[name]}
    return {"area": demo.zones[name], "place_kind": PlaceKind.BUILDING.value}  # zone:NAME


def _watch_households(demo: _Demo) -> None:
    """Each household under watch gets a named responsible person (the purchasing team's volunteers in
    turn) and, when blue, a medic (the emergency team's); today's calls are made as the scheduler would."""
    from coord.services.watch import arm_watches, follow_up

    watched = demo.session.scalars(
        select(Household)
        .where(Household.community_id == demo.community.id, Household.watch_colour.is_not(None))
        .order_by(Household.id)
    ).all()
    callers, medics = demo.members[demo.teams[1].id], demo.members[demo.teams[2].id]
    for index, household in enumerate(watched):
        household.watch_lead_id = callers[index % len(callers)].id
        if household.watch_colour == WatchColour.BLUE:
            household.watch_medic_id = medics[index % len(medics)].id
        household.watch_reason = WATCH_REASONS.get(household.watch_colour, "")  # type: ignore[arg-type]
        household.watch_set_at = demo.now
    demo.session.flush()
    record_event(
        demo.session,
        at=demo.now,
        actor=SEEDER,
        action="households_watched",
        community_id=demo.community.id,
        count=len(watched),
    )
    arm_watches(demo.session, now=demo.now, limit=len(watched))
    for household in watched:
        if household.watch_due_at is not None and household.watch_due_at <= demo.now:
            follow_up(demo.session, household, now=demo.now)


def _add_one_off_work(demo: _Demo) -> None:
    """Deliveries to elderly people living alone (one of them urgent medicine), sorting, screening."""
    alone = demo.session.scalars(
        select(Household)
        .where(Household.community_id == demo.community.id, Household.lives_alone.is_(True))
        .order_by(Household.id)
    ).all()
    chosen = demo.rng.sample(list(alone), 5)
    places = {place.name: place for place in [*demo.buildings, *demo.places.values()]}
    for kind, title, team, hours, capacity, urgent, target, details, private in ONE_OFF:
        what, _, name = target.partition(":")
        create_task(
            **demo.common,
            kind=kind,
            title=title,
            team=demo.teams[team],
            due_at=demo.now + timedelta(hours=hours),
            capacity=capacity,
            priority=Priority.URGENT if urgent else Priority.NORMAL,
            household=chosen[int(name)] if what == "alone" else None,
            place=places[name] if what == "place" else None,
            public_details=details,
            private_details=private,
            now=demo.now,
        )


def _staff_next_gate_shifts(demo: _Demo) -> None:
    """The captain has rostered gate volunteers onto the next four shifts."""
    gate = demo.teams[0]
    upcoming = demo.session.scalars(
        select(Task)
        .where(Task.team_id == gate.id, Task.kind == "gate_shift", Task.starts_at > demo.now)
        .order_by(Task.starts_at, Task.id)
        .limit(4)
    ).all()
    roster = demo.rng.sample(demo.members[gate.id], 2 * len(upcoming))
    for index, task in enumerate(upcoming):
        for person in roster[2 * index : 2 * index + 2]:
            assign(session=demo.session, actor=SEEDER, task_id=task.id, person=person, now=demo.now)


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    """A Chinese mobile number in E.164, as coord stores phone numbers."""
    return f"+861{rng.choice('3589')}{rng.randrange(10**9):09d}"
