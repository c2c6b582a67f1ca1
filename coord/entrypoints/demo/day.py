"""One simulated day: seed the community, then move the clock in steps while people and workers act.

Each step the story and the crowd speak through the chat layer, then the scheduler ticks and the actors
run what it dispatched (reminders, escalations, auto-assignment, no-shows, delivery, the summary at
20:00); the feed shows it. The day ends with the daily summary exactly as the coordinator received it.
"""

from __future__ import annotations

import time as wall
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlalchemy import Engine

from coord.clock import FrozenClock, utcnow
from coord.db import make_engine, make_session_factory
from coord.entrypoints.demo.crowd import Crowd
from coord.entrypoints.demo.engine import Workers
from coord.entrypoints.demo.feed import Feed
from coord.entrypoints.demo.messages import SUMMARY, Delivered, read_delivered
from coord.entrypoints.demo.orders import Orders
from coord.entrypoints.demo.story import Story
from coord.entrypoints.demo.voices import Voices
from coord.entrypoints.demo.world import build_world
from coord.entrypoints.seed import TIMEZONE
from coord.errors import CoordError
from coord.i18n import N_
from coord.migrate import upgrade
from coord.settings import Settings

DAY_STARTS = time(5, 30)
DAY_ENDS = time(20, 10)  # the summary goes out at 20:00


class DemoFailed(CoordError):
    """The simulated day did not end as it must (a bug: the summary never came)."""


@dataclass(frozen=True)
class DemoOptions:
    seed: int = 1
    language: str = "en"
    day: date | None = None  # default: today in the community's timezone
    keep: Path | None = None  # keep the database in this file instead of a throwaway one
    chart: Path | None = None
    step: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class DemoResult:
    summary: str
    chart: Path
    database: Path | None
    seconds: float


def run_demo(options: DemoOptions, settings: Settings, console: Console) -> DemoResult:
    """Run the day and print its feed on ``console``; the result says where the chart and database are."""
    began = wall.perf_counter()
    zone = ZoneInfo(TIMEZONE)
    day = options.day or utcnow().astimezone(zone).date()
    with _database(options.keep) as path:
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        try:
            upgrade(engine)
            summary, chart = _simulate(options, settings, console, engine, url, day)
        finally:
            engine.dispose()
    target = options.chart or default_chart(day, options.seed)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(chart)
    return DemoResult(summary, target, options.keep, wall.perf_counter() - began)


def default_chart(day: date, seed: int) -> Path:
    from tempfile import gettempdir

    return Path(gettempdir()) / "coord-demo" / f"daily-summary-{day.isoformat()}-seed{seed}.png"


@contextmanager
def _database(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        yield keep
        return
    with TemporaryDirectory(prefix="coord-demo-") as folder:
        yield Path(folder) / "demo.db"


def _simulate(
    options: DemoOptions, settings: Settings, console: Console, engine: Engine, url: str, day: date
) -> tuple[str, bytes]:
    zone = ZoneInfo(TIMEZONE)
    start, end = datetime.combine(day, DAY_STARTS, zone), datetime.combine(day, DAY_ENDS, zone)
    factory = make_session_factory(engine)
    cast, counts = build_world(factory, start=start, seed=options.seed, language=options.language)
    clock = FrozenClock(start)
    workers = Workers(settings.model_copy(update={"database_url": url, "redis_url": None}), engine, clock)
    voices = Voices(factory, cast, clock, options.language)
    story = Story(voices, factory, cast, seed=options.seed, day=day)
    crowd = Crowd(voices, factory, cast, story, seed=options.seed)
    orders = Orders(voices, factory, cast, day=day)  # residents' requests and a group-buy run
    feed = Feed(console, language=options.language, cast=cast, featured=story.featured)
    feed.rule(
        N_("coord demo — {community}, {day} (seed {seed})"), community=counts.name, day=day, seed=options.seed
    )
    feed.plain(", ".join(f"{feed.t(label)} {count}" for label, count in counts.counts()) + ".")
    feed.say(
        N_(
            "A simulated day from {start} to {end}, in steps of {minutes} minutes: the volunteers act "
            "through the chat layer; reminders, escalations and the summary come from coord's own workers."
        ),
        start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"),
        minutes=int(options.step.total_seconds() // 60),
    )
    heard: list[Delivered] = []
    summary: Delivered | None = None
    try:
        while clock.now() <= end:
            now = clock.now()
            story.act(now, heard, crowd)
            orders.act(now)
            crowd.step(now, heard)
            said = voices.take()
            sent = workers.run_due()
            with factory() as session:
                heard = read_delivered(session, sent)
            feed.moment(now, said, heard, story.take_notes())
            summary = summary or _coordinators_summary(heard, cast.coordinator.id)
            clock.advance(options.step)
    finally:
        workers.close()
    if summary is None or summary.message.attachment is None:
        raise DemoFailed(N_("The simulated day ended without the daily summary; this is a bug in coord."))
    return summary.message.text, summary.message.attachment.content


def _coordinators_summary(heard: list[Delivered], coordinator_id: int) -> Delivered | None:
    """The daily summary as the coordinator received it (captains get their team's part)."""
    return next(
        (d for d in heard if d.tag == SUMMARY and d.person_id == coordinator_id and d.message.attachment),
        None,
    )
