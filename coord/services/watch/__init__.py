"""The four-colour watch list (四色标示法): households' colours, the people responsible, and the follow-up
each colour calls for, as a time-based duty the scheduler tick finds in the database.

Modules: ``colours`` (set a colour with a reason, name the responsible person and medic), ``schedule``
(the follow-up duty: what each colour makes each day), ``calls`` (what a call found: red, and needs that
become work) and ``households`` (find, see, list and search, for captains and coordinators).
"""

from coord.services.watch.calls import after_call, needs_to_work, split_needs
from coord.services.watch.colours import cancel_schedule, restart_follow_up, set_colour, set_responsible
from coord.services.watch.households import (
    HouseholdView,
    LastCall,
    colour_counts,
    find_household,
    household_view,
    search_households,
    watch_list,
)
from coord.services.watch.schedule import (
    COLOUR_MEANINGS,
    COLOUR_NAMES,
    QUARANTINE_DAYS,
    WATCH,
    arm_watches,
    follow_up,
    quarantine_day,
    run_watch,
)

__all__ = [
    "COLOUR_MEANINGS",
    "COLOUR_NAMES",
    "QUARANTINE_DAYS",
    "WATCH",
    "HouseholdView",
    "LastCall",
    "after_call",
    "arm_watches",
    "cancel_schedule",
    "colour_counts",
    "find_household",
    "follow_up",
    "household_view",
    "needs_to_work",
    "quarantine_day",
    "restart_follow_up",
    "run_watch",
    "search_households",
    "set_colour",
    "set_responsible",
    "split_needs",
    "watch_list",
]
