"""The day's episodes, played through the chat layer on top of the routine.

- Urgent medicine: the seed's urgent purchase for an elderly resident living alone is left by its team;
  the ladder asks the team, then the captain and the reserve (the 应急组 "assault team"), whose volunteer
  takes it from the reserve's group chat.
- A no-show: one of the two volunteers rostered on the 10:00 gate shift never arrives. The ladder marks
  the no-show and tells the captain, who asks the team's group; a volunteer takes the free slot.
- A reassignment: a delivery claimed in the morning is not done by its deadline; the captain, told by the
  ladder, hands it to someone else from the bot's list.
- A check-in call finds a fever: the household turns red and the leads are told at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, sessionmaker

from coord.entrypoints.demo.crowd import Crowd
from coord.entrypoints.demo.figures import command
from coord.entrypoints.demo.messages import NOT_AT_POST, NOT_DONE, ROSTER, URGENT, Delivered
from coord.entrypoints.demo.voices import Voices
from coord.entrypoints.demo.work import Holding
from coord.entrypoints.demo.world import Cast
from coord.i18n import N_
from coord.models import ACTIVE_STATES, Assignment, Household, Priority, Task

ANNOUNCE = {"en": "announce", "zh": "通知"}
SHORT_OF_ONE = N_("The {title} shift is one person short: who can come now? Send “{claim}”.")
PICKED_UP = N_(
    "Urgent task #{task_id} “{title}” was taken by {name} of {team}, {minutes} min after it was posted."
)


@dataclass(frozen=True)
class Note:
    """A line the story adds to the feed."""

    at: datetime
    tag: str
    key: str
    params: dict[str, object]


class Story:
    def __init__(
        self, voices: Voices, factory: sessionmaker[Session], cast: Cast, *, seed: int, day: date
    ) -> None:
        self.voices = voices
        self.factory = factory
        self.cast = cast
        self.language = voices.language
        self.rng = random.Random(f"{seed}:story")
        zone = ZoneInfo(cast.timezone)
        with factory() as session:
            self.urgent = _first(session, Task.priority == Priority.URGENT)
            self.no_show = _first(session, Task.starts_at == datetime.combine(day, time(10), zone))
            self.absentee = _holders(session, self.no_show)[0]
            self.late = _first(
                session,
                Task.kind == "delivery",
                Task.household_id.is_not(None),
                Task.due_at <= datetime.combine(day, time(12), zone),
                order=Task.due_at.desc(),
            )
            self.fever = _first(session, Task.kind == "checkin_call", Household.watch_colour == "blue")
            self.urgent_created = session.get_one(Task, self.urgent).created_at
        self.claim_late_at = datetime.combine(day, time(7, 40), zone)
        self.today_at = datetime.combine(day, time(12), zone)
        self.late_holder: int | None = None
        self.urgent_taken = False
        self.announced = False
        self.refilled = False
        self.notes: list[Note] = []

    @property
    def featured(self) -> set[int]:
        return {self.urgent, self.no_show, self.late, self.fever}

    def reserved(self, task_id: int) -> bool:
        return task_id in (self.urgent, self.late) or (task_id == self.no_show and self.announced)

    def owns(self, holding: Holding) -> bool:
        mine = {(self.no_show, self.absentee), (self.late, self.late_holder)}
        return (holding.job.id, holding.person_id) in mine

    def absent(self, person_id: int) -> bool:
        return person_id == self.absentee

    def symptomatic(self, task_id: int) -> bool:
        return task_id == self.fever

    def take_notes(self) -> list[Note]:
        notes, self.notes = self.notes, []
        return notes

    def act(self, now: datetime, heard: list[Delivered], crowd: Crowd) -> None:
        """This step's part of the story: react to what came in, and what happens at set times."""
        if self.late_holder is None and now >= self.claim_late_at:
            self._claim_late(now, crowd)
        for delivered in heard:
            if delivered.key.startswith("announce:"):
                self._refill(now, delivered, crowd)
            elif delivered.tag == ROSTER and delivered.person_id == self.absentee:
                self._decline(delivered)
            elif delivered.task_id == self.urgent:
                self._urgent(now, delivered, crowd)
            elif delivered.task_id == self.no_show:
                self._no_show(now, delivered, crowd)
            elif delivered.task_id == self.late and delivered.msgid == NOT_DONE:
                self._reassign_late(now, delivered, crowd)
        if now == self.today_at:
            self.voices.type(self.cast.coordinator, command(self.language, "today"))

    def _claim_late(self, now: datetime, crowd: Crowd) -> None:
        """Early on, a volunteer takes the delivery that will be late."""
        team_id = self._team_of(self.late)
        willing = crowd.willing(team_id, self.late, now)
        if not willing:
            self.late_holder = -1
            return
        person = self.rng.choice(willing)
        self.voices.type(
            person, command(self.language, "claim", self.late), team_id=team_id, task_id=self.late
        )
        self.late_holder = person.id

    def _urgent(self, now: datetime, delivered: Delivered, crowd: Crowd) -> None:
        """Nobody in the team takes the medicine; someone of the reserve does, from the reserve's group."""
        reserve = self.cast.reserve_team_id
        payload = delivered.payload("claim")
        if self.urgent_taken or payload is None or reserve is None:
            return
        if self.cast.team_of_chat(delivered.message.chat_id) != reserve:
            return  # the task's own team is busy: its group is asked, nobody answers
        willing = crowd.willing(reserve, self.urgent, now)
        if not willing:
            return
        person = self.rng.choice(willing)
        label = delivered.label(payload)
        self.voices.press(person, payload, label, team_id=reserve, task_id=self.urgent)
        if self._holder(self.urgent) == person.id:
            self.urgent_taken = True
            minutes = int((now - self.urgent_created).total_seconds() // 60)
            with self.factory() as session:
                title = session.get_one(Task, self.urgent).title
            params = {
                "task_id": self.urgent,
                "title": title,
                "name": person.name,
                "team": self.cast.teams[reserve],
                "minutes": minutes,
            }
            self.notes.append(Note(now, URGENT, PICKED_UP, params))

    def _no_show(self, now: datetime, delivered: Delivered, crowd: Crowd) -> None:
        """The captain, told who is missing, asks the team's group; a volunteer takes the free slot."""
        team_id = self._team_of(self.no_show)
        captain = self.cast.captains.get(team_id)
        if (
            delivered.msgid == NOT_AT_POST
            and captain
            and delivered.person_id == captain.id
            and not self.announced
        ):
            with self.factory() as session:
                title = session.get_one(Task, self.no_show).title
            claim = command(self.language, "claim", self.no_show)
            text = self.voices.translate(SHORT_OF_ONE, title=title, claim=claim)
            self.voices.type(captain, f"{ANNOUNCE[self.language]} {text}", task_id=self.no_show)
            self.announced = True

    def _refill(self, now: datetime, delivered: Delivered, crowd: Crowd) -> None:
        """A volunteer who reads the captain's call in the group takes the free slot."""
        team_id = self._team_of(self.no_show)
        if (
            not self.announced
            or self.refilled
            or self.cast.team_of_chat(delivered.message.chat_id) != team_id
        ):
            return
        willing = crowd.willing(team_id, self.no_show, now)
        if willing:
            person = self.rng.choice(willing)
            text = command(self.language, "claim", self.no_show)
            self.voices.type(person, text, team_id=team_id, task_id=self.no_show)
            self.refilled = True

    def _decline(self, delivered: Delivered) -> None:
        """The volunteer who did not come is given more work by the roster, and declines it."""
        payload = delivered.payload("decline")
        person = self.cast.member(self.absentee)
        if payload is not None and person is not None:
            self.voices.press(person, payload, delivered.label(payload), task_id=delivered.task_id)

    def _reassign_late(self, now: datetime, delivered: Delivered, crowd: Crowd) -> None:
        """The captain hands the late delivery to the first free person the bot offers."""
        team_id = self._team_of(self.late)
        captain = self.cast.captains.get(team_id)
        if captain is None or delivered.person_id != captain.id:
            return
        crowd.hand_over(captain, self.late, crowd.willing(team_id, self.late, now, instead=True))

    def _team_of(self, task_id: int) -> int:
        with self.factory() as session:
            team_id = session.get_one(Task, task_id).team_id
        assert team_id is not None
        return team_id

    def _holder(self, task_id: int) -> int | None:
        with self.factory() as session:
            return session.scalar(
                select(Assignment.person_id)
                .where(Assignment.task_id == task_id, Assignment.state.in_(ACTIVE_STATES))
                .order_by(Assignment.id)
                .limit(1)
            )


def _first(session: Session, *where: ColumnElement[bool], order: Any = None) -> int:
    """The first task matching ``where`` (by number, or by ``order``)."""
    query = select(Task.id).outerjoin(Household, Household.id == Task.household_id).where(*where)
    found = session.scalar(query.order_by(order if order is not None else Task.id).limit(1))
    if found is None:
        raise LookupError("the demo community lacks a task its story needs")
    return int(found)


def _holders(session: Session, task_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Assignment.person_id)
            .where(Assignment.task_id == task_id, Assignment.state.in_(ACTIVE_STATES))
            .order_by(Assignment.id)
        )
    )
