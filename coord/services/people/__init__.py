"""People: who acts and may act, communities and their places, teams, roles, invites and announcements.

Modules: ``access``, ``directory``, ``people``, ``communities``, ``invites``, ``announcements`` and
``households``. Only ``access`` and ``directory`` are re-exported: ``outbox.events`` imports ``access``, the
others import ``outbox.events``, a cycle no order here breaks; import their use cases from their modules.
"""

from coord.services.people.access import (
    Actor,
    can_see_private,
    is_captain,
    is_coordinator,
    require_coordinator,
    require_lead,
)
from coord.services.people.directory import (
    community_teams,
    remember_direct_chat,
    roles_of,
    speaker,
    team_of_chat,
)

__all__ = [
    "Actor",
    "can_see_private",
    "community_teams",
    "is_captain",
    "is_coordinator",
    "remember_direct_chat",
    "require_coordinator",
    "require_lead",
    "roles_of",
    "speaker",
    "team_of_chat",
]
