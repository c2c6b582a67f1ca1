"""The board's routes: path, endpoint and methods."""

from __future__ import annotations

from typing import Any

from coord.web.office import (
    deactivate,
    door_posters,
    household,
    poster,
    recurring,
    report,
    report_chart,
    report_csv,
    report_xlsx,
    requests,
    stop_template,
    team_role,
    teams,
    watch,
)
from coord.web.pages import (
    assign,
    cancel,
    healthz,
    home,
    live,
    reassign,
    signin,
    signin_link,
    signin_page,
    signout,
    today,
    wall,
)

ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/", home, ["GET"]),
    ("/healthz", healthz, ["GET"]),
    ("/signin", signin_page, ["GET"]),
    ("/signin/{token}", signin_link, ["GET"]),
    ("/signin/{token}", signin, ["POST"]),
    ("/signout", signout, ["POST"]),
    ("/today", today, ["GET"]),
    ("/live", live, ["GET"]),
    ("/wall", wall, ["GET"]),
    ("/tasks/{task_id}/assign", assign, ["POST"]),
    ("/tasks/{task_id}/reassign", reassign, ["POST"]),
    ("/tasks/{task_id}/cancel", cancel, ["POST"]),
    ("/watch", watch, ["GET"]),
    ("/households/{household_id}", household, ["GET"]),
    ("/teams", teams, ["GET"]),
    ("/teams/{team_id}/poster", poster, ["POST"]),
    ("/teams/{team_id}/members/{person_id}/role", team_role, ["POST"]),
    ("/buildings/posters", door_posters, ["POST"]),
    ("/people/{person_id}/deactivate", deactivate, ["POST"]),
    ("/requests", requests, ["GET"]),
    ("/recurring", recurring, ["GET"]),
    ("/templates/{template_id}/deactivate", stop_template, ["POST"]),
    ("/report", report, ["GET"]),
    ("/report/chart.png", report_chart, ["GET"]),
    ("/report.csv", report_csv, ["GET"]),
    ("/report.xlsx", report_xlsx, ["GET"]),
]
