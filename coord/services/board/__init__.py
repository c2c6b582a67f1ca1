"""The coordinators' web board (挂图作战), its read side and its sign-in: what the pages show, scoped by the
viewer's roles, and the actions they take through the work services.

Modules: ``viewer`` (who sees what), ``signin`` (one-time links, sessions, CSRF tokens), ``today`` (the
Today page and wall), ``people`` (rosters, the watch list), ``actions`` (assign, reassign, cancel),
``requests`` (residents' requests by building, the cut-off, today's runs), ``recurring`` (recurring work,
stopping a template).
"""

from coord.services.board.actions import assign_place, cancel_work, deactivate, reassign_place, set_team_role
from coord.services.board.people import Roster, assignable, buildings, household_details, rosters, watched
from coord.services.board.recurring import RecurringWork, recurring_page, stop_template
from coord.services.board.reports import report_chart, report_csv, report_text, report_xlsx
from coord.services.board.requests import RequestsPage, requests_page
from coord.services.board.signin import (
    SignedIn,
    Visit,
    board_address,
    issue_link,
    publish_address,
    redeem_link,
    send_link,
    sign_out,
    visit,
)
from coord.services.board.today import Today, last_event_id, today_page
from coord.services.board.viewer import Viewer, viewer_of

__all__ = [
    "RecurringWork",
    "RequestsPage",
    "Roster",
    "SignedIn",
    "Today",
    "Viewer",
    "Visit",
    "assign_place",
    "assignable",
    "board_address",
    "buildings",
    "cancel_work",
    "deactivate",
    "household_details",
    "issue_link",
    "last_event_id",
    "publish_address",
    "reassign_place",
    "recurring_page",
    "redeem_link",
    "report_chart",
    "report_csv",
    "report_text",
    "report_xlsx",
    "requests_page",
    "rosters",
    "send_link",
    "set_team_role",
    "sign_out",
    "stop_template",
    "today_page",
    "viewer_of",
    "visit",
    "watched",
]
