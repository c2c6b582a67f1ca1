"""The board's routes. Each reads the session cookie, opens one transaction, asks the board services (every
permission check is theirs) and renders a template in the reader's language. Changes are POSTs carrying the
session's CSRF token; a refusal from the services leaves nothing changed and is shown on the page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from coord.errors import CoordError, NotFound
from coord.i18n import N_, normalise_language, translate
from coord.models import as_id
from coord.services import board
from coord.services.board import Visit
from coord.web import auth
from coord.web.texts import Texts

if TYPE_CHECKING:
    from coord.web.app import Board


@dataclass
class Page:
    """One signed-in request being answered: the board, the session, who, when, the form sent."""

    app: Board
    session: Session
    visit: Visit
    now: datetime
    request: Request
    form: dict[str, str]

    @property
    def viewer(self) -> board.Viewer:
        return self.visit.viewer

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        texts = Texts(self.viewer.language, self.viewer.community.timezone, self.now)
        body = self.app.templates.get_template(template).render(
            viewer=self.viewer, csrf=self.visit.csrf_token, now=self.now, **texts.helpers(), **context
        )
        return HTMLResponse(body, status_code=status)

    def say(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.viewer.language, **params)

    def refusal(self, err: CoordError) -> str:
        return err.render(self.viewer.language)


Action = Callable[[Page], Response]


def _board(request: Request) -> Board:
    found: Board = request.app.state.board
    return found


async def signed_in(request: Request, action: Action, *, change: bool = False) -> Response:
    """Answer ``request`` for a signed-in captain or coordinator; anyone else goes to the sign-in page.
    A change (POST) without its session's CSRF token is refused and changes nothing."""
    app = _board(request)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)} if change else {}
    token = auth.session_token(request)

    def work() -> Response:
        now = app.clock.now()
        with app.factory() as session, session.begin():
            found = board.visit(session, token=token, now=now)
            if found is None:
                return RedirectResponse("/signin", status_code=303)
            if change and not auth.csrf_ok(found, form.get("csrf")):
                return PlainTextResponse("CSRF token missing or wrong: nothing was changed.", status_code=403)
            return action(Page(app, session, found, now, request, form))

    return await run_in_threadpool(work)


# Sign-in -------------------------------------------------------------------------------------------


def _anonymous(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    app = _board(request)
    language = normalise_language(request.query_params.get("lang") or request.headers.get("accept-language"))
    texts = Texts(language, app.settings.timezone, app.clock.now())
    body = app.templates.get_template(template).render(viewer=None, **texts.helpers(), **context)
    return HTMLResponse(body, status_code=status)


async def signin_page(request: Request) -> Response:
    return _anonymous(request, "signin.html")


async def signin_link(request: Request) -> Response:
    """The link the bot sent: a button to press (a chat's link preview fetching it spends nothing)."""
    return _anonymous(request, "confirm.html", token=request.path_params["token"])


async def signin(request: Request) -> Response:
    """Spend the link and open a session; an unknown, used or expired link is refused."""
    app = _board(request)
    link = request.path_params["token"]
    lifetime = timedelta(hours=app.settings.web_session_hours)

    def work() -> board.SignedIn | CoordError:
        now = app.clock.now()
        try:
            with app.factory() as session, session.begin():
                return board.redeem_link(session, token=link, now=now, lifetime=lifetime)
        except CoordError as err:
            return err

    found = await run_in_threadpool(work)
    if isinstance(found, CoordError):
        return _anonymous(request, "signin.html", status=403, refused=found.msgid)
    response = RedirectResponse("/today", status_code=303)
    auth.set_session_cookie(response, found, now=app.clock.now(), secure=app.secure_cookies)
    return response


async def signout(request: Request) -> Response:
    app = _board(request)

    def action(page: Page) -> Response:
        board.sign_out(page.session, token=auth.session_token(request), now=page.now)
        response = RedirectResponse("/signin", status_code=303)
        auth.clear_session_cookie(response, secure=app.secure_cookies)
        return response

    return await signed_in(request, action, change=True)


# Today, live, wall ------------------------------------------------------------------------------


def _today(page: Page, status: int = 200, notice: str = "", problem: str = "") -> Response:
    part = page.request.query_params.get("part") == "live"
    day = board.today_page(page.session, viewer=page.viewer, now=page.now)
    people = board.assignable(page.session, viewer=page.viewer)
    template = "today_live.html" if part else "today.html"
    return page.render(template, status, day=day, people=people, notice=notice, problem=problem)


async def today(request: Request) -> Response:
    return await signed_in(request, _today)


async def wall(request: Request) -> Response:
    def action(page: Page) -> Response:
        day = board.today_page(page.session, viewer=page.viewer, now=page.now)
        asks = board.requests_page(page.session, viewer=page.viewer, now=page.now, counts_only=True)
        part = page.request.query_params.get("part") == "live"
        return page.render("wall_live.html" if part else "wall.html", day=day, asks=asks)

    return await signed_in(request, action)


async def live(request: Request) -> Response:
    """The newest event id of the viewer's community: pages poll it and reload their live part on a change."""
    app = _board(request)
    token = auth.session_token(request)

    def work() -> Response:
        with app.factory() as session:
            found = board.visit(session, token=token, now=app.clock.now())
            if found is None:
                return JSONResponse({"signed_in": False}, status_code=401)
            return JSONResponse({"last": board.last_event_id(session, found.viewer.community.id)})

    return await run_in_threadpool(work)


def _act(request: Request, run: Callable[[Page, int], str]) -> Callable[[Page], Response]:
    """A change to one task from the Today page; the services refuse what may not be done."""

    def action(page: Page) -> Response:
        task_id = as_id(request.path_params["task_id"])
        try:
            if task_id is None:
                raise NotFound(
                    N_("There is no task #{task_id}. Check the number in the task list."),
                    task_id=str(request.path_params["task_id"])[:20],
                )
            with page.session.begin_nested():
                notice = run(page, task_id)
        except CoordError as err:
            return _today(page, 409, problem=page.refusal(err))
        return _today(page, 200, notice=notice)

    return action


async def assign(request: Request) -> Response:
    def run(page: Page, task_id: int) -> str:
        name = board.assign_place(
            page.session,
            viewer=page.viewer,
            task_id=task_id,
            person_ref=page.form.get("person", ""),
            now=page.now,
        )
        return page.say(N_("#{task_id} given to {name}; they are told in chat."), task_id=task_id, name=name)

    return await signed_in(request, _act(request, run), change=True)


async def reassign(request: Request) -> Response:
    def run(page: Page, task_id: int) -> str:
        name = board.reassign_place(
            page.session,
            viewer=page.viewer,
            task_id=task_id,
            from_ref=page.form.get("from", ""),
            to_ref=page.form.get("to", ""),
            now=page.now,
        )
        return page.say(N_("#{task_id} given to {name}; they are told in chat."), task_id=task_id, name=name)

    return await signed_in(request, _act(request, run), change=True)


async def cancel(request: Request) -> Response:
    def run(page: Page, task_id: int) -> str:
        board.cancel_work(page.session, viewer=page.viewer, task_id=task_id, now=page.now)
        return page.say(N_("#{task_id} cancelled; whoever held it is told."), task_id=task_id)

    return await signed_in(request, _act(request, run), change=True)


async def home(request: Request) -> Response:
    return RedirectResponse("/today", status_code=303)


async def healthz(request: Request) -> Response:
    """The load balancer's check: the database answers."""
    app = _board(request)

    def work() -> Response:
        with app.factory() as session:
            session.execute(text("SELECT 1"))
        return PlainTextResponse("ok")

    return await run_in_threadpool(work)
