"""The kinds of work (DOMAIN.md) and the figures each records when it is done."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from coord.errors import InvalidFigures
from coord.i18n import N_

TRUE_WORDS = frozenset({"yes", "y", "true", "1", "是", "有", "对", "接通"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "否", "无", "没有", "未接通"})


@dataclass(frozen=True)
class Figure:
    """One number (or yes/no) a finished task records."""

    name: str
    label: str
    type: type = int
    required: bool = False
    low: float = 0
    high: float = 100_000
    #: In the summary, count the values at or above this instead of summing them (a fever, not a
    #: sum of temperatures), under ``summary_label``.
    at_least: float | None = None
    summary_label: str = ""

    @property
    def reported_as(self) -> str:
        """The label of its total in a summary."""
        return self.summary_label or self.label

    def tally(self, value: Any) -> int | float:
        """What ``value`` adds to a total: a yes counts 1; with ``at_least``, reaching it counts 1."""
        if isinstance(value, bool) or self.type is bool:
            return int(bool(value))
        if not isinstance(value, int | float):
            return 0
        if self.at_least is not None:
            return int(value >= self.at_least)
        return value

    def parse(self, raw: Any) -> int | float | bool | str:
        """The value of ``raw`` for this figure, or ``InvalidFigures`` saying what is expected."""
        if self.type is str:  # free text (what a household needs): kept as said, tidied, never summed
            return " ".join(str(raw).split())[: int(self.high)]
        if self.type is bool:
            if isinstance(raw, bool):
                return raw
            word = str(raw).strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise InvalidFigures(N_("{figure} must be yes or no."), figure=self.name)
        try:
            value: int | float = self.type(str(raw).strip())
        except (TypeError, ValueError):
            expected = N_("a whole number") if self.type is int else N_("a number")
            raise InvalidFigures(
                N_("{figure} must be {expected}, not “{value}”."),
                figure=self.name,
                expected=expected,
                value=str(raw)[:20],
            ) from None
        if not self.low <= value <= self.high:
            raise InvalidFigures(
                N_("{figure} must be between {low} and {high}."),
                figure=self.name,
                low=_plain(self.low),
                high=_plain(self.high),
            )
        return value


@dataclass(frozen=True)
class TaskKind:
    name: str
    label: str
    figures: tuple[Figure, ...]
    shift: bool = False  # a time window at a post rather than a deadline
    needs_check_in: bool = False  # "done" only after checking in at the post
    #: Free-text answers it records besides its figures (``type=str``), never counted in a summary: what a
    #: household said it needs on a call ("家里缺什么").
    texts: tuple[Figure, ...] = ()

    def figure(self, name: str) -> Figure | None:
        return next((f for f in self.figures if f.name == name), None)

    def answer(self, name: str) -> Figure | None:
        """A figure or a free-text answer of this kind, by its name."""
        return self.figure(name) or next((f for f in self.texts if f.name == name), None)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


#: What a call to a household under watch records: reached?, temperature (37.3 °C is a fever), symptoms,
#: and what the household needs, in free text.
CALL_FIGURES = (
    Figure("reached", N_("reached"), type=bool, required=True),
    Figure(
        "temperature",
        N_("temperature (°C)"),
        type=float,
        low=34,
        high=43,
        at_least=37.3,
        summary_label=N_("fever (37.3 °C or more)"),
    ),
    Figure("symptoms", N_("symptoms"), type=bool),
)
NEEDS = Figure("needs", N_("needs"), type=str, high=500)
#: Kinds whose answer is a call's: a daily check-in call, and a red household's follow-up by its leads.
CALL_KINDS = frozenset({"checkin_call", "follow_up"})


KINDS: dict[str, TaskKind] = {
    k.name: k
    for k in (
        TaskKind(
            "delivery",
            N_("doorstep delivery"),
            (Figure("households", N_("households served"), required=True), Figure("items", N_("items"))),
        ),
        TaskKind(
            "purchase",
            N_("purchase / medicine"),
            (Figure("orders", N_("orders"), required=True), Figure("households", N_("households"))),
        ),
        TaskKind(
            "gate_shift",
            N_("gate duty"),
            (
                Figure("people_checked", N_("people checked"), required=True),
                Figure("temperatures", N_("temperatures taken")),
                Figure("health_codes", N_("health codes verified")),
                Figure("turned_away", N_("turned away")),
            ),
            shift=True,
            needs_check_in=True,
        ),
        TaskKind(
            "disinfection",
            N_("disinfection"),
            (
                Figure("buildings", N_("buildings"), required=True, high=1_000),
                Figure("floors", N_("floors")),
                Figure("households", N_("households covered")),
                Figure("litres", N_("litres"), type=float, high=10_000),
            ),
            shift=True,
        ),
        TaskKind(
            "patrol", N_("patrol"), (Figure("issues_found", N_("issues found"), required=True),), shift=True
        ),
        TaskKind(
            "screening",
            N_("door-to-door screening"),
            (
                Figure("households_visited", N_("households visited"), required=True),
                Figure("people_registered", N_("people registered")),
            ),
        ),
        TaskKind("checkin_call", N_("check-in call"), CALL_FIGURES, texts=(NEEDS,)),
        TaskKind("follow_up", N_("red household follow-up"), CALL_FIGURES, texts=(NEEDS,)),
        TaskKind(
            "outreach",
            N_("outreach"),
            (Figure("flyers", N_("flyers"), required=True), Figure("households", N_("households"))),
        ),
    )
}


#: A community's own kinds (``coord.models.kinds.CommunityKind``) by their code, registered as they are read.
#: A kind is never changed once made and its code is unique everywhere, so a registered kind stays right.
OWN_KINDS: dict[str, TaskKind] = {}
OWN_PREFIX = "k_"
_loader: Callable[[str], TaskKind | None] | None = None


def register_kind(kind: TaskKind) -> None:
    """Make a community's own kind known by its code (``k_…``)."""
    OWN_KINDS[kind.name] = kind


def set_kind_loader(loader: Callable[[str], TaskKind | None]) -> None:
    """How to read an own kind not registered yet (from the database), by its code."""
    global _loader
    _loader = loader


def kind_named(name: str) -> TaskKind | None:
    """A built-in kind by its name, or a community's own kind by its code; None when there is none."""
    key = name.strip().lower()
    kind = KINDS.get(key) or OWN_KINDS.get(key)
    if kind is None and key.startswith(OWN_PREFIX) and _loader is not None:
        kind = _loader(key)
        if kind is not None:
            register_kind(kind)
    return kind


def get_kind(name: str) -> TaskKind:
    kind = kind_named(name)
    if kind is None:
        from coord.errors import InvalidInput

        raise InvalidInput(
            N_("Unknown kind of work “{kind}”. Known kinds: {known}."),
            kind=name[:30],
            known=", ".join(KINDS),
        )
    return kind


def validate_figures(kind: TaskKind, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``raw`` against what ``kind`` records; return the typed figures."""
    unknown = [name for name in raw if kind.answer(name) is None]
    if unknown:
        raise InvalidFigures(
            N_("{kind} does not record “{figure}”. It records: {known}."),
            kind=kind.name,
            figure=unknown[0][:30],
            known=", ".join(f.name for f in (*kind.figures, *kind.texts)),
        )
    figures = {name: kind.answer(name).parse(value) for name, value in raw.items()}  # type: ignore[union-attr]
    missing = [f.name for f in kind.figures if f.required and f.name not in figures]
    if missing:
        raise InvalidFigures(N_("Please give {figure} for this {kind}."), figure=missing[0], kind=kind.name)
    for text in kind.texts:
        if not figures.get(text.name, True):
            figures.pop(text.name)  # said nothing: nothing to record
    if kind.name in CALL_KINDS and figures.get("reached") is False:
        # Nobody answered: there can be no temperature, symptoms or needs to record.
        for name in ("temperature", "symptoms", "needs"):
            figures.pop(name, None)
    return figures
