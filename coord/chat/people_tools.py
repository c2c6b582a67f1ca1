"""A captain's and a coordinator's people tools: invite codes listed and revoked, a person's details shown
and changed, a person deactivated. Phone numbers are shown only in a direct chat."""

from __future__ import annotations

import re

from coord.chat.context import Context
from coord.chat.parse import Command
from coord.chat.port import Joined, Phrase, Reply, Target
from coord.chat.words import LANGUAGE_WORDS
from coord.errors import InvalidInput, NotFound
from coord.i18n import N_
from coord.models import Invite, Person, TeamRole
from coord.services.people.invites import list_invites, revoke_invite
from coord.services.people.people import find_person
from coord.services.people.roster import deactivate_person, edit_person, person_card

ROLE_NAMES = {"volunteer": N_("volunteer"), "captain": N_("captain"), "coordinator": N_("coordinator")}
FIELD_NAMES = {
    "name": N_("the name"),
    "phone": N_("the phone number"),
    "skills": N_("the skills"),
    "language": N_("the language"),
}
#: ``key=value`` of the ``person`` command, as people type the keys.
FIELD_WORDS = {
    **dict.fromkeys(("name", "姓名", "名字"), "name"),
    **dict.fromkeys(("phone", "tel", "电话", "手机"), "phone"),
    **dict.fromkeys(("skills", "skill", "技能", "特长"), "skills"),
    **dict.fromkeys(("language", "lang", "语言"), "language"),
}
_LIST = re.compile(r"[,，、;；]")


def invites(ctx: Context, command: Command) -> list[Reply]:
    """The invite codes that can still be used: all of them for a coordinator, their teams' for a captain."""
    usable = list_invites(session=ctx.session, actor=ctx.actor, community=ctx.community, now=ctx.now)
    target: Target = "direct" if ctx.in_group else "here"
    if not usable:
        return [
            ctx.say(N_("No invite code can be used now. Make one with “invite volunteer”."), target=target)
        ]
    lines = tuple(_invite_line(ctx, invite) for invite in usable)
    return [
        ctx.say(
            N_("Invite codes that can still be used:\n{lines}\nTo stop one: revoke CODE"),
            target=target,
            lines=lines,
        )
    ]


def _invite_line(ctx: Context, invite: Invite) -> Phrase:
    team = Phrase(N_(" in team {team}"), {"team": invite.team.name}) if invite.team else ""
    return Phrase(
        N_("{code}: a {role}{team}, {uses} use left, until {until}"),
        {
            "code": invite.code,
            "role": Phrase(ROLE_NAMES[str(invite.role)]),
            "team": team,
            "uses": invite.uses_left,
            "until": ctx.moment(invite.expires_at),
        },
    )


def revoke(ctx: Context, command: Command) -> list[Reply]:
    if not command.args:
        raise InvalidInput(N_("Which invite? Send “revoke CODE”; “invites” lists them."))
    invite = ctx.attempt(
        lambda: revoke_invite(
            session=ctx.session, actor=ctx.actor, community=ctx.community, code=command.args[0], now=ctx.now
        )
    )
    return [ctx.say(N_("Invite {code} is revoked: it cannot be used any more."), code=invite.code)]


def _named(ctx: Context, command: Command, example: str) -> tuple[Person, int]:
    """The person named by the first words (a name may have spaces: the longest that is someone's), and
    how many words it took."""
    args = command.as_typed
    if not args:
        raise InvalidInput(N_("Whom? For example: {example}"), example=example)
    for size in range(len(args), 0, -1):
        try:
            return find_person(ctx.session, ctx.community.id, " ".join(args[:size])), size
        except NotFound:
            continue
    raise NotFound(N_("There is no person “{ref}”."), ref=args[0][:60])


def person(ctx: Context, command: Command) -> list[Reply]:
    """``person NAME``: their details; ``person NAME phone=… skills=a,b language=zh name=…``: change them."""
    who, _ = _named(ctx, command, "person 张三 phone=13800000000 skills=医护,开车")
    changes: dict[str, str] = {}
    for key, value in command.options.items():
        field = FIELD_WORDS.get(key)
        if field is None:
            raise InvalidInput(
                N_("I do not know “{option}=”; use name=, phone=, skills= or language=."), option=key[:20]
            )
        changes[field] = value
    if not changes:
        return [_card(ctx, who)]
    language = None
    if "language" in changes:
        language = LANGUAGE_WORDS.get(changes["language"].lower())
        if language is None:
            raise InvalidInput(N_("The language is en or zh."))
    edited = ctx.attempt(
        lambda: edit_person(
            session=ctx.session,
            actor=ctx.actor,
            person=who,
            name=changes.get("name"),
            phone=changes.get("phone"),
            skills=_LIST.split(changes["skills"]) if "skills" in changes else None,
            language=language,
            now=ctx.now,
        )
    )
    if not edited.changed:
        return [ctx.say(N_("Nothing changed: {name} had those details already."), name=who.name)]
    fields = Joined(tuple(Phrase(FIELD_NAMES[f]) for f in edited.changed))
    return [ctx.say(N_("Changed {fields} of {name}."), fields=fields, name=who.name)]


def _card(ctx: Context, who: Person) -> Reply:
    card = ctx.attempt(
        lambda: person_card(
            session=ctx.session, actor=ctx.actor, person=who, private=not ctx.in_group, now=ctx.now
        )
    )
    teams = tuple(
        Phrase(N_("{team} (captain)"), {"team": team.name}) if role == TeamRole.CAPTAIN else team.name
        for team, role in card.teams
    )
    # Phone numbers are private: only in a direct chat, and only to whoever may change the person.
    phone: Phrase | str = ""
    if card.phone is not None:
        phone = Phrase(N_("\nPhone: {phone}"), {"phone": card.phone or "—"})
    return ctx.say(
        N_("{name} (#{id}){state}\nTeams: {teams}\nSkills: {skills}\nLanguage: {language}{phone}"),
        name=who.name,
        id=who.id,
        state="" if who.active else Phrase(N_(", deactivated")),
        teams=Joined(teams) if teams else Phrase(N_("none")),
        skills=Joined(tuple(who.skills)) if who.skills else Phrase(N_("none")),
        language=Phrase(N_("Chinese (zh)") if who.language == "zh" else N_("English (en)")),
        phone=phone,
    )


def deactivate(ctx: Context, command: Command) -> list[Reply]:
    """``deactivate NAME REASON``: they take no further part; what they hold is released, captains told."""
    who, size = _named(ctx, command, "deactivate 张三 已返岗上班")
    reason = command.text_from(size)
    done = ctx.attempt(
        lambda: deactivate_person(
            session=ctx.session, actor=ctx.actor, person=who, reason=reason, now=ctx.now
        )
    )
    released: Phrase | str = ""
    if done.released:
        tasks = tuple(
            Phrase(N_("#{task_id} “{title}”"), {"task_id": t.id, "title": t.title}) for t in done.released
        )
        released = Phrase(
            N_("\nReleased for someone else, their captain told: {tasks}"), {"tasks": Joined(tasks)}
        )
    return [
        ctx.say(
            N_("{name} is deactivated ({reason}): I no longer answer them.{released}"),
            name=who.name,
            reason=" ".join(reason.split()),
            released=released,
        )
    ]
