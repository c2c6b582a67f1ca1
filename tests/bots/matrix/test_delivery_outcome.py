"""Matrix stays exactly-once after a crash (DESIGN.md invariant 10): a worker killed after its send, before
its receipt, is followed by an attempt that sends the same transaction id again, unmarked, and the person
sees the message once. The kill is injected (``Killed``, a ``BaseException`` nothing in delivery catches)
right after the real gateway's send to a real Synapse returned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bots.matrix import make_gateway
from coord.models import Notification, NotificationStatus
from coord.services.outbox.delivery import DeliveryOptions, deliver_notification
from coord.services.outbox.gateways import Gateway, Limit, Outbound
from coord.services.outbox.notifications import notify
from peers.synapse import Synapse, request
from tests.bots.matrix.town import Town, build_town
from tests.factories import NOW
from workers.ratelimit import LocalRateLimiter


@pytest.fixture
def town(synapse: Synapse, tmp_path: Path) -> Iterator[Town]:
    built = build_town(synapse, tmp_path)
    yield built
    built.close()


class Killed(BaseException):
    """The worker dies here."""


class DiesAfterFirstSend:
    """The real Matrix gateway; the process dies right after its first send returned."""

    network = "matrix"
    idempotent = True

    def __init__(self, gateway: Gateway) -> None:
        self.gateway, self.sends = gateway, 0

    def limits(self, message: Outbound) -> list[Limit]:
        return self.gateway.limits(message)

    def send(self, message: Outbound) -> str:
        reference = self.gateway.send(message)
        self.sends += 1
        if self.sends == 1:
            raise Killed()
        return reference


def test_a_send_cut_short_on_matrix_is_sent_again_and_shown_once(town: Town) -> None:
    # Given a volunteer's direct chat with the bot, and a message for them in the outbox
    volunteer = town.person("volunteer")
    bot = town.bot_account
    direct = town.run(volunteer.open_direct_chat(bot.user_id))
    request("POST", f"{town.synapse.url}/_matrix/client/v3/join/{direct}", {}, token=bot.access_token)
    town.link(volunteer, "volunteers[0]", direct=direct)
    town.run(volunteer.catch_up())
    with town.factory() as session, session.begin():
        notify(
            session,
            dedupe_key="cancelled:7",
            community_id=town.world.community.id,
            person_id=town.world.volunteers[0].id,
            msgid="Task #{task_id} “{title}” was cancelled. {reason}",
            params={"task_id": 7, "title": "North gate", "reason": ""},
            at=NOW,
        )
        note_id = session.scalars(select(Notification.id)).one()
    gateway = DiesAfterFirstSend(make_gateway(town.settings()))

    def deliver(attempt: int, after: timedelta) -> NotificationStatus | None:
        town.clock.set(NOW + after)
        return deliver_notification(
            town.factory,
            notification_id=note_id,
            attempt=attempt,
            gateways={"matrix": gateway},
            limiter=LocalRateLimiter(),
            clock=town.clock,
        )

    # When the worker dies after the send, and the next one runs once the lease is over
    with pytest.raises(Killed):
        deliver(0, timedelta(0))
    assert deliver(1, DeliveryOptions().send_lease + timedelta(seconds=1)) == NotificationStatus.SENT
    # Then the homeserver got the same transaction twice and shows one message, unmarked
    assert gateway.sends == 2
    after = Outbound(network="matrix", chat_id=direct, is_group=False, text="And then", key="later")
    gateway.gateway.send(after)  # once this one is seen, anything sent before it is too
    got = town.run(volunteer.wait_for(lambda got: any(m.body == "And then" for m in got)))
    shown = [m.body.strip() for m in got if m.sender == bot.user_id]
    assert shown == ["Task #7 “North gate” was cancelled.", "And then"]
    with town.factory() as session:
        note = session.get_one(Notification, note_id)
        assert note.status == NotificationStatus.SENT and not note.repeated
