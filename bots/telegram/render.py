"""A ``Reply`` as Telegram shows it: plain text (no parse mode, so nothing needs escaping) and an inline
keyboard whose buttons carry the payloads as callback data."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.helpers import create_deep_linked_url

from coord.chat import Reply, render_buttons, render_text
from coord.i18n import N_, translate

MAX_TEXT = 4096


def deep_link(bot_username: str, start: str = "", *, group: bool = False) -> str:
    """``https://t.me/<bot>`` (opens a private chat), or with ``?start=`` to send ``/start <start>``;
    with ``group``, ``?startgroup=``: pick a group, add the bot there and send ``/start <start>`` in it."""
    return create_deep_linked_url(bot_username, start or None, group=group)


def text_of(reply: Reply, bot_username: str = "") -> str:
    """The reply's text; an invite code comes with its one-tap link ``https://t.me/<bot>?start=<code>``,
    a team chat's link code with ``https://t.me/<bot>?startgroup=<code>`` (adds the bot to a group)."""
    text = render_text(reply)
    code, link_code = reply.params.get("code"), reply.params.get("link_code")
    if bot_username and isinstance(code, str) and code.isalnum():
        link = translate(N_("Or tap: {link}"), reply.language, link=deep_link(bot_username, code))
        text = f"{text}\n{link}"
    if bot_username and isinstance(link_code, str) and link_code.isalnum():
        group_link = deep_link(bot_username, link_code, group=True)
        text += "\n" + translate(N_("Or tap, and choose the group: {link}"), reply.language, link=group_link)
    return text[:MAX_TEXT]


def markup_of(reply: Reply) -> InlineKeyboardMarkup | None:
    return keyboard_of(render_buttons(reply))


def keyboard_of(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Rows of ``(label, payload)`` as an inline keyboard; None without buttons."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=payload) for label, payload in row] for row in rows]
    )


def toast_of(reply: Reply) -> str:
    """A short notice for a pressed button: the reply's first line, at most 200 characters."""
    first = render_text(reply).strip().split("\n", 1)[0]
    return first if len(first) <= 200 else first[:199] + "…"


def open_private_chat(name: str, bot_username: str, language: str) -> str:
    """Said in a group when a private message could not reach someone who never opened a chat with the bot."""
    return translate(
        N_(
            "{name}, I could not write to you privately. Open a chat with me ({link}), press Start, "
            "then ask again: I only send private details there."
        ),
        language,
        name=name,
        link=deep_link(bot_username),
    )
