"""What operators look at: the outbox backlog and escalations (for ``coord health`` and the metrics)."""

from coord.services.operations.backlog import Backlog, escalations_opened, outbox_backlog

__all__ = ["Backlog", "escalations_opened", "outbox_backlog"]
