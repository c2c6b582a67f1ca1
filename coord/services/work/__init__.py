"""Work: tasks and the people who take them, from creation to done, no-show or reassignment.

Modules: ``tasks`` (create, find, cancel, list), ``claims`` (claim to reassign), ``autoassign`` (and decline),
``boards`` (what the chat layer shows), ``rules`` (the one claim rule), ``slots`` and ``notices``.
"""

from coord.services.work.autoassign import RosterRules, auto_assign, decline
from coord.services.work.boards import (
    my_tasks,
    open_tasks,
    reassign_choices,
    task_for_card,
    team_board,
    teams_overview,
    todays_figures,
    viewer_state,
)
from coord.services.work.claims import (
    assign,
    cannot_complete,
    check_in,
    claim,
    complete,
    mark_no_show,
    reassign,
    release,
)
from coord.services.work.tasks import TaskFilter, cancel_task, create_task, get_task, list_tasks

__all__ = [
    "RosterRules",
    "TaskFilter",
    "assign",
    "auto_assign",
    "cancel_task",
    "cannot_complete",
    "check_in",
    "claim",
    "complete",
    "create_task",
    "decline",
    "get_task",
    "list_tasks",
    "mark_no_show",
    "my_tasks",
    "open_tasks",
    "reassign",
    "reassign_choices",
    "release",
    "task_for_card",
    "team_board",
    "teams_overview",
    "todays_figures",
    "viewer_state",
]
