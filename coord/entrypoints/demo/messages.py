"""What the workers sent, read back from the outbox: which notification, about which task, of what kind."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord import payloads
from coord.i18n import N_
from coord.models import Notification, Priority, Task
from coord.services.escalation.alerts import MESSAGES
from coord.services.escalation.ladder import Condition
from coord.services.outbox.gateways import Outbound

#: The feed's tags (message ids: shown translated).
CLAIM, CHECK_IN, DONE, REMINDER, NO_SHOW = (
    N_("claim"),
    N_("check-in"),
    N_("done"),
    N_("reminder"),
    N_("no-show"),
)
ESCALATION, REASSIGN, URGENT, PRIVATE = N_("escalation"), N_("reassign"), N_("urgent"), N_("private")
ROSTER, ALERT, SUMMARY, MESSAGE, FIGURES = (
    N_("roster"),
    N_("alert"),
    N_("summary"),
    N_("message"),
    N_("figures"),
)

REMINDER_TEXT = MESSAGES[(Condition.CLAIMED, "assignee")]
NOT_AT_POST = MESSAGES[(Condition.NOT_CHECKED_IN, "lead")]
NOT_DONE = MESSAGES[(Condition.NOT_DONE, "lead")]
UNFILLED = MESSAGES[(Condition.UNCLAIMED, "lead")]
#: Outbox keys by what they start with (``notifications.notify`` callers name their messages this way).
BY_KEY = (
    ("noshow:", NO_SHOW),
    ("auto:", ROSTER),
    ("reassigned-away:", REASSIGN),
    ("red:", ALERT),
    ("cannot:", ALERT),
    ("declined:", ALERT),
    ("summary:", SUMMARY),
    ("announce:", MESSAGE),
)
_KEY = re.compile(r"^n(\d+):")


@dataclass(frozen=True)
class Delivered:
    """One message a worker sent to one chat, with the notification it came from."""

    message: Outbound
    msgid: str
    key: str
    task_id: int | None
    person_id: int | None
    team_id: int | None
    private: bool
    urgent: bool

    @property
    def tag(self) -> str:
        if self.private:
            return PRIVATE
        for prefix, tag in BY_KEY:
            if self.key.startswith(prefix):
                return tag
        if self.key.startswith("rung:"):
            if self.msgid == REMINDER_TEXT:
                return REMINDER
            return URGENT if self.urgent else ESCALATION
        return MESSAGE

    def payload(self, action: str) -> str | None:
        """The payload of the first button that runs ``action`` (``claim`` for a claim button)."""
        found = (p for row in self.message.buttons for _label, p in row if _action(p) == action)
        return next(found, None)

    def label(self, payload: str) -> str:
        return next((lab for row in self.message.buttons for lab, p in row if p == payload), payload)


def _action(payload: str) -> str | None:
    decoded = payloads.decode(payload)
    return decoded[0] if decoded else None


def read_delivered(session: Session, sent: Sequence[Outbound]) -> list[Delivered]:
    """The notifications behind ``sent``, in the order they were sent."""
    ids = {m.key: int(match.group(1)) for m in sent if (match := _KEY.match(m.key))}
    rows = {
        row.id: row
        for row in session.execute(
            select(
                Notification.id,
                Notification.msgid,
                Notification.dedupe_key,
                Notification.task_id,
                Notification.person_id,
                Notification.team_id,
                Notification.private,
                Task.priority,
            )
            .outerjoin(Task, Task.id == Notification.task_id)
            .where(Notification.id.in_(list(ids.values())))
        )
    }
    found = []
    for message in sent:
        row = rows.get(ids.get(message.key, -1))
        if row is None:
            continue
        urgent = row.priority == Priority.URGENT
        found.append(
            Delivered(
                message,
                row.msgid,
                row.dedupe_key,
                row.task_id,
                row.person_id,
                row.team_id,
                row.private,
                urgent,
            )
        )
    return found
