"""The data model (SQLAlchemy 2.0, typed)."""

from coord.models.base import LARGEST_ID, Base, UTCDateTime, as_id
from coord.models.cards import PostedCard
from coord.models.chats import ChatNote, ChatNoteKind
from coord.models.community import Area, AreaKind, Community, Household, Place, PlaceKind, WatchColour
from coord.models.conversation import Conversation
from coord.models.duties import (
    LADDER_FINISHED,
    DailySummary,
    Delivery,
    Duty,
    DutyKind,
    DutyStatus,
    EscalationPolicy,
)
from coord.models.people import (
    ChatAccount,
    CommunityRole,
    HealthDeclaration,
    Invite,
    InviteRole,
    Membership,
    Person,
    Team,
    TeamChat,
    TeamRole,
)
from coord.models.records import Event, Notification, NotificationStatus
from coord.models.work import (
    ACTIVE_STATES,
    HOLDING_STATES,
    Assignment,
    AssignmentState,
    Priority,
    Task,
    TaskStatus,
    Template,
)
from coord.models.web import WebLink, WebSession, WebSite

__all__ = [
    "ACTIVE_STATES",
    "HOLDING_STATES",
    "LADDER_FINISHED",
    "LARGEST_ID",
    "Area",
    "AreaKind",
    "Assignment",
    "AssignmentState",
    "Base",
    "ChatAccount",
    "ChatNote",
    "ChatNoteKind",
    "Community",
    "CommunityRole",
    "Conversation",
    "DailySummary",
    "Delivery",
    "Duty",
    "DutyKind",
    "DutyStatus",
    "EscalationPolicy",
    "Event",
    "HealthDeclaration",
    "Household",
    "Invite",
    "InviteRole",
    "Membership",
    "Notification",
    "NotificationStatus",
    "Person",
    "Place",
    "PlaceKind",
    "PostedCard",
    "Priority",
    "Task",
    "TaskStatus",
    "Team",
    "TeamChat",
    "TeamRole",
    "Template",
    "UTCDateTime",
    "WatchColour",
    "WebLink",
    "WebSession",
    "WebSite",
    "as_id",
]
