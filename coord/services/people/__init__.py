"""People: who acts and may act, communities and their places and households, teams, roles, chat accounts,
invites and announcements.

Modules: ``access`` (every permission check), ``directory`` (who is who in chat), ``people``,
``communities``, ``invites``, ``roster`` (a person edited or deactivated), ``announcements`` and
``team_chats`` (the group chats a team's cards, alerts and announcements go to).
The watch list is ``coord.services.watch``.
"""

from coord.services.people.access import (
    Actor,
    can_keep_watch,
    can_see_private,
    is_captain,
    is_coordinator,
    require_coordinator,
    require_lead,
    require_watch_keeper,
)
from coord.services.people.announcements import announce
from coord.services.people.communities import (
    add_area,
    add_household,
    add_place,
    create_community,
    find_area,
    find_place,
    get_community,
    update_community,
)
from coord.services.people.directory import (
    community_teams,
    remember_direct_chat,
    roles_of,
    speaker,
    team_of_chat,
)
from coord.services.people.invites import create_invite, list_invites, redeem_invite, revoke_invite
from coord.services.people.people import (
    add_member,
    add_person,
    create_team,
    declare_health,
    find_person,
    find_team,
    link_account,
    make_coordinator,
    remove_member,
    set_language,
)
from coord.services.people.roster import deactivate_person, edit_person, person_card
from coord.services.people.team_chats import (
    bot_left_chat,
    link_team_chat,
    link_with_code,
    make_link_code,
    move_team_chat,
    team_chats,
    unlink_team_chat,
)

__all__ = [
    "Actor",
    "add_area",
    "add_household",
    "add_member",
    "add_person",
    "add_place",
    "announce",
    "bot_left_chat",
    "can_keep_watch",
    "can_see_private",
    "community_teams",
    "create_community",
    "create_invite",
    "create_team",
    "deactivate_person",
    "declare_health",
    "edit_person",
    "find_area",
    "find_person",
    "find_place",
    "find_team",
    "get_community",
    "is_captain",
    "is_coordinator",
    "link_account",
    "link_team_chat",
    "link_with_code",
    "list_invites",
    "make_coordinator",
    "make_link_code",
    "move_team_chat",
    "person_card",
    "redeem_invite",
    "remember_direct_chat",
    "remove_member",
    "require_coordinator",
    "require_lead",
    "require_watch_keeper",
    "revoke_invite",
    "roles_of",
    "set_language",
    "speaker",
    "team_chats",
    "team_of_chat",
    "unlink_team_chat",
    "update_community",
]
