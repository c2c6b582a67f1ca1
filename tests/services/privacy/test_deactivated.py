"""A deactivated person's direct chats receive nothing more (issue 19), and what they held is released."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from coord.models import Assignment, AssignmentState, Notification
from coord.services.outbox.delivery import begin_attempt
from coord.services.outbox.gateways import ConsoleGateway
from coord.services.people.people import link_account
from coord.services.people.roster import deactivate_person
from coord.services.work import claims
from tests.factories import NOW, SYSTEM, World, delivery

GATEWAYS = {"telegram": ConsoleGateway()}


def test_a_deactivated_persons_direct_chat_receives_nothing_more(session: Session, world: World) -> None:
    # Given a volunteer with a direct chat, who claimed a delivery (its details wait in the outbox)
    holder = world.supply_volunteers[0]
    link_account(
        session=session, actor=SYSTEM, person=holder, network="telegram", external_id="77", dm_chat_id="77"
    )
    task = delivery(session, world)
    claims.claim(session=session, actor=world.actor(holder), task_id=task.id, now=NOW)
    details = session.scalars(
        select(Notification).where(Notification.private, Notification.person_id == holder.id)
    ).one()
    envelope = begin_attempt(session, notification_id=details.id, attempt=0, gateways=GATEWAYS, now=NOW)
    assert envelope is not None and [t.chat_id for t in envelope.targets] == ["77"]
    # When a coordinator deactivates them before the message went out
    deactivate_person(
        session=session, actor=world.actor(world.coordinator), person=holder, reason="left", now=NOW
    )
    # Then their direct chat is no longer a place to send to
    again = begin_attempt(session, notification_id=details.id, attempt=1, gateways=GATEWAYS, now=NOW)
    assert again is not None and again.targets == [] and again.problem
    # and the slot they held is released
    held = session.scalars(select(Assignment).where(Assignment.person_id == holder.id)).one()
    assert held.state == AssignmentState.RELEASED and task.filled == 0
