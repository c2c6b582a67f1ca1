"""Delivering outbox notifications: render in the reader's language, send through a gateway, record it.

One delivery is three steps. (1) In a short transaction the attempt is claimed: ``attempts`` moves on
only if it still equals the token the message was dispatched with (so a message delivered twice sends
once), ``next_attempt_at`` is leased ahead (so a worker killed mid-send is retried after the lease) and
``sending_since`` records that a send is under way. (2) Outside any transaction each chat still without
a receipt gets the message, after the shared rate limiter grants a slot. (3) In a second transaction the
outcome is stored with the receipts and ``sending_since`` cleared: sent; pending again after a 429
(``retry_after``) or a busy limiter; failed with exponential backoff; dead after too many failures or a
permanent one. Nothing is dropped silently: a dead message stays in the table and the daily summary
counts it.

An attempt that finds ``sending_since`` still set follows one whose outcome is unknown: a worker (or the
bot, for a chat reply that carried the message) died mid-send, or the network timed out after taking the
request (DESIGN.md invariant 10). Where the network has an idempotency key (Matrix transaction ids) the
message is simply sent again: it arrives once. Elsewhere (Telegram) it is repeated at most once, marked
as a repeat in the reader's language, and not at all once its ``repeat_until`` (a reminder's or alert's
moment) has passed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, desc, select, update
from sqlalchemy.orm import Session, sessionmaker

from coord.clock import Clock
from coord.db import insert_new, transaction
from coord.i18n import N_, TRANSLATED, shown_moments, translate
from coord.models import (
    ChatAccount,
    Community,
    DailySummary,
    Delivery,
    Notification,
    NotificationStatus,
    Person,
    TeamChat,
)
from coord.payloads import payload_of
from coord.services.outbox.gateways import (
    Attachment,
    Gateway,
    Limit,
    Outbound,
    OutcomeUnknown,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)

log = logging.getLogger(__name__)
RETRYABLE = (NotificationStatus.PENDING, NotificationStatus.FAILED)


class RateLimiter(Protocol):
    def reserve(self, limits: Sequence[Limit], *, max_wait: float) -> tuple[bool, float]:
        """Book the next free slot under every limit if it is at most ``max_wait`` seconds away.

        Returns (granted, seconds to wait): sleep that long then send; when not granted, try again then.
        """
        ...

    def admit(self, limits: Sequence[Limit]) -> float:
        """Right before sending: 0 if every limit has room now (the send is counted), else the wait."""
        ...

    def penalise(self, limits: Sequence[Limit], seconds: float) -> None:
        """The network answered 429: hold every send under these limits back for ``seconds``."""
        ...


@dataclass(frozen=True)
class DeliveryOptions:
    send_lease: timedelta = timedelta(minutes=2)  # a worker that dies mid-send is retried after this
    max_attempts: int = 10
    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)
    max_wait: float = 2.0  # seconds a worker may sleep for a rate-limit slot before handing the message back


@dataclass(frozen=True)
class Target:
    network: str
    chat_id: str
    is_group: bool
    language: str


@dataclass
class Envelope:
    """A claimed attempt: what to send, to which chats, with the token that owns it."""

    notification_id: int
    attempt: int
    msgid: str
    params: dict[str, Any]
    buttons: list[Any]
    targets: list[Target]
    summary: dict[str, Any] | None = None
    problem: str = ""
    private: bool = False
    repeat: bool = False  # an earlier send's outcome is unknown: this one is marked as a repeat
    withheld: str = ""  # why chats an earlier send may have reached are not sent to again


@dataclass
class Result:
    status: NotificationStatus
    retry_in: float = 0.0
    error: str = ""
    receipts: list[tuple[Target, str]] = field(default_factory=list)
    unknown: bool = False  # the last send's outcome is unknown (a timeout after the request went out)


def deliver_notification(
    factory: sessionmaker[Session],
    *,
    notification_id: int,
    attempt: int,
    gateways: Mapping[str, Gateway],
    limiter: RateLimiter,
    clock: Clock,
    options: DeliveryOptions = DeliveryOptions(),
    sleep: Callable[[float], None] = time.sleep,
) -> NotificationStatus | None:
    """Deliver one notification if ``attempt`` is still its token; returns the status stored (None: stale)."""
    with transaction(factory) as session:
        envelope = begin_attempt(
            session,
            notification_id=notification_id,
            attempt=attempt,
            gateways=gateways,
            now=clock.now(),
            options=options,
        )
    if envelope is None:
        return None
    result = send_envelope(envelope, gateways=gateways, limiter=limiter, options=options, sleep=sleep)
    with transaction(factory) as session:
        finish_attempt(session, envelope=envelope, result=result, now=clock.now(), options=options)
    return result.status


def begin_attempt(
    session: Session,
    *,
    notification_id: int,
    attempt: int,
    gateways: Mapping[str, Gateway],
    now: datetime,
    options: DeliveryOptions = DeliveryOptions(),
) -> Envelope | None:
    """Claim this attempt (None when another already has it) and find the chats to send to."""
    mine = (
        Notification.id == notification_id,
        Notification.attempts == attempt,
        Notification.status.in_(RETRYABLE),
    )
    before = session.execute(
        select(Notification.sending_since, Notification.repeated, Notification.repeat_until)
        .where(*mine)
        .with_for_update()
    ).first()
    if before is None:
        return None
    note = session.execute(
        update(Notification)
        .where(*mine)
        .values(attempts=attempt + 1, next_attempt_at=now + options.send_lease, sending_since=now)
        .returning(*_CLAIMED)
        .execution_options(synchronize_session=False)
    ).first()
    if note is None:
        return None
    done: set[tuple[str, str]] = set()
    if attempt > 0:  # an earlier attempt may have reached some of the chats
        receipts = select(Delivery.network, Delivery.chat_id).where(
            Delivery.notification_id == notification_id
        )
        done = set(session.execute(receipts).tuples())
    found = _targets(session, note, gateways)
    targets = [t for t in found if (t.network, t.chat_id) not in done]
    envelope = Envelope(
        notification_id,
        attempt + 1,
        note.msgid,
        dict(note.params),
        list(note.buttons),
        targets,
        private=note.private,
    )
    if not found and not done:
        envelope.problem = "no chat to reach the recipient on"
    if before.sending_since is not None:
        _after_unknown_outcome(session, envelope, gateways, before, now)
    if note.params.get("attach") == "daily_summary":
        row = session.get(DailySummary, note.params.get("summary_id"))
        envelope.summary = dict(row.figures) if row else None
    return envelope


def _after_unknown_outcome(
    session: Session, envelope: Envelope, gateways: Mapping[str, Gateway], before: Any, now: datetime
) -> None:
    """The last send's outcome is unknown: repeat it once, marked, unless that is done or too late;
    chats on a network with idempotency keys get it again unmarked (they show it once)."""
    exact = [t for t in envelope.targets if idempotent(gateways[t.network])]
    if len(exact) == len(envelope.targets):
        return
    late = before.repeat_until is not None and now > before.repeat_until
    if before.repeated or late:
        envelope.targets = exact
        envelope.withheld = "outcome unknown after a send was cut short; not repeated: " + (
            "its moment has passed" if late else "it was repeated once already"
        )
        return
    envelope.repeat = True
    session.execute(
        update(Notification)
        .where(Notification.id == envelope.notification_id)
        .values(repeated=True)
        .execution_options(synchronize_session=False)
    )


def idempotent(gateway: Gateway) -> bool:
    """Whether the network shows a message sent twice with the same key once (Matrix transaction ids)."""
    return bool(getattr(gateway, "idempotent", False))


_CLAIMED = (
    Notification.msgid,
    Notification.params,
    Notification.buttons,
    Notification.person_id,
    Notification.team_id,
    Notification.community_id,
    Notification.private,
)


def _targets(session: Session, note: Any, gateways: Mapping[str, Gateway]) -> list[Target]:
    """A person's most recently linked direct chat on a network we can send on; a team's group chats."""
    fallback = "console" if "console" in gateways else None
    if note.person_id is not None:
        usable = and_(
            ChatAccount.person_id == Person.id,
            ChatAccount.dm_chat_id.is_not(None),
            ChatAccount.network.in_(list(gateways)),
        )
        found = session.execute(
            select(Person.language, ChatAccount.network, ChatAccount.dm_chat_id)
            .outerjoin(ChatAccount, usable)
            .where(Person.id == note.person_id, Person.active)
            .order_by(desc(ChatAccount.linked_at), desc(ChatAccount.id))
            .limit(1)
        ).first()
        if found is None:  # deactivated: their direct chats receive nothing more
            return []
        language, network, chat = found
        if network is not None and chat:
            return [Target(network, chat, False, language)]
        return [Target(fallback, f"person:{note.person_id}", False, language)] if fallback else []
    community = session.get_one(Community, note.community_id)
    chats = session.scalars(
        select(TeamChat)
        .where(TeamChat.team_id == note.team_id, TeamChat.network.in_(list(gateways)))
        .order_by(TeamChat.id)
    ).all()
    if chats:
        return [Target(c.network, c.chat_id, True, community.language) for c in chats]
    return [Target(fallback, f"team:{note.team_id}", True, community.language)] if fallback else []


#: How a repeated message begins when its first send's outcome is unknown.
REPEAT_MARK = N_("(sent again) {text}")


def render(envelope: Envelope, target: Target, *, repeat: bool = False) -> Outbound:
    """The message as ``target``'s reader sees it: text and button labels in their language, marked
    as a repeat when ``repeat``."""
    language = target.language
    params = shown_moments(dict(envelope.params), language)
    for key in params.pop(TRANSLATED, ()):
        if isinstance(params.get(key), str):
            params[key] = translate(params[key], language)
    text = translate(envelope.msgid, language, **params)
    attachment = None
    if envelope.summary is not None:
        from coord.services.reporting.report import summary_chart, summary_text

        team = envelope.params.get("team_id")
        text = summary_text(envelope.summary, language, team_id=team)
        attachment = Attachment("summary.png", summary_chart(envelope.summary, language, team_id=team))
    if repeat:
        text = translate(REPEAT_MARK, language, text=text)
    buttons = tuple(
        tuple((translate(b["label"], language, **b.get("params", {})), payload_of(b)) for b in row)
        for row in envelope.buttons
    )
    return Outbound(
        network=target.network,
        chat_id=target.chat_id,
        is_group=target.is_group,
        text=text,
        buttons=buttons,
        attachment=attachment,
        key=f"n{envelope.notification_id}:{target.network}:{target.chat_id}",
        private=envelope.private,
    )


def send_envelope(
    envelope: Envelope,
    *,
    gateways: Mapping[str, Gateway],
    limiter: RateLimiter,
    options: DeliveryOptions = DeliveryOptions(),
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """Send to every chat still waiting, in order, stopping at the first that cannot take it now."""
    if envelope.problem:
        return Result(NotificationStatus.FAILED, error=envelope.problem)
    result = Result(NotificationStatus.SENT)
    for target in envelope.targets:
        gateway = gateways[target.network]
        message = render(envelope, target, repeat=envelope.repeat and not idempotent(gateway))
        limits = gateway.limits(message)
        busy = _wait_for_slot(limiter, limits, options.max_wait, sleep)
        if busy:
            return _stopped(result, NotificationStatus.PENDING, "waiting for a rate-limit slot", busy)
        try:
            result.receipts.append((target, gateway.send(message)))
        except RateLimited as exc:
            limiter.penalise(limits, exc.retry_after)
            return _stopped(result, NotificationStatus.PENDING, f"rate limited: {exc}", exc.retry_after)
        except PermanentFailure as exc:
            return _stopped(result, NotificationStatus.DEAD, f"permanent failure: {exc}")
        except OutcomeUnknown as exc:  # it may have arrived: the next attempt is a marked repeat
            result.unknown = True
            return _stopped(result, NotificationStatus.FAILED, f"outcome unknown: {exc}")
        except TemporaryFailure as exc:
            return _stopped(result, NotificationStatus.FAILED, f"temporary failure: {exc}")
        except Exception as exc:  # a gateway bug must not lose the message: retry it like a failure
            log.exception("gateway %s failed on notification %s", target.network, envelope.notification_id)
            return _stopped(result, NotificationStatus.FAILED, f"error: {type(exc).__name__}: {exc}")
    return result


def _wait_for_slot(
    limiter: RateLimiter, limits: Sequence[Limit], max_wait: float, sleep: Callable[[float], None]
) -> float:
    """Sleep until the limiter lets this send go (0.0), or say how long it would take past ``max_wait``."""
    granted, wait = limiter.reserve(limits, max_wait=max_wait)
    if not granted:
        return wait
    waited = 0.0
    while True:
        if wait > 0:
            sleep(wait)
            waited += wait
        wait = limiter.admit(limits)
        if wait <= 0:
            return 0.0
        if waited + wait > max_wait:
            return wait


def _stopped(result: Result, status: NotificationStatus, error: str, retry_in: float = 0.0) -> Result:
    result.status, result.error, result.retry_in = status, error[:1000], retry_in
    return result


def finish_attempt(
    session: Session,
    *,
    envelope: Envelope,
    result: Result,
    now: datetime,
    options: DeliveryOptions = DeliveryOptions(),
) -> None:
    """Store the outcome of the attempt that ``envelope`` owns, with a receipt per chat reached."""
    receipts = [
        {
            "notification_id": envelope.notification_id,
            "network": target.network,
            "chat_id": target.chat_id,
            "message_ref": reference[:255],
            "attempt": envelope.attempt,
            "sent_at": now,
        }
        for target, reference in result.receipts
    ]
    if receipts:
        unique = ["notification_id", "network", "chat_id"]
        session.execute(insert_new(session, Delivery, unique=unique), receipts)
    values: dict[str, Any] = {
        "status": result.status,
        "last_error": result.error or envelope.withheld,
        "sending_since": now if result.unknown else None,
    }
    if result.status == NotificationStatus.SENT:
        values["sent_at"] = now
    elif result.status == NotificationStatus.PENDING:
        values["next_attempt_at"] = now + timedelta(seconds=max(result.retry_in, 0.5))
    elif result.status == NotificationStatus.FAILED:
        if envelope.attempt >= options.max_attempts:
            values["status"] = NotificationStatus.DEAD
        backoff = options.first_backoff * 2 ** min(envelope.attempt - 1, 20)
        values["next_attempt_at"] = now + min(backoff, options.max_backoff)
    session.execute(
        update(Notification)
        .where(Notification.id == envelope.notification_id, Notification.attempts == envelope.attempt)
        .values(values)
        .execution_options(synchronize_session=False)
    )
