"""``web`` (网页): a captain or coordinator asks for a one-time sign-in link to the web board; it comes by
direct message through the outbox, like every private message."""

from __future__ import annotations

from coord.chat.context import Context
from coord.chat.parse import Command
from coord.chat.port import Reply
from coord.i18n import N_
from coord.services.board import send_link


def web(ctx: Context, command: Command) -> list[Reply]:
    """Send the speaker a sign-in link for the board (in a direct chat only: a link is a key)."""
    if ctx.in_group:
        return [ctx.say(N_("Ask me for the board's sign-in link in our direct chat, not in a group."))]
    minutes = ctx.attempt(lambda: send_link(ctx.session, actor=ctx.actor, now=ctx.now))
    return [
        ctx.say(
            N_("A sign-in link for the board is on its way to you: it works once, for {minutes} minutes."),
            minutes=minutes,
        )
    ]
