"""What the pages say, in the reader's language: message ids translated, moments in the community's time,
"how long ago", and the words for kinds and states."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from coord.i18n import N_, format_moment, translate
from coord.kinds import KINDS
from coord.services.requests.reports import CHANNEL_LABELS

#: The colour words of the matrix (coord.services.board.today.STATES).
CELL_STATES = {
    "done": N_("done"),
    "in_progress": N_("in progress"),
    "due": N_("due"),
    "overdue": N_("overdue"),
    "unfilled": N_("unfilled"),
    "cancelled": N_("cancelled"),
}
#: Disinfection runs up to three times a day: a building not covered for this long is ageing, then stale.
AGEING = timedelta(hours=8)
STALE = timedelta(hours=24)
#: A request's status as the board names it (coord.models.RequestStatus).
REQUEST_STATES = {
    "received": N_("received"),
    "accepted": N_("accepted"),
    "on_the_way": N_("on the way"),
    "delivered": N_("delivered"),
    "not_at_home": N_("not at home"),
    "retried": N_("coming again"),
    "refused": N_("refused"),
    "cancelled": N_("cancelled"),
}
COLOURS = {"red": N_("red"), "yellow": N_("yellow"), "blue": N_("blue"), "green": N_("green")}
#: Weekdays as the Recurring work page names them, Monday first (datetime.weekday()).
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
#: Kinds of place (coord.models.PlaceKind), as targets of recurring work.
PLACE_KINDS = {
    "building": N_("building"),
    "gate": N_("gate"),
    "depot": N_("supply depot"),
    "drop_point": N_("parcel drop point"),
    "desk": N_("ordering desk"),
}


class Texts:
    """The template helpers for one reader: ``_``, ``at``, ``ago``, ``kind``, ``state``."""

    def __init__(self, language: str, zone: str, now: datetime) -> None:
        self.language = language if language in ("en", "zh") else "en"
        self.zone = ZoneInfo(zone)
        self.now = now

    def _(self, msgid: str, **params: Any) -> str:
        return translate(msgid, self.language, **params)

    def at(self, moment: datetime | None, *, with_date: bool = False) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(self.zone)
        other_day = with_date or local.date() != self.now.astimezone(self.zone).date()
        return format_moment(moment, self.zone.key, self.language, with_date=other_day)

    def ago(self, moment: datetime | None) -> str:
        """How long ago, in hours and minutes; "never" without a moment."""
        if moment is None:
            return self._(N_("never"))
        minutes = max(int((self.now - moment).total_seconds() // 60), 0)
        if minutes < 60:
            return self._(N_("{minutes} min ago"), minutes=minutes)
        if minutes < 48 * 60:
            return self._(N_("{hours} h {minutes} min ago"), hours=minutes // 60, minutes=minutes % 60)
        return self._(N_("{days} days ago"), days=minutes // (24 * 60))

    def staleness(self, moment: datetime | None) -> str:
        """How the time since a building was last covered is coloured: fresh, ageing or stale."""
        if moment is None or self.now - moment >= STALE:
            return "stale"
        return "fresh" if self.now - moment < AGEING else "ageing"

    def kind(self, name: str) -> str:
        kind = KINDS.get(name)
        return self._(kind.label) if kind else name

    def state(self, name: str) -> str:
        return self._(CELL_STATES.get(name, name))

    def colour(self, name: str) -> str:
        return self._(COLOURS.get(str(name), str(name)))

    def request_state(self, name: str) -> str:
        return self._(REQUEST_STATES.get(name, name))

    def channel(self, name: str) -> str:
        return self._(CHANNEL_LABELS.get(name, name))

    def weekdays(self, days: tuple[int, ...]) -> str:
        """Weekdays (0 = Monday) in words; all seven are "every day"."""
        if len(set(days)) == 7:
            return self._(N_("every day"))
        return self.join([self._(WEEKDAYS[d]) for d in days])

    def place_kind(self, name: str) -> str:
        return self._(PLACE_KINDS.get(name, name))

    def join(self, words: list[str]) -> str:
        return ("、" if self.language == "zh" else ", ").join(words)

    def helpers(self) -> dict[str, Any]:
        return {
            "_": self._,
            "at": self.at,
            "ago": self.ago,
            "kind": self.kind,
            "state": self.state,
            "colour": self.colour,
            "staleness": self.staleness,
            "request_state": self.request_state,
            "channel": self.channel,
            "weekdays": self.weekdays,
            "place_kind": self.place_kind,
            "join": self.join,
            "lang": self.language,
        }
