"""The log filter every entry point installs: secrets redacted in messages and arguments, formatters that
read the arguments (uvicorn's access log) still working, the wire libraries' debug lines dropped."""

from __future__ import annotations

import io
import logging

from uvicorn.logging import AccessFormatter

from coord.entrypoints.logs import REDACTED, RedactingFilter, secrets_of
from coord.settings import Settings

TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ0123456789"
SECRET = "webhook-secret-0123456789-abcdefghij"


def handler_with_filter(formatter: logging.Formatter | None = None) -> tuple[logging.Handler, io.StringIO]:
    settings = Settings(
        telegram_token=TOKEN,  # type: ignore[arg-type]
        database_url="postgresql+psycopg://coord:db-password-42@db/coord",
    )
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter([*secrets_of(settings), SECRET]))
    if formatter is not None:
        handler.setFormatter(formatter)
    return handler, out


def test_secrets_are_redacted_in_messages_arguments_and_tracebacks() -> None:
    handler, out = handler_with_filter()
    log = logging.getLogger("coord.test.logs")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("calling https://api.telegram.org/bot%s/getMe with %s", TOKEN, {"secret_token": SECRET})
        log.warning("connecting to postgresql://coord:db-password-42@db/coord")
        log.warning("signed in through %s", "https://board.example.org/signin/" + "x" * 43)
        try:
            raise RuntimeError(f"refused {TOKEN}")
        except RuntimeError:
            log.exception("failed")
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    assert TOKEN not in text and SECRET not in text and "db-password-42" not in text and "x" * 43 not in text
    assert text.count(REDACTED) >= 5 and "/signin/" + REDACTED in text


def test_uvicorns_access_lines_still_format_and_wire_debug_is_dropped() -> None:
    handler, out = handler_with_filter(
        AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s')
    )
    plain, plain_out = handler_with_filter()
    access = logging.getLogger("uvicorn.access.test")
    access.addHandler(handler)
    access.propagate = False
    access.setLevel(logging.INFO)
    wire = logging.getLogger("telegram.ext.test")
    wire.addHandler(plain)
    wire.propagate = False
    wire.setLevel(logging.DEBUG)
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/signin/" + "y" * 43, "1.1", 302)
        wire.debug("sendMessage text=Building 1-2-301 Wang Lan 13800000001")
        wire.warning("a network error")
    finally:
        access.removeHandler(handler)
        wire.removeHandler(plain)
    assert out.getvalue().splitlines() == [f'127.0.0.1:5000 - "GET /signin/{REDACTED} HTTP/1.1" 302 Found']
    assert plain_out.getvalue().splitlines() == ["a network error"]
