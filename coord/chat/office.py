"""A community office's own settings in chat: who is the party secretary (书记)."""

from __future__ import annotations

from coord.chat.context import Context
from coord.chat.parse import Command
from coord.chat.port import Reply
from coord.i18n import N_
from coord.services.people.access import require_coordinator
from coord.services.people.people import find_person
from coord.services.people.secretary import party_secretary, set_party_secretary

CLEAR_WORDS = frozenset({"-", "—", "none", "clear", "无", "清除", "取消"})
SECRETARY_IS = N_(
    "The party secretary is {name}: a red household's follow-up goes to them and to its responsible person."
)
NO_SECRETARY = N_(
    "No party secretary is named: a red household's follow-up goes to every coordinator. "
    "To name one: secretary NAME"
)


def secretary(ctx: Context, command: Command) -> list[Reply]:
    """``secretary`` shows the community's party secretary; ``secretary NAME`` names one (a coordinator),
    ``secretary -`` clears it. Coordinators only."""
    require_coordinator(ctx.session, ctx.actor, ctx.community.id)
    if command.args:
        ref = " ".join(command.args)
        person = None if ref.lower() in CLEAR_WORDS else find_person(ctx.session, ctx.community.id, ref)
        ctx.attempt(
            lambda: set_party_secretary(
                session=ctx.session, actor=ctx.actor, community=ctx.community, person=person, now=ctx.now
            )
        )
    named = party_secretary(ctx.session, ctx.community)
    if named is None:
        return [ctx.say(NO_SECRETARY)]
    return [ctx.say(SECRETARY_IS, name=named.name)]
