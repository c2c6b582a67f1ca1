"""Errors the core raises. Each carries a message id and parameters, so any channel can show it
in the reader's language; ``str(error)`` is the English text."""

from __future__ import annotations

from typing import Any

from coord.i18n import translate


class CoordError(Exception):
    """Base of every error a person may be shown."""

    def __init__(self, msgid: str, /, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(translate(msgid, "en", **params))

    def render(self, language: str | None) -> str:
        return translate(self.msgid, language, **self.params)


class NotFound(CoordError):
    """The thing named does not exist (or the reader may not know it exists)."""


class NotAllowed(CoordError):
    """The acting person lacks the role for this action."""


class Unwell(NotAllowed):
    """The person declared themselves unwell today: health data, told in their direct chat only
    (invariant 7)."""


class InvalidTransition(CoordError):
    """The lifecycle forbids this change from the current state."""


class TaskFull(InvalidTransition):
    """Every slot of the task is taken."""


class AlreadyClaimed(InvalidTransition):
    """The person already holds a slot of this task."""


class InvalidInput(CoordError):
    """A value given by a person is malformed or out of range."""


class InvalidFigures(InvalidInput):
    """The figures reported on completion do not fit the task's kind."""


class InviteInvalid(CoordError):
    """An invite code is unknown, expired or used up."""


class ImportFailed(CoordError):
    """A CSV import found bad rows; nothing was imported."""

    def __init__(self, msgid: str, /, problems: list[tuple[int, str]], **params: Any) -> None:
        self.problems = problems
        super().__init__(msgid, **params)


class SettingsError(Exception):
    """A setting has a wrong value; the message names the setting and what is expected."""
