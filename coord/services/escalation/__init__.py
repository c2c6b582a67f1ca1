"""Escalation: the ladder of rungs (reminders, alerts, auto-assignment, no-shows) a task climbs in time.

Modules: ``ladder`` (policies and their rungs), ``climb`` (arm and climb), ``alerts`` (what a rung says),
``outstanding`` (the escalations that still need action).
The function ``climb`` is not re-exported: it would hide its module of the same name, which callers import.
"""

from coord.services.escalation.climb import arm_escalations
from coord.services.escalation.ladder import set_policy
from coord.services.escalation.outstanding import outstanding

__all__ = ["arm_escalations", "outstanding", "set_policy"]
