"""The community's routine: volunteers claim what their team is asked for, check in, and report done.

Every choice is drawn from a random generator seeded with the demo's seed and the thing decided (a task,
an assignment, a moment), so the same seed makes the same day whatever else happens around it. What the
story (``coord.entrypoints.demo.story``) plays out, the crowd leaves alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from coord.entrypoints.demo.figures import command, done_text, figures, time_needed
from coord.entrypoints.demo.messages import UNFILLED, Delivered
from coord.entrypoints.demo.voices import Voices
from coord.entrypoints.demo.work import Holding, Job, holdings, open_jobs
from coord.entrypoints.demo.work import job as read_job
from coord.entrypoints.demo.world import Cast, Member
from coord.models import AssignmentState

LOOK_AHEAD = timedelta(hours=4)  # deadline work is claimed once it is due within this
MOST_DEADLINE_JOBS = 2  # one person holds at most this many pieces of deadline work at once
ANSWER_A_CALL = 0.8  # the chance that someone in the group answers "can you take it?"
PICK_UP = 0.6  # the chance a piece of open deadline work is claimed in a given step
GOING_OUT = ("delivery", "purchase", "screening")  # deadline work one checks in for when setting off


class Plot(Protocol):
    """What the story keeps for itself."""

    def reserved(self, task_id: int) -> bool: ...

    def owns(self, holding: Holding) -> bool: ...

    def absent(self, person_id: int) -> bool: ...

    def symptomatic(self, task_id: int) -> bool: ...


class Crowd:
    def __init__(
        self, voices: Voices, factory: sessionmaker[Session], cast: Cast, plot: Plot, *, seed: int
    ) -> None:
        self.voices = voices
        self.factory = factory
        self.cast = cast
        self.plot = plot
        self.seed = seed
        self.language = voices.language
        self.zone = ZoneInfo(cast.timezone)
        self.tried: set[tuple[int, str]] = set()  # (assignment, what): each is tried once, even if refused

    def rng(self, *what: object) -> random.Random:
        return random.Random(":".join(str(w) for w in (self.seed, *what)))

    def held(self) -> dict[int, list[Holding]]:
        with self.factory() as session:
            found: dict[int, list[Holding]] = defaultdict(list)
            for holding in holdings(session, self.cast.community_id):
                found[holding.person_id].append(holding)
            return found

    def free(self, person: Member, job: Job, held: dict[int, list[Holding]], now: datetime) -> bool:
        """Whether ``person`` can take ``job`` on top of what they hold."""
        if self.plot.absent(person.id):
            return False
        mine = held.get(person.id, [])
        if any(h.job.id == job.id for h in mine):
            return False
        window = job if job.shift else replace(job, starts_at=now, ends_at=job.due_at)
        if any(h.job.shift and h.job.overlaps(window) for h in mine):
            return False
        deadlines = [h for h in mine if not h.job.shift]
        return len(deadlines) < MOST_DEADLINE_JOBS if not job.shift else not deadlines

    def willing(self, team_id: int, task_id: int, now: datetime, *, instead: bool = False) -> list[Member]:
        """The team's volunteers free to take ``task_id`` now (none when it is full, unless someone
        is to take it ``instead`` of its holder)."""
        with self.factory() as session:
            job = read_job(session, task_id)
        if job is None or (job.filled >= job.capacity and not instead):
            return []
        held = self.held()
        return [m for m in self.cast.volunteers.get(team_id, []) if self.free(m, job, held, now)]

    def step(self, now: datetime, heard: list[Delivered]) -> None:
        """One step of the day: answer what came in, do the work held, claim open work."""
        self._answer(now, heard)
        self._work(now)
        self._pick_up(now)

    def _answer(self, now: datetime, heard: list[Delivered]) -> None:
        for delivered in heard:
            if delivered.task_id is None or self.plot.reserved(delivered.task_id):
                continue
            team_id = self.cast.team_of_chat(delivered.message.chat_id)
            claim = delivered.payload("claim")
            if team_id is not None and claim is not None:
                self._answer_group(now, delivered, team_id, claim)
            elif delivered.msgid == UNFILLED and delivered.person_id in self._captain_ids():
                self._captain_fills(now, delivered)

    def _captain_ids(self) -> set[int]:
        return {c.id for c in self.cast.captains.values()}

    def _answer_group(self, now: datetime, delivered: Delivered, team_id: int, payload: str) -> None:
        assert delivered.task_id is not None
        rng = self.rng("answer", delivered.message.key)
        if rng.random() > ANSWER_A_CALL:
            return
        willing = self.willing(team_id, delivered.task_id, now)
        if willing:
            person = rng.choice(willing)
            label = delivered.label(payload)
            self.voices.press(person, payload, label, team_id=team_id, task_id=delivered.task_id)

    def _captain_fills(self, now: datetime, delivered: Delivered) -> None:
        """A captain told of an unfilled slot picks someone from the bot's list of the team."""
        captain = self.cast.member(delivered.person_id or 0)
        task_id = delivered.task_id
        if captain is None or captain.team_id is None or task_id is None:
            return
        willing = self.willing(captain.team_id, task_id, now)
        if willing:  # else the captain has nobody to ask, and the ladder goes on to the coordinators
            self.hand_over(captain, task_id, willing)

    def hand_over(self, captain: Member, task_id: int, willing: list[Member]) -> None:
        """The captain asks the bot to reassign ``task_id`` and presses the first willing person offered."""
        said = self.voices.type(captain, command(self.language, "reassign", task_id), task_id=task_id)
        chosen = {m.id: m for m in willing}
        for reply in said.replies:
            for row in reply.buttons:
                for button in row:
                    parts = button.payload.split(":")
                    if (
                        parts[0] == "ra"
                        and len(parts) >= 3
                        and parts[2].isdigit()
                        and int(parts[2]) in chosen
                    ):
                        name = chosen[int(parts[2])].name
                        self.voices.press(captain, button.payload, name, task_id=task_id)
                        return

    def _work(self, now: datetime) -> None:
        for person_id, mine in sorted(self.held().items()):
            person = self.cast.member(person_id)
            if person is None or self.plot.absent(person_id):
                continue
            for holding in mine:
                if not self.plot.owns(holding):
                    self._do(person, holding, now)

    def _do(self, person: Member, holding: Holding, now: datetime) -> None:
        job = holding.job
        rng = self.rng("work", holding.assignment_id)
        if job.shift and job.starts_at and job.ends_at:
            arrive = job.starts_at + timedelta(minutes=rng.randint(-15, 5))
            leave = job.ends_at + timedelta(minutes=rng.randint(0, 10))
            if holding.state == AssignmentState.CLAIMED and arrive <= now < job.ends_at:
                self._check_in(person, holding)
            elif holding.state == AssignmentState.CHECKED_IN and now >= leave:
                self._report(person, holding, rng)
            return
        set_off = holding.claimed_at + timedelta(minutes=rng.randint(0, 15))
        finish = holding.claimed_at + time_needed(job, rng)
        if job.due_at and holding.claimed_at < job.due_at - timedelta(minutes=15):
            finish = min(finish, job.due_at - timedelta(minutes=5))
        goes_out = job.kind in GOING_OUT
        if goes_out and holding.state == AssignmentState.CLAIMED:
            if now >= set_off:  # on the way: the hours from now on count as served
                self._check_in(person, holding)
        elif now >= finish:
            self._report(person, holding, rng)

    def _once(self, holding: Holding, what: str) -> bool:
        """True the first time ``what`` is done for ``holding``."""
        key = (holding.assignment_id, what)
        if key in self.tried:
            return False
        self.tried.add(key)
        return True

    def _check_in(self, person: Member, holding: Holding) -> None:
        if self._once(holding, "checkin"):
            job_id = holding.job.id
            self.voices.type(person, command(self.language, "checkin", job_id), task_id=job_id)

    def _report(self, person: Member, holding: Holding, rng: random.Random) -> None:
        job = holding.job
        hour = job.starts_at.astimezone(self.zone).hour if job.starts_at else 0
        values = figures(job, rng, hour=hour, symptoms=self.plot.symptomatic(job.id))
        if self._once(holding, "done"):
            self.voices.type(person, done_text(job, values, self.language), task_id=job.id)

    def _pick_up(self, now: datetime) -> None:
        """Volunteers claim open deadline work of their team that is due within a few hours."""
        with self.factory() as session:
            jobs = open_jobs(session, self.cast.community_id, now, within=LOOK_AHEAD)
        held = self.held()
        claimed: set[int] = set()
        for job in jobs:
            if job.shift or job.urgent or job.team_id is None or self.plot.reserved(job.id):
                continue
            rng = self.rng("pick", job.id, now.isoformat())
            if rng.random() > PICK_UP:
                continue
            team = self.cast.volunteers.get(job.team_id, [])
            willing = [m for m in team if m.id not in claimed and self.free(m, job, held, now)]
            if not willing:
                continue
            person = rng.choice(willing)
            in_group = rng.random() < 0.4
            text = command(self.language, "claim", job.id)
            self.voices.type(person, text, team_id=job.team_id if in_group else None, task_id=job.id)
            claimed.add(person.id)
            held = self.held()
