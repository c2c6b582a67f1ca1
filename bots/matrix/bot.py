"""The Matrix adapter: what arrives in a sync becomes an ``Inbound`` for the conversation layer, and each
``Reply`` goes back as an ``m.notice``.

- Direct chats (a room the bot was invited to with ``is_direct``, or that it opened itself, whose members
  are exactly the person and the bot) take commands with or without ``!``; in other rooms the
  conversation layer decides what is addressed to the bot (``!claim 12``, ``claim 12``, a leading
  mention of the bot).
- Invites: a direct chat is accepted from anyone (that is how a newcomer sends an invite code), and any
  room of a linked person or configured (``COORD_MATRIX_ROOMS``). A stranger's room is joined once and told
  how to join (``ChatStore.bot_joined``, as on Telegram); it gets no cards, being no team's chat.
- A linked person who speaks in a room without a known direct chat gets one opened by the bot (an
  ``is_direct`` invite), recorded before the message is handled, so private details have somewhere to go.
- A stranger speaking to the bot in a room is told how to get an invite once per room; after that the bot
  stays quiet to them there.
- Which rooms are direct chats, and who was told what, the bot keeps through the ``ChatStore``, in the
  database beside each person's direct chat (Matrix tells it only once, in the invite).
- A room the bot leaves, or is kicked or banned from, stops being a team's chat (``ChatStore.bot_left``).
- Encrypted rooms are not supported: the bot says so once in such a room and does nothing else there.
- A private reply goes only to a room whose members are the person and the bot alone: a direct chat that
  gained a member, or that the person left, is replaced by a new one (``direct``); the bot leaves a direct
  chat the person left. Direct chats are recorded in ``m.direct``; one a worker opened is recorded in the
  database when the bot's sync shows the change.
- Every handled message gets a read receipt once its replies are sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from nio import (
    AsyncClient,
    MatrixRoom,
    MegolmEvent,
    RoomCreateResponse,
    RoomMemberEvent,
    RoomMessage,
    RoomMessageNotice,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)

from bots.matrix.direct import HIDDEN_HISTORY, DirectChats
from bots.matrix.gateway import _http
from bots.matrix.incoming import addressed_to_bot, invitation, message_text, remover
from bots.matrix.markup import notice, replying_to
from coord.chat import Account, ChatNoteKind, ChatStore, Inbound, Reply, parse, render_buttons, render_text
from coord.chat.handler import something_went_wrong
from coord.clock import Clock
from coord.i18n import N_, translate
from coord.services.outbox.gateways import GatewayError

log = logging.getLogger(__name__)

NETWORK = "matrix"

ENCRYPTED_ROOM = N_(
    "This room is end-to-end encrypted, and I can only read unencrypted rooms. "
    "Please talk to me in an unencrypted room or a direct chat without encryption."
)

DIRECT_CHAT_OPENED = N_(
    "This is our direct chat. Addresses, phone numbers and your reminders come here, never to a room. "
    "Send “help” to see what you can do."
)


class MatrixBot:
    """Answers the events of one sync at a time, in order."""

    def __init__(
        self,
        client: AsyncClient,
        *,
        store: ChatStore,
        clock: Clock,
        configured_rooms: list[str],
        language: str = "en",
    ) -> None:
        self.client = client
        self.store = store
        self.direct = DirectChats(self._call, client.user_id)
        self.clock = clock
        self.configured_rooms = set(configured_rooms)
        # Matrix says nothing of a person's language: strangers are answered in the deployment's language.
        self.language = language

    async def join_configured_rooms(self) -> None:
        for room_id in self.configured_rooms - set(self.client.rooms):
            answer = await self.client.join(room_id)
            log.info("joining configured room %s: %s", room_id, type(answer).__name__)

    async def answer_sync(self, sync: SyncResponse, *, with_messages: bool = True) -> None:
        """Accept or decline invites, then (unless ``with_messages`` is False) answer every new message."""
        for room_id, info in sync.rooms.invite.items():
            await self.consider_invite(room_id, info.invite_state)
        for room_id, left in sync.rooms.leave.items():
            await self.gone_from(room_id, remover(left.timeline.events, self.client.user_id))
        for event in sync.account_data_events:
            if getattr(event, "type", None) == "m.direct":
                await self.follow_direct_chats(event.content)
        for room_id, info in sync.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            await self.notice_leaving(room, info.timeline.events)
            if room.encrypted:
                await self.warn_encrypted(room_id)
                continue
            if with_messages:
                for event in info.timeline.events:
                    await self.answer_event(room, event)

    async def consider_invite(self, room_id: str, invite_state: list[Any]) -> None:
        found = invitation(invite_state, self.client.user_id)
        if found is None:
            return
        inviter, direct = found
        linked = await self.account(inviter) is not None
        if direct or linked or room_id in self.configured_rooms:
            answer = await self.client.join(room_id)
            if direct:
                await self.note(room_id, ChatNoteKind.DIRECT, inviter)
                await self.record_direct(inviter, room_id)
            log.info("joined %s (invited by %s): %s", room_id, inviter, type(answer).__name__)
        elif not await self.noted(room_id, ChatNoteKind.STRANGER_TOLD, inviter):
            # A stranger's room, as on Telegram: the bot joins, says how to join once, and posts no
            # cards there (only a linked team's chat gets them)
            answer = await self.client.join(room_id)
            log.info(
                "joined %s (invited by %s, who is not linked): %s", room_id, inviter, type(answer).__name__
            )
            await self.greet_stranger(room_id, inviter)
        else:
            await self.client.room_leave(room_id)  # invited again by the same stranger: declined
            log.info("declined the invite to %s from %s, who was told already", room_id, inviter)

    async def greet_stranger(self, room_id: str, inviter: str) -> None:
        """Tell the stranger who invited the bot how to join (the chat layer remembers they were told)."""
        inbound = Inbound(
            network=NETWORK,
            user_id=inviter,
            display_name=inviter,
            chat_id=room_id,
            is_private_chat=False,
            language_hint=self.language,
        )
        for reply in await asyncio.to_thread(self.store.bot_joined, inbound, now=self.clock.now()):
            await self.send(room_id, notice(render_text(reply), render_buttons(reply)))

    async def gone_from(self, room_id: str, by_user: str) -> None:
        """The bot left the room or was kicked or banned (by ``by_user``): it is no team's chat any more."""
        try:
            await asyncio.to_thread(
                self.store.bot_left, NETWORK, room_id, by_user=by_user, now=self.clock.now()
            )
        except Exception:  # e.g. the database is down: logged; the operator can unlink with the CLI
            log.exception("matrix: could not unlink the room %s the bot has left", room_id)

    async def warn_encrypted(self, room_id: str) -> None:
        try:
            if await self.noted(room_id, ChatNoteKind.ENCRYPTED_TOLD):
                return
            await self.note(room_id, ChatNoteKind.ENCRYPTED_TOLD)
        except Exception:  # e.g. the database is down: the next sync of the room tries again
            log.exception("matrix: could not note the encrypted room %s", room_id)
            return
        # Matrix tells nothing of a reader's language: both, English first.
        text = translate(ENCRYPTED_ROOM, "en") + "\n" + translate(ENCRYPTED_ROOM, "zh")
        await self.send(room_id, notice(text))

    async def is_private(self, room: MatrixRoom, sender: str) -> bool:
        """A direct chat whose members are exactly ``sender`` and the bot, and nobody else invited."""
        alone = set(room.users) == {self.client.user_id, sender} and not room.invited_users
        return alone and await self.noted(room.room_id, ChatNoteKind.DIRECT)

    # ---- direct chats that change (``direct``) ----------------------------------------------------------

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        return _http(method, self.client.homeserver + path, data, token=self.client.access_token)

    async def record_direct(self, user_id: str, room_id: str) -> None:
        try:
            await asyncio.to_thread(self.direct.record, user_id, room_id)
        except GatewayError as exc:
            log.warning("matrix: could not record %s in m.direct: %s", room_id, exc)

    async def private_room(self, room_id: str, user_id: str) -> str | None:
        """Where ``user_id``'s private reply may go: ``room_id`` while it is theirs and the bot's alone,
        else a direct chat opened for it (recorded as theirs); None when the homeserver cannot tell."""
        try:
            target, moved = await asyncio.to_thread(self.direct.private_room, room_id, user_id)
        except GatewayError as exc:
            log.warning("matrix: could not check the direct chat %s: %s", room_id, exc)
            return None
        if moved:
            account = await self.account(user_id)
            await asyncio.to_thread(
                self.store.direct_chat_opened, NETWORK, target, user_id=user_id, account=account
            )
            await self.note(target, ChatNoteKind.DIRECT, user_id)
        return target

    async def notice_leaving(self, room: MatrixRoom, events: list[Any]) -> None:
        """The person left their direct chat: the bot leaves it too, and their next private message
        opens a new one (``DirectChats.private_room``)."""
        left = [
            e.state_key
            for e in events
            if isinstance(e, RoomMemberEvent)
            and e.membership in ("leave", "ban")
            and e.state_key != self.client.user_id
        ]
        if not left or not await self.noted(room.room_id, ChatNoteKind.DIRECT):
            return
        log.info("matrix: %s left the direct chat %s; leaving it too", ", ".join(left), room.room_id)
        try:
            await asyncio.to_thread(self.direct.leave_changed, room.room_id)
        except GatewayError as exc:
            log.warning("matrix: could not leave %s: %s", room.room_id, exc)

    async def follow_direct_chats(self, direct: dict[str, Any]) -> None:
        """``m.direct`` changed (a worker may have opened a direct chat): each linked person's newest
        direct chat is recorded as theirs."""
        for user_id, rooms in direct.items():
            if not isinstance(rooms, list) or not rooms:
                continue
            account = await self.account(user_id)
            if account is not None and account.direct_chat_id != rooms[-1]:
                await asyncio.to_thread(
                    self.store.direct_chat_opened, NETWORK, rooms[-1], user_id=user_id, account=account
                )

    async def account(self, user_id: str) -> Account | None:
        return await asyncio.to_thread(self.store.account, NETWORK, user_id)

    async def noted(self, room_id: str, kind: ChatNoteKind, user_id: str | None = None) -> bool:
        return await asyncio.to_thread(self.store.noted, NETWORK, room_id, kind, user_id)

    async def note(self, room_id: str, kind: ChatNoteKind, user_id: str = "") -> None:
        await asyncio.to_thread(self.store.note, NETWORK, room_id, kind, user_id)

    async def answer_event(self, room: MatrixRoom, event: Any) -> None:
        if getattr(event, "sender", None) == self.client.user_id:
            return
        if isinstance(event, MegolmEvent):
            await self.warn_encrypted(room.room_id)
            return
        if not isinstance(event, RoomMessage) or isinstance(event, RoomMessageNotice):
            return  # state changes; notices are what bots send, never commands
        try:
            await self.answer_message(room, event)
        except Exception:  # e.g. the database is down: say so, as the conversation layer would
            log.exception("matrix: could not answer %s in %s", event.event_id, room.room_id)
            sorry = something_went_wrong(Inbound(NETWORK, event.sender, "", room.room_id))
            await self.send(room.room_id, notice(translate(sorry.key, self.language)))
        await self.client.update_receipt_marker(room.room_id, event.event_id)

    async def answer_message(self, room: MatrixRoom, event: RoomMessage) -> None:
        private = await self.is_private(room, event.sender)
        text = self.read_text(room, event, private)
        account = None
        if not private:
            account = await self.account(event.sender)
            told = ChatNoteKind.STRANGER_TOLD
            if account is None and not _joins(text) and await self.noted(room.room_id, told, event.sender):
                return  # a stranger is told how to get an invite once per room
            if account is not None and account.direct_chat_id is None and parse(text).addressed:
                await self.open_direct_chat(event.sender, account)
        inbound = Inbound(
            network=NETWORK,
            user_id=event.sender,
            display_name=room.user_name(event.sender) or event.sender,
            chat_id=room.room_id,
            is_private_chat=private,
            text=text,
            language_hint=self.language,
        )
        replies = await asyncio.to_thread(self.store.answer, inbound, now=self.clock.now())
        for reply in replies:
            await self.send_reply(reply, room, event, private=private)
        if not private and account is None and replies:
            await self.after_stranger(room.room_id, event.sender, text)

    def read_text(self, room: MatrixRoom, event: RoomMessage, private: bool) -> str | None:
        text = message_text(event)
        if text is None or private:
            return text
        own = self.client.user_id
        return addressed_to_bot(text, [own, _localpart(own), _own_name(room, own)])

    async def after_stranger(self, room_id: str, user_id: str, text: str | None) -> None:
        """A stranger answered in a room is not answered there again; one who has just joined with an
        invite code gets a direct chat opened by the bot (unencrypted, so it works in any client)."""
        joined = await self.account(user_id) if _joins(text) else None
        if joined is None:
            await self.note(room_id, ChatNoteKind.STRANGER_TOLD, user_id)
        elif joined.direct_chat_id is None:
            await self.open_direct_chat(user_id, joined)

    async def send_reply(self, reply: Reply, room: MatrixRoom, event: RoomMessage, *, private: bool) -> None:
        content = notice(render_text(reply), render_buttons(reply))
        if reply.target == "direct":
            target = reply.direct_chat_id or (room.room_id if private else None)
            if target is None:  # never said in a room: a direct chat is opened for it
                account = await self.account(event.sender)
                target = await self.open_direct_chat(event.sender, account) if account else None
            elif not private or target != room.room_id:  # this room was checked by ``is_private``
                target = await self.private_room(target, event.sender)
            if target is None:
                log.warning("a private reply to %s had no direct chat; not sent", event.sender)
                await asyncio.to_thread(self.store.reply_not_sent, reply)
                return
            sent = await self.send(target, content)
            # the outbox copy this reply carries is settled only once it went out
            await asyncio.to_thread(self.store.reply_sent if sent else self.store.reply_not_sent, reply)
        elif private:
            await self.send(room.room_id, content)
        else:
            await self.send(room.room_id, replying_to(content, event.event_id))

    async def open_direct_chat(self, user_id: str, account: Account) -> str | None:
        """Invite ``user_id`` to a new direct chat with the bot and record it as theirs."""
        answer = await self.client.room_create(
            is_direct=True,
            invite=[user_id],
            preset=RoomPreset.trusted_private_chat,
            initial_state=[HIDDEN_HISTORY],  # a later member never reads earlier details
        )
        if not isinstance(answer, RoomCreateResponse):
            log.warning("could not open a direct chat with %s: %s", user_id, answer)
            return None
        await asyncio.to_thread(
            self.store.direct_chat_opened, NETWORK, answer.room_id, user_id=user_id, account=account
        )
        await self.record_direct(user_id, answer.room_id)
        await self.send(answer.room_id, notice(translate(DIRECT_CHAT_OPENED, account.language)))
        log.info("opened direct chat %s with %s", answer.room_id, user_id)
        return str(answer.room_id)

    async def send(self, room_id: str, content: dict[str, Any]) -> str | None:
        answer = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        if isinstance(answer, RoomSendResponse):
            return str(answer.event_id)
        log.warning("matrix: could not send to %s: %s", room_id, answer)
        return None


def _localpart(user_id: str) -> str:
    return user_id[1:].split(":", 1)[0] if user_id.startswith("@") else user_id


def _own_name(room: MatrixRoom, user_id: str) -> str:
    name = room.user_name(user_id)
    return name if name and name != user_id else ""


def _joins(text: str | None) -> bool:
    """An invite code being sent: a stranger may always do that."""
    command = parse(text)
    return command.name == "start" and bool(command.args)
