"""``reads REF`` / ``reads NAME``: a coordinator sees who read a household's private details, or what a person
read, in a direct chat only (issue 19). The reads themselves are recorded by ``coord.services.privacy``."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from coord.chat.context import Context
from coord.chat.parse import Command
from coord.chat.port import Phrase, Reply
from coord.chat.watch import private_only
from coord.errors import CoordError, InvalidInput
from coord.i18n import N_
from coord.services import privacy, watch
from coord.services.people.people import find_person

SHOWN = 15

#: How a channel is named to a reader (a chat network is a chat).
CHANNELS = {
    "direct_message": N_("direct message"),
    "cli": N_("command line"),
    "web": N_("board"),
    "board": N_("board"),
    "export": N_("export"),
}
#: What was read.
WHAT = {
    "household": N_("household card"),
    "watch_list": N_("watch list"),
    "search": N_("household search"),
    "task": N_("task details"),
    "phone": N_("phone number"),
    "export": N_("export"),
}


@private_only
def reads(ctx: Context, command: Command) -> list[Reply]:
    """``reads 2-1-502`` (a household) or ``reads NAME`` (a person): the latest reads, newest first."""
    ref = " ".join(command.args).strip()
    if not ref:
        raise InvalidInput(N_("Whose reads? For example: reads 2-1-502, or reads NAME."))
    try:
        household = watch.find_household(ctx.session, actor=ctx.actor, community=ctx.community, ref=ref)
    except CoordError:
        household = None
    if household is not None:
        lines = privacy.reads_of_household(ctx.session, actor=ctx.actor, household=household, limit=SHOWN)
        title, subject = N_("Reads of household {subject}, newest first:\n{lines}"), household.address
    else:
        person = find_person(ctx.session, ctx.community.id, ref)
        lines = privacy.reads_by_person(ctx.session, actor=ctx.actor, person=person, limit=SHOWN)
        title, subject = N_("Reads by or of {subject}, newest first:\n{lines}"), person.name
    if not lines:
        return [ctx.say(N_("No reads of {subject} are recorded."), subject=subject)]
    zone = ZoneInfo(ctx.community.timezone)
    shown = tuple(
        Phrase(
            N_("{when} {who} · {what} · {channel} {about}"),
            {
                "when": line.at.astimezone(zone).strftime("%m-%d %H:%M"),
                "who": line.reader or Phrase(N_("the operator")),
                "what": Phrase(WHAT.get(line.what, N_("private details"))),
                "channel": Phrase(CHANNELS.get(line.channel, N_("chat"))),
                "about": " ".join(
                    p for p in (line.household, f"#{line.task_id}" if line.task_id else "", line.person) if p
                ),
            },
        )
        for line in lines
    )
    return [ctx.say(title, subject=subject, lines=shown)]
