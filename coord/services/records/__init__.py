"""Records a community office can trust: work entered afterwards for past days, work recorded on someone's
behalf, hours served (confirmed and corrected), and the community's start date.

Modules: ``past`` (past days), ``behalf`` (check-in for someone), ``hours`` (confirm and correct).
"""

from coord.services.records.behalf import check_in_for
from coord.services.records.hours import confirm_shift_hours, correct_hours, set_start_date
from coord.services.records.past import PastPart, record_past_work

__all__ = [
    "PastPart",
    "check_in_for",
    "confirm_shift_hours",
    "correct_hours",
    "record_past_work",
    "set_start_date",
]
