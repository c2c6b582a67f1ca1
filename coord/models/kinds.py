"""A community's own kinds of work (issue 18): a kind and its figures added without code, both languages.

A ``CommunityKind`` is stored once and never changed (a task done under it keeps meaning the same): its
``code`` (``k_`` and 8 hex digits, unique everywhere) is what a task's ``kind`` holds; its English labels
are message ids whose Chinese lives in the row. Reading one registers it in ``coord.kinds``
(``register_kind``) and its Chinese labels in the catalog (``coord.i18n.add_messages``), so every path that
knows the built-in kinds (``get_kind``, figures, labels, reports) knows it too. A kind not read yet is read
through the session of the transaction under way in this thread (``kinds.set_kind_loader``).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from coord.clock import utcnow
from coord.i18n import add_messages, translate
from coord.kinds import KINDS, OWN_KINDS, OWN_PREFIX, Figure, TaskKind, register_kind, set_kind_loader
from coord.models.base import Base

FIGURE_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool}


class CommunityKind(Base):
    """A kind of work a community added: its labels and figures (each: name, labels, type, required)."""

    __tablename__ = "community_kind"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    code: Mapped[str] = mapped_column(String(24), unique=True, default=lambda: new_code())
    name: Mapped[str] = mapped_column(String(40))  # what people type: 物资搬运, supply_hauling
    label_en: Mapped[str] = mapped_column(String(80))
    label_zh: Mapped[str] = mapped_column(String(80))
    figures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    shift: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_task_kind(self) -> TaskKind:
        """The kind as ``coord.kinds`` knows kinds (its Chinese labels added to the catalog)."""
        add_messages("zh", {self.label_en: self.label_zh})
        figures = []
        for spec in self.figures:
            add_messages("zh", {spec["label_en"]: spec["label_zh"]})
            figures.append(
                Figure(
                    spec["name"],
                    spec["label_en"],
                    type=FIGURE_TYPES.get(spec.get("type", "int"), int),
                    required=bool(spec.get("required")),
                    high=float(spec.get("high", 100_000)),
                )
            )
        return TaskKind(self.code, self.label_en, tuple(figures), shift=self.shift)


def new_code() -> str:
    return OWN_PREFIX + secrets.token_hex(4)


def load_community_kinds(session: Session, community_id: int) -> list[TaskKind]:
    """Register every own kind of the community; returns them."""
    rows = session.scalars(
        select(CommunityKind).where(CommunityKind.community_id == community_id).order_by(CommunityKind.id)
    ).all()
    kinds = [row.as_task_kind() for row in rows]
    for kind in kinds:
        register_kind(kind)
    return kinds


def word_key(text: str) -> str:
    """A kind's or a figure's name as typed, for comparing: case, spaces, underscores and width ignored."""
    return re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", text).lower())


def find_kind(session: Session, community_id: int, word: str) -> TaskKind | None:
    """The kind ``word`` names in the community: a built-in kind by its name or label (English or Chinese),
    else one of the community's own by its name, code or label; None when none."""
    key = word_key(word)
    for kind in KINDS.values():
        if key in (word_key(kind.name), word_key(kind.label), word_key(translate(kind.label, "zh"))):
            return kind
    for row in session.scalars(select(CommunityKind).where(CommunityKind.community_id == community_id)):
        if key in (word_key(row.name), word_key(row.code), word_key(row.label_en), word_key(row.label_zh)):
            kind = row.as_task_kind()
            register_kind(kind)
            return kind
    return None


_SESSION: ContextVar[Session | None] = ContextVar("coord_kinds_session", default=None)


@event.listens_for(Session, "after_begin")
def _remember_session(session: Session, _transaction: object, _connection: object) -> None:
    """The session whose transaction is under way here: an own kind not registered yet is read through it."""
    _SESSION.set(session)


def _load(code: str) -> TaskKind | None:
    session = _SESSION.get()
    if session is None or code in OWN_KINDS:
        return OWN_KINDS.get(code)
    try:
        with session.no_autoflush:
            row = session.scalar(select(CommunityKind).where(CommunityKind.code == code))
    except Exception:  # a closed session or a failed transaction: the kind stays unknown
        return None
    return row.as_task_kind() if row is not None else None


set_kind_loader(_load)
