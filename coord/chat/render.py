"""Replies to plain text and button labels in the reader's language. Adapters add their own markup."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from coord.chat.port import Button, Joined, Moment, Phrase, Reply
from coord.i18n import MOMENTS, N_, format_moment, shown_moments, translate


def render_text(reply: Reply, language: str | None = None) -> str:
    """The reply as plain text, in ``language`` (the reply's own language when not given)."""
    return render_phrase(reply.key, reply.params, language or reply.language)


def render_buttons(reply: Reply, language: str | None = None) -> list[list[tuple[str, str]]]:
    """Rows of ``(label, payload)``, labels translated."""
    lang = language or reply.language
    return [[(render_label(button, lang), button.payload) for button in row] for row in reply.buttons]


def render_label(button: Button, language: str) -> str:
    return render_phrase(button.label_key, button.params, language)


def render_phrase(key: str, params: Mapping[str, Any], language: str) -> str:
    if MOMENTS in params:  # moments an error of the core carries (coord.i18n.moment_param)
        params = shown_moments(dict(params), language)
    # Whole numbers stay numbers: a message with a plural picks its form by them (coord.i18n.translate).
    values = {name: _count_or_text(value, language) for name, value in params.items()}
    return translate(key, language, **values)


def _count_or_text(value: Any, language: str) -> Any:
    return value if isinstance(value, int) and not isinstance(value, bool) else render_value(value, language)


def render_value(value: Any, language: str) -> str:
    """One parameter as text: phrases are translated, moments shown in their zone, lists one per line."""
    if isinstance(value, Phrase):
        return render_phrase(value.key, value.params, language)
    if isinstance(value, Moment):
        return render_moment(value, language)
    if isinstance(value, Joined):
        separator = value.separator or ("、" if language == "zh" else ", ")
        return separator.join(render_value(item, language) for item in value.items)
    if isinstance(value, list | tuple):
        return "\n".join(render_value(item, language) for item in value)
    if isinstance(value, bool):
        return translate(N_("yes") if value else N_("no"), language)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return str(value)


@functools.lru_cache(maxsize=4096)
def render_moment(moment: Moment, language: str) -> str:
    """A moment in its zone, in the reader's language; cached, since lists repeat the same few times."""
    return format_moment(moment.at, moment.zone, language, with_date=moment.with_date)
