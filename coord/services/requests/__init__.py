"""Residents' requests (群众点单、社区跑腿): households order, the community runs.

Modules: ``items`` (reading an order), ``intake`` (one record from any channel; duplicates flagged;
medicine bought at once), ``runs`` (the group-buy cut-off, a duty row: one run per building or grid with a
pick list), ``progress`` (taken, marked at the door, received, problems), ``residents`` (building codes,
joining, confirming), ``listing`` (who reads which requests; the desk's household search), ``notices``
(who is told), ``settings`` (the community's cut-off and scope), ``reports`` (figures and exports).
"""

from coord.services.requests.access import is_volunteer, resident_of
from coord.services.requests.intake import (
    buy_at_once,
    cancel_request,
    get_request,
    keep_duplicate,
    place_request,
    set_status,
)
from coord.services.requests.items import items_text, read_items
from coord.services.requests.listing import (
    desk_name,
    find_for_desk,
    list_requests,
    overdue_requests,
    sees_addresses,
)
from coord.services.requests.progress import (
    DOOR_OUTCOMES,
    REQUEST_KINDS,
    confirm_receipt,
    mark_door,
    report_problem,
    work_moved,
)
from coord.services.requests.reports import as_csv, as_xlsx, export_rows, request_figures
from coord.services.requests.residents import (
    Joined,
    begin_join,
    building_code,
    building_of_code,
    confirm_by_phone,
    confirm_resident,
    deep_link,
    household_in,
    join_building,
    set_home,
    waiting_residents,
)
from coord.services.requests.runs import (
    close_orders_now,
    cutoff_day,
    lease_cutoffs,
    plan_cutoffs,
    run_cutoff,
)
from coord.services.requests.settings import request_settings, request_team, set_request_settings

__all__ = [
    "DOOR_OUTCOMES",
    "REQUEST_KINDS",
    "Joined",
    "as_csv",
    "as_xlsx",
    "begin_join",
    "building_code",
    "building_of_code",
    "buy_at_once",
    "cancel_request",
    "close_orders_now",
    "confirm_by_phone",
    "confirm_receipt",
    "confirm_resident",
    "cutoff_day",
    "deep_link",
    "desk_name",
    "export_rows",
    "find_for_desk",
    "get_request",
    "household_in",
    "is_volunteer",
    "items_text",
    "join_building",
    "keep_duplicate",
    "lease_cutoffs",
    "list_requests",
    "mark_door",
    "overdue_requests",
    "place_request",
    "plan_cutoffs",
    "read_items",
    "report_problem",
    "request_figures",
    "request_settings",
    "request_team",
    "resident_of",
    "run_cutoff",
    "sees_addresses",
    "set_home",
    "set_request_settings",
    "set_status",
    "waiting_residents",
    "work_moved",
]
