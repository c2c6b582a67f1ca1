"""The board's office pages: the watch list and a household's details, teams and people (hours, deactivate,
invite posters), recurring work, and the daily report. Scoping and permission checks are the board
services'."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from coord.errors import CoordError, NotAllowed
from coord.i18n import N_
from coord.models import as_id
from coord.services import board
from coord.services.board.people import PERIODS
from coord.web import posters
from coord.web.pages import Page, signed_in

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def watch(request: Request) -> Response:
    def action(page: Page) -> Response:
        lists = board.watched(page.session, viewer=page.viewer, now=page.now)
        return page.render("watch.html", lists=lists)

    return await signed_in(request, action)


async def household(request: Request) -> Response:
    def action(page: Page) -> Response:
        number = as_id(request.path_params["household_id"]) or 0
        try:
            view = board.household_details(
                page.session, viewer=page.viewer, household_id=number, now=page.now
            )
        except CoordError as err:
            return page.render("problem.html", 404, problem=page.refusal(err))
        return page.render("household.html", view=view)

    return await signed_in(request, action)


def _teams(page: Page, status: int = 200, notice: str = "", problem: str = "") -> Response:
    raw = page.request.query_params.get("days", "7")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 7
    rosters = board.rosters(page.session, viewer=page.viewer, now=page.now, days=days)
    return page.render(
        "teams.html",
        status,
        rosters=rosters,
        days=days,
        periods=PERIODS,
        notice=notice,
        problem=problem,
        buildings=board.buildings(page.session, viewer=page.viewer),
        bot=posters.DEFAULT_BOT,
    )


async def teams(request: Request) -> Response:
    return await signed_in(request, _teams)


async def deactivate(request: Request) -> Response:
    """A captain or coordinator stops someone taking part, with the reason; what they hold is released."""

    def action(page: Page) -> Response:
        person_id = as_id(request.path_params["person_id"]) or 0
        try:
            with page.session.begin_nested():
                name = board.deactivate(
                    page.session,
                    viewer=page.viewer,
                    person_id=person_id,
                    reason=page.form.get("reason", ""),
                    now=page.now,
                )
        except CoordError as err:
            return _teams(page, 409, problem=page.refusal(err))
        return _teams(
            page, notice=page.say(N_("{name} is deactivated; what they held is released."), name=name)
        )

    return await signed_in(request, action, change=True)


async def team_role(request: Request) -> Response:
    """A coordinator makes a member captain of the team, or a volunteer again (the people service checks)."""

    def action(page: Page) -> Response:
        team_id = as_id(request.path_params["team_id"]) or 0
        person_id = as_id(request.path_params["person_id"]) or 0
        role = page.form.get("role", "")
        try:
            with page.session.begin_nested():
                name, team = board.set_team_role(
                    page.session,
                    viewer=page.viewer,
                    team_id=team_id,
                    person_id=person_id,
                    role=role,
                    now=page.now,
                )
        except CoordError as err:
            return _teams(page, 409, problem=page.refusal(err))
        said = (
            N_("{name} is now a captain of {team}.")
            if role.strip().lower() == "captain"
            else N_("{name} is now a volunteer of {team}.")
        )
        return _teams(page, notice=page.say(said, name=name, team=team))

    return await signed_in(request, action, change=True)


async def poster(request: Request) -> Response:
    """A new invite for the team, and its printable poster with a QR code."""

    def action(page: Page) -> Response:
        team_id = as_id(request.path_params["team_id"]) or 0
        try:
            with page.session.begin_nested():
                invite = posters.team_invite(page.session, viewer=page.viewer, team_id=team_id, now=page.now)
        except CoordError as err:
            return page.render("problem.html", 403, problem=page.refusal(err))
        return page.render("poster.html", invite=invite, qr=posters.qr_svg(invite.code))

    return await signed_in(request, action, change=True)


async def requests(request: Request) -> Response:
    """Residents' requests: the queue by building, the cut-off, today's runs (the requests service decides
    who reads them and whether a household is named by its address; each address shown is recorded)."""

    def action(page: Page) -> Response:
        try:
            found = board.requests_page(page.session, viewer=page.viewer, now=page.now)
        except CoordError as err:
            return page.render("problem.html", 403, problem=page.refusal(err))
        part = page.request.query_params.get("part") == "live"
        last = board.last_event_id(page.session, page.viewer.community.id)
        return page.render("requests_live.html" if part else "requests.html", page=found, last=last)

    return await signed_in(request, action)


async def door_posters(request: Request) -> Response:
    """Each building's door poster (or one building's): the residents' code, the bot's link, its QR code."""

    def action(page: Page) -> Response:
        raw = page.form.get("building", "")
        building_id = (as_id(raw) or 0) if raw else None
        try:
            with page.session.begin_nested():
                found = posters.building_posters(
                    page.session,
                    viewer=page.viewer,
                    bot=page.form.get("bot", posters.DEFAULT_BOT),
                    now=page.now,
                    building_id=building_id,
                )
        except CoordError as err:
            return _teams(page, 409, problem=page.refusal(err))
        return page.render("door_posters.html", posters=found)

    return await signed_in(request, action, change=True)


async def report(request: Request) -> Response:
    def action(page: Page) -> Response:
        try:
            text = board.report_text(page.session, viewer=page.viewer, now=page.now)
        except CoordError as err:
            return page.render("problem.html", 403, problem=page.refusal(err))
        return page.render("report.html", text=text)

    return await signed_in(request, action)


async def report_csv(request: Request) -> Response:
    def action(page: Page) -> Response:
        try:
            text = board.report_csv(page.session, viewer=page.viewer, now=page.now)
        except CoordError as err:
            return PlainTextResponse(page.refusal(err), status_code=403)
        headers = {"Content-Disposition": 'attachment; filename="daily-summary.csv"'}
        return Response(text, media_type="text/csv; charset=utf-8", headers=headers)

    return await signed_in(request, action)


async def report_xlsx(request: Request) -> Response:
    def action(page: Page) -> Response:
        try:
            book = board.report_xlsx(page.session, viewer=page.viewer, now=page.now)
        except CoordError as err:
            return PlainTextResponse(page.refusal(err), status_code=403)
        headers = {"Content-Disposition": 'attachment; filename="daily-summary.xlsx"'}
        return Response(book, media_type=XLSX, headers=headers)

    return await signed_in(request, action)


async def report_chart(request: Request) -> Response:
    def action(page: Page) -> Response:
        try:
            png = board.report_chart(page.session, viewer=page.viewer, now=page.now)
        except CoordError as err:
            return PlainTextResponse(page.refusal(err), status_code=403)
        return Response(png, media_type="image/png")

    return await signed_in(request, action)


def _recurring(page: Page, status: int = 200, notice: str = "", problem: str = "") -> Response:
    work = board.recurring_page(page.session, viewer=page.viewer, now=page.now)
    return page.render("recurring.html", status, work=work, notice=notice, problem=problem)


async def recurring(request: Request) -> Response:
    """Recurring work: the templates the viewer leads, their coming week and today's tasks."""
    return await signed_in(request, _recurring)


async def stop_template(request: Request) -> Response:
    """A coordinator or the team's captain stops a template making tasks (the recurring service's rule)."""

    def action(page: Page) -> Response:
        template_id = as_id(request.path_params["template_id"]) or 0
        try:
            with page.session.begin_nested():
                name = board.stop_template(
                    page.session, viewer=page.viewer, template_id=template_id, now=page.now
                )
        except NotAllowed as err:
            return _recurring(page, 403, problem=page.refusal(err))
        except CoordError as err:
            return _recurring(page, 409, problem=page.refusal(err))
        return _recurring(
            page, notice=page.say(N_("{name} makes no more tasks; what it made stays."), name=name)
        )

    return await signed_in(request, action, change=True)
