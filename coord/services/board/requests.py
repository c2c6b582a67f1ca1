"""The board's Requests page: open requests by building (urgent, overdue and possible duplicates marked), the
group-buy cut-off's countdown, and today's runs with their doors. Who reads which requests, and whether a
household is named by its address, is the requests service's rule (``list_requests``, ``desk_name``); every
address shown is recorded in the privacy read log (channel "board")."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from coord.models import HouseholdRequest, Place, PlaceKind, PrivateRead, RequestRun, RequestStatus, Task
from coord.services.board.today import natural_key
from coord.services.board.viewer import Viewer
from coord.services.privacy import record_read
from coord.services.requests import cutoff_day, items_text, list_requests, request_settings, sees_addresses

#: The most open requests the page lists (the newest; a 万科嘉园-sized evening has about 1,600): past it,
#: the page says the list is cut and its counts are of the listed ones.
MAX_SHOWN = 2000
#: A run is "today's" when it was made within this long before now (the evening cut-off for this morning).
RUN_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Row:
    """One open request as the page shows it: ``name`` is the address where the viewer may read it, else
    the building only."""

    request_id: int
    name: str
    items: str
    status: str
    channel: str
    urgent: bool
    overdue: bool
    duplicate_of: int | None
    created_at: datetime


@dataclass
class Building:
    name: str
    rows: list[Row] = field(default_factory=list)

    @property
    def urgent(self) -> int:
        return sum(r.urgent for r in self.rows)

    @property
    def overdue(self) -> int:
        return sum(r.overdue for r in self.rows)

    @property
    def duplicates(self) -> int:
        return sum(r.duplicate_of is not None for r in self.rows)


@dataclass(frozen=True)
class Run:
    """One group-buy run and its doors: delivered, not at home, refused, still to go."""

    label: str
    task_id: int | None
    state: str
    delivered: int
    not_at_home: int
    refused: int
    left: int

    @property
    def doors(self) -> int:
        return self.delivered + self.not_at_home + self.refused + self.left


@dataclass(frozen=True)
class RequestsPage:
    buildings: list[Building]
    cutoff_at: datetime
    minutes_left: int
    runs: list[Run]
    cut: bool = False  # more open requests than MAX_SHOWN: the newest are listed

    @property
    def open(self) -> int:
        return sum(len(b.rows) for b in self.buildings)

    @property
    def urgent(self) -> int:
        return sum(b.urgent for b in self.buildings)

    @property
    def overdue(self) -> int:
        return sum(b.overdue for b in self.buildings)


def next_cutoff(session: Session, viewer: Viewer, now: datetime) -> datetime:
    """When orders close next: the community's cut-off today, or tomorrow's once it passed."""
    settings = request_settings(session, viewer.community.id)
    zone = ZoneInfo(viewer.community.timezone)
    day = cutoff_day(session, viewer.community, now)
    return datetime.combine(day, settings.cutoff, tzinfo=zone).astimezone(now.tzinfo)


def requests_page(
    session: Session, *, viewer: Viewer, now: datetime, counts_only: bool = False
) -> RequestsPage:
    """The page for ``viewer``; the requests service refuses whoever may not read requests. With
    ``counts_only`` (the wall) no household is named and nothing private is read."""
    requests = list_requests(
        session, actor=viewer.actor, community=viewer.community, open_only=True, limit=MAX_SHOWN
    )
    overdue_after = timedelta(hours=request_settings(session, viewer.community.id).overdue_hours)
    names: dict[int, str] = dict(
        session.execute(
            select(Place.id, Place.name).where(
                Place.community_id == viewer.community.id, Place.kind == PlaceKind.BUILDING
            )
        )
        .tuples()
        .all()
    )
    by_building: dict[int, Building] = {}
    shown: list[int] = []
    addresses = not counts_only and sees_addresses(
        session, actor=viewer.actor, community_id=viewer.community.id
    )
    for request in sorted(requests, key=lambda r: (not r.urgent, r.created_at, r.id)):
        building = by_building.setdefault(request.building_id, Building(names.get(request.building_id, "?")))
        name = building.name
        if addresses:
            name = request.household.address
            shown.append(request.household_id)
        building.rows.append(
            Row(
                request.id,
                name,
                "" if counts_only else items_text(request.items, viewer.language),
                str(request.status),
                str(request.channel),
                request.urgent,
                request.created_at < now - overdue_after,
                request.duplicate_of_id,
                request.created_at,
            )
        )
    unrecorded = _not_read_lately(session, viewer, shown, now)
    if unrecorded:
        record_read(
            session,
            actor=viewer.actor,
            community_id=viewer.community.id,
            what="requests",
            at=now,
            households=unrecorded,
            channel="board",
        )
    cutoff_at = next_cutoff(session, viewer, now)
    return RequestsPage(
        sorted(by_building.values(), key=lambda b: natural_key(b.name)),
        cutoff_at,
        max(int((cutoff_at - now).total_seconds() // 60), 0),
        _runs(session, viewer, now),
        cut=len(requests) >= MAX_SHOWN,
    )


#: A page that refreshes itself after every change shows the same addresses again and again: a household whose
#: address this reader saw on the board within this window is not recorded a second time.
READ_AGAIN_AFTER = timedelta(hours=1)


def _not_read_lately(session: Session, viewer: Viewer, households: list[int], now: datetime) -> list[int]:
    """Of ``households``, those whose address the viewer has not read on the board's requests lately."""
    if not households:
        return []
    lately = set(
        session.scalars(
            select(PrivateRead.household_id).where(
                PrivateRead.community_id == viewer.community.id,
                PrivateRead.reader_id == viewer.actor.person_id,
                PrivateRead.channel == "board",
                PrivateRead.what == "requests",
                PrivateRead.at > now - READ_AGAIN_AFTER,
            )
        )
    )
    return [h for h in dict.fromkeys(households) if h not in lately]


def _runs(session: Session, viewer: Viewer, now: datetime) -> list[Run]:
    """Runs made in the last day, with their doors counted by what the runner marked."""
    runs = list(
        session.execute(
            select(RequestRun, Task.status)
            .outerjoin(Task, Task.id == RequestRun.run_task_id)
            .where(
                RequestRun.community_id == viewer.community.id,
                RequestRun.created_at >= now - RUN_WINDOW,
                RequestRun.created_at <= now,
            )
            .order_by(RequestRun.id)
        ).tuples()
    )
    doors: dict[int, Counter[str]] = defaultdict(Counter)
    for run_id, status, count in session.execute(
        select(HouseholdRequest.run_id, HouseholdRequest.status, func.count())
        .where(HouseholdRequest.run_id.in_([run.id for run, _ in runs]))
        .group_by(HouseholdRequest.run_id, HouseholdRequest.status)
    ).tuples():
        if run_id is not None:
            doors[run_id][str(status)] += int(count)
    found = []
    for run, state in sorted(runs, key=lambda pair: natural_key(pair[0].label)):
        marked = doors[run.id]
        left = (
            marked[RequestStatus.ACCEPTED] + marked[RequestStatus.ON_THE_WAY] + marked[RequestStatus.RETRIED]
        )
        found.append(
            Run(
                run.label,
                run.run_task_id,
                str(state) if state is not None else "",
                marked[RequestStatus.DELIVERED],
                marked[RequestStatus.NOT_AT_HOME],
                marked[RequestStatus.REFUSED],
                left,
            )
        )
    return found
