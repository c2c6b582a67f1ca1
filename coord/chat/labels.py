"""How states read: the words for a task's status and for a person's slot, and for kinds and figures."""

from __future__ import annotations

from coord.i18n import N_
from coord.kinds import KINDS
from coord.models import AssignmentState, TaskStatus

STATUS = {
    TaskStatus.OPEN: N_("open"),
    TaskStatus.FULL: N_("full"),
    TaskStatus.IN_PROGRESS: N_("in progress"),
    TaskStatus.DONE: N_("done"),
    TaskStatus.CANCELLED: N_("cancelled"),
}
STATE = {
    AssignmentState.CLAIMED: N_("claimed"),
    AssignmentState.CHECKED_IN: N_("checked in"),
    AssignmentState.DONE: N_("done"),
    AssignmentState.RELEASED: N_("released"),
    AssignmentState.NO_SHOW: N_("no-show"),
    AssignmentState.REASSIGNED: N_("reassigned"),
    AssignmentState.CANCELLED: N_("cancelled"),
}

#: A figure's label by its name (the first kind that records it names it).
FIGURE_LABELS: dict[str, str] = {}
for _kind in KINDS.values():
    for _figure in (*_kind.figures, *_kind.texts):
        FIGURE_LABELS.setdefault(_figure.name, _figure.label)

#: Labels for the short names the core puts in its messages' parameters.
BY_PARAMETER: dict[str, dict[str, str]] = {
    "kind": {name: kind.label for name, kind in KINDS.items()},
    "figure": FIGURE_LABELS,
    "status": {str(status): label for status, label in STATUS.items()},
    "state": {str(state): label for state, label in STATE.items()},
}
