"""A community adds a kind of work and its figures without code (物资搬运 with parcels, heavy items and
weight), in both languages; reports show it like the built-in kinds. A kind is never changed once added:
the work done under it keeps meaning the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.clock import utcnow
from coord.errors import InvalidInput
from coord.i18n import N_, translate
from coord.models import Community
from coord.models.kinds import FIGURE_TYPES, CommunityKind, find_kind, load_community_kinds
from coord.services.outbox.events import record_event
from coord.services.people.access import Actor, require_coordinator

MAX_FIGURES = 10
_FIGURE_NAME = re.compile(r"[a-z][a-z0-9_]{0,29}")


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a new kind: its name (what is typed, ``parcels``), labels, type and whether required."""

    name: str
    label_en: str
    label_zh: str
    type: str = "int"
    required: bool = False


def add_kind(
    *,
    session: Session,
    actor: Actor,
    community: Community,
    name: str,
    label_en: str,
    label_zh: str,
    figures: Sequence[FigureSpec],
    shift: bool = False,
    now: datetime | None = None,
) -> CommunityKind:
    """A coordinator adds a kind of work to the community, with the figures its done work records."""
    require_coordinator(session, actor, community.id)
    name, label_en, label_zh = (" ".join(v.split()) for v in (name, label_en, label_zh))
    for value, most in ((name, 40), (label_en, 80), (label_zh, 80)):
        if not 1 <= len(value) <= most:
            raise InvalidInput(
                N_("A kind needs a name and labels in English and Chinese, of 1 to 80 characters.")
            )
    for word in (name, label_en, label_zh):
        if find_kind(session, community.id, word) is not None:
            raise InvalidInput(N_("There is a kind of work called “{name}” already."), name=word)
    _check_label(label_en, label_zh)
    if not 1 <= len(figures) <= MAX_FIGURES:
        raise InvalidInput(N_("A kind records from 1 to {most} figures."), most=MAX_FIGURES)
    specs = [_figure(spec) for spec in figures]
    names = [spec["name"] for spec in specs]
    if len(set(names)) != len(names):
        raise InvalidInput(N_("Each figure needs a name of its own."))
    row = CommunityKind(
        community_id=community.id,
        name=name,
        label_en=label_en,
        label_zh=label_zh,
        figures=specs,
        shift=shift,
        created_by_id=actor.person_id,
        created_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="kind_added",
        community_id=community.id,
        at=now or utcnow(),
        code=row.code,
        name=name,
        figures=names,
    )
    load_community_kinds(session, community.id)
    return row


def _figure(spec: FigureSpec) -> dict[str, object]:
    name = spec.name.strip().lower()
    if not _FIGURE_NAME.fullmatch(name):
        raise InvalidInput(
            N_("“{name}” cannot name a figure: use lower-case letters, digits and _, like heavy_items."),
            name=spec.name[:30],
        )
    label_en, label_zh = " ".join(spec.label_en.split()), " ".join(spec.label_zh.split())
    if not (1 <= len(label_en) <= 60 and 1 <= len(label_zh) <= 60):
        raise InvalidInput(N_("The figure “{name}” needs a label in English and in Chinese."), name=name)
    if spec.type not in FIGURE_TYPES:
        raise InvalidInput(N_("A figure is a whole number (int), a number (float) or yes/no (bool)."))
    _check_label(label_en, label_zh)
    return {
        "name": name,
        "label_en": label_en,
        "label_zh": label_zh,
        "type": spec.type,
        "required": spec.required,
    }


def _check_label(label_en: str, label_zh: str) -> None:
    """An English label already translated otherwise (``patrol``) would change what the catalog says."""
    known = translate(label_en, "zh")
    if known != label_en and known != label_zh:
        raise InvalidInput(
            N_("“{label}” already means “{known}”; choose another English label."),
            label=label_en,
            known=known,
        )


def community_kinds(session: Session, community_id: int) -> list[CommunityKind]:
    """The kinds the community added, oldest first."""
    load_community_kinds(session, community_id)
    return list(
        session.scalars(
            select(CommunityKind).where(CommunityKind.community_id == community_id).order_by(CommunityKind.id)
        )
    )
