"""Writing many outbox notifications in one statement (``records.notify`` writes one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coord.models import Notification


def notify_many(session: Session, rows: Sequence[dict[str, Any]], *, now: datetime) -> None:
    """Queue every row (keyword arguments of ``records.notify``); an existing dedupe key is skipped."""
    if not rows:
        return
    values = []
    for row in rows:
        if (row.get("person_id") is None) == (row.get("team_id") is None):
            raise ValueError("a notification goes to exactly one person or one team")
        if row.get("private") and row.get("person_id") is None:
            raise ValueError("private details go to a person by direct message, never to a team chat")
        values.append(
            {
                "dedupe_key": row["dedupe_key"],
                "community_id": row["community_id"],
                "msgid": row["msgid"],
                "params": row.get("params") or {},
                "person_id": row.get("person_id"),
                "team_id": row.get("team_id"),
                "task_id": row.get("task_id"),
                "private": bool(row.get("private", False)),
                "buttons": row.get("buttons") or [],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": row.get("at") or now,
                "created_at": now,
                "last_error": "",
            }
        )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(Notification).on_conflict_do_nothing(index_elements=["dedupe_key"]), values)
