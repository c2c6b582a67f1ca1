"""The session cookie and the CSRF rule: HttpOnly, SameSite=Lax, Secure behind HTTPS; every POST carries
its session's CSRF token, compared in constant time."""

from __future__ import annotations

import secrets
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from coord.services.board import SignedIn, Visit

COOKIE = "coord_session"


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
