"""The session cookie and the CSRF rule: HttpOnly, SameSite=Lax, Secure behind HTTPS; every POST carries
its session's CSRF token, compared in constant time."""

from __future__ import annotations

import secrets
from datetime import datetime

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coord.services.board import SignedIn, Visit

COOKIE = "coord_session"
#: Sent with every answer: no framing (clickjacking), no referrer (a sign-in link's token stays on the board),
#: no type sniffing; pages (private ones among them) are not kept in a shared office computer's cache.
SAFE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}


class SafeHeaders:
    """ASGI middleware adding :data:`SAFE_HEADERS`, and ``Cache-Control: no-store`` outside /static."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = not str(scope.get("path", "")).startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SAFE_HEADERS.items():
                    headers[name] = value
                if private:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def set_session_cookie(response: Response, signed_in: SignedIn, *, now: datetime, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        signed_in.token,
        max_age=int((signed_in.expires_at - now).total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


def csrf_ok(found: Visit, sent: object) -> bool:
    """Whether a form carries its session's CSRF token."""
    return isinstance(sent, str) and secrets.compare_digest(sent.encode(), found.csrf_token.encode())
