"""Requests in figures (for the daily summary) and exported as CSV or XLSX.

The figures the articles quote: requests received, delivered and open by channel, group-buy parcels and
heavy items carried up, the median time from request to doorstep. An export has no private details
unless a coordinator asks for them, and then the export is recorded.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from coord.i18n import N_, translate
from coord.models import (
    OPEN_REQUEST_STATES,
    Household,
    HouseholdRequest,
    RequestChannel,
    RequestStatus,
)
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_coordinator
from coord.services.requests.access import require_desk
from coord.services.requests.items import items_text
from coord.services.requests.settings import request_settings


def request_figures(session: Session, *, community_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    """The day's request figures, from the records: received, delivered, open (as of ``end``) by channel."""
    rows = session.execute(
        select(
            HouseholdRequest.channel,
            HouseholdRequest.status,
            HouseholdRequest.created_at,
            HouseholdRequest.closed_at,
            HouseholdRequest.run_id,
            HouseholdRequest.heavy,
        ).where(HouseholdRequest.community_id == community_id, HouseholdRequest.created_at < end)
    ).all()
    channels = [str(c) for c in RequestChannel]
    received = dict.fromkeys(channels, 0)
    delivered = dict.fromkeys(channels, 0)
    still_open = dict.fromkeys(channels, 0)
    parcels = heavy = 0
    minutes: list[float] = []
    overdue_before = end - timedelta(hours=request_settings(session, community_id).overdue_hours)
    overdue = 0
    for channel, status, created_at, closed_at, run_id, heavy_items in rows:
        if created_at >= start:
            received[str(channel)] += 1
        done_today = closed_at is not None and start <= closed_at < end
        if status == RequestStatus.DELIVERED and done_today:
            delivered[str(channel)] += 1
            minutes.append((closed_at - created_at).total_seconds() / 60)
            if run_id is not None:
                parcels += 1
            heavy += heavy_items
        if status in OPEN_REQUEST_STATES:
            still_open[str(channel)] += 1
            overdue += created_at < overdue_before
    return {
        "requests_received": received,
        "requests_delivered": delivered,
        "requests_open": still_open,
        "requests_overdue": overdue,
        "group_buy_parcels": parcels,
        "heavy_items": heavy,
        "median_minutes_to_door": round(statistics.median(minutes), 1) if minutes else None,
    }


PUBLIC_COLUMNS = ["id", "received", "channel", "status", "building", "items", "urgent", "runs", "closed"]
PRIVATE_COLUMNS = ["address", "contact", "phone"]


def export_rows(
    session: Session, *, actor: Actor, community_id: int, now: datetime, private: bool = False
) -> list[list[Any]]:
    """Every request as a row (header first); the address, contact and phone only for a coordinator who
    asks, and that export is recorded."""
    require_desk(session, actor, community_id)
    if private:
        require_coordinator(session, actor, community_id)
    requests = session.scalars(
        select(HouseholdRequest)
        .where(HouseholdRequest.community_id == community_id)
        .options(selectinload(HouseholdRequest.household).selectinload(Household.building))
        .order_by(HouseholdRequest.id)
    ).all()
    rows: list[list[Any]] = [PUBLIC_COLUMNS + (PRIVATE_COLUMNS if private else [])]
    for r in requests:
        row: list[Any] = [
            r.id,
            r.created_at.isoformat(timespec="minutes"),
            str(r.channel),
            str(r.status),
            r.household.building.name,
            items_text(r.items, None),
            "yes" if r.urgent else "",
            r.attempts,
            r.closed_at.isoformat(timespec="minutes") if r.closed_at else "",
        ]
        if private:
            row += [r.household.address, r.household.contact_name, r.household.phone]
        rows.append(row)
    record_event(
        session,
        actor=actor,
        action="requests_exported",
        community_id=community_id,
        at=now,
        rows=len(requests),
        private=private,
    )
    return rows


def as_csv(rows: list[list[Any]]) -> str:
    """The rows as CSV; text that a spreadsheet would read as a formula stays text (reporting.cells)."""
    from coord.services.reporting.cells import csv_text

    return csv_text(rows)


def as_xlsx(rows: list[list[Any]]) -> bytes:
    """The rows as a workbook of one sheet, every text a string cell (reporting.cells)."""
    from coord.services.reporting.cells import xlsx_bytes

    return xlsx_bytes([("requests", rows)])


#: How each channel a request came in by is named.
CHANNEL_LABELS = {
    "chat": N_("resident's chat"),
    "desk": N_("desk"),
    "captain": N_("entered by a captain"),
    "call": N_("from a check-in call"),
}


def summary_lines(figures: dict[str, Any] | None, language: str) -> list[str]:
    """The request figures as lines of the daily summary's text (none on a day without requests)."""
    if not figures or not any(
        sum(figures[what].values()) for what in ("requests_received", "requests_delivered", "requests_open")
    ):
        return []
    comma = "，" if language == "zh" else ", "

    def by_channel(counts: dict[str, int]) -> str:
        return (
            comma.join(
                f"{translate(CHANNEL_LABELS[c], language)} {n}"
                for c, n in counts.items()
                if n and c in CHANNEL_LABELS
            )
            or "0"
        )

    minutes = figures.get("median_minutes_to_door")
    lines = [
        translate(
            N_(
                "Residents' requests: received {received} ({received_by}); delivered {delivered} "
                "({delivered_by}); open {open} ({open_by}), overdue {overdue}."
            ),
            language,
            received=sum(figures["requests_received"].values()),
            received_by=by_channel(figures["requests_received"]),
            delivered=sum(figures["requests_delivered"].values()),
            delivered_by=by_channel(figures["requests_delivered"]),
            open=sum(figures["requests_open"].values()),
            open_by=by_channel(figures["requests_open"]),
            overdue=figures.get("requests_overdue", 0),
        ),
        translate(
            N_(
                "Group-buy parcels {parcels}, heavy items carried up {heavy}; "
                "median request to doorstep: {time}."
            ),
            language,
            parcels=figures.get("group_buy_parcels", 0),
            heavy=figures.get("heavy_items", 0),
            time=translate(N_("{minutes} min"), language, minutes=minutes) if minutes is not None else "—",
        ),
    ]
    return lines
