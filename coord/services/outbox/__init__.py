"""Outbox: the event log and the notifications written in the caller's transaction, delivered after commit.

Modules: ``events`` (the event log), ``notifications`` (the outbox), ``delivery`` (rendering and sending)
and ``gateways`` (the port to a chat network, with its console and in-memory gateways).
"""

from coord.services.outbox.delivery import DeliveryOptions, deliver_notification
from coord.services.outbox.events import record_event
from coord.services.outbox.gateways import ConsoleGateway, Gateway, MemoryGateway, Outbound
from coord.services.outbox.notifications import (
    hold_for_reply,
    notify,
    release_reply,
    settle_reply,
)

__all__ = [
    "ConsoleGateway",
    "DeliveryOptions",
    "Gateway",
    "MemoryGateway",
    "Outbound",
    "deliver_notification",
    "hold_for_reply",
    "notify",
    "record_event",
    "release_reply",
    "settle_reply",
]
