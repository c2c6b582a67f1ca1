"""The board's Reports page: the daily summary (the one the coordinators receive at 20:00) so far today,
as text and as its chart. For coordinators."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from coord.services.board.viewer import Viewer, require_board_coordinator
from coord.services.reporting import compute_summary, summary_text
from coord.services.reporting.report import summary_chart, summary_csv, summary_xlsx


def _figures(session: Session, viewer: Viewer, now: datetime) -> dict[str, Any]:
    require_board_coordinator(viewer)
    community = viewer.community
    local = now.astimezone(ZoneInfo(community.timezone))
    # The summary covers the 24 hours up to the summary time: after it, the next day's period has begun.
    day = local.date() if local.time() < community.summary_time else local.date() + timedelta(days=1)
    return compute_summary(session, community, day, as_of=now)


def report_text(session: Session, *, viewer: Viewer, now: datetime) -> str:
    """Today's summary so far, in the viewer's language."""
    return summary_text(_figures(session, viewer, now), viewer.language)


def report_csv(session: Session, *, viewer: Viewer, now: datetime) -> str:
    """Today's summary so far as CSV (formula-looking text kept as text by the reporting service)."""
    return summary_csv(_figures(session, viewer, now), viewer.language)


def report_xlsx(session: Session, *, viewer: Viewer, now: datetime) -> bytes:
    """Today's summary so far as an XLSX workbook (every text a string cell: formula-looking text stays text,
    by the reporting service's ``xlsx_bytes``)."""
    return summary_xlsx(_figures(session, viewer, now), viewer.language)


def report_chart(session: Session, *, viewer: Viewer, now: datetime) -> bytes:
    """Today's summary chart (PNG)."""
    return summary_chart(_figures(session, viewer, now), viewer.language)
