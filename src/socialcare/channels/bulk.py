"""Set-based fast path for the common batch: plain inbound messages on one channel account.

``pipeline.raw_events_process_batch`` tries this first. It reads everything the per-event path would
look up in a handful of set queries, threads the events in memory in the same order and with the same
rules as ``pipeline._find_ticket``, and writes with bulk inserts. Whenever a batch holds anything less
common (edits, deletions, statuses, echoes of our own posts, parse errors, a reply whose parent opened a
ticket earlier, a private message on an account paired for the public -> private loop, a customer message
arriving out of order on a ticket) it returns ``None`` and the per-event path handles the batch, so the
results are the same either way (``tests/channels/test_bulk.py`` compares them).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from socialcare.crm.models import Customer, Identity
from socialcare.inbox.models import OPEN_STATUSES, Direction, Message, Ticket, TicketEvent, TicketStatus

from .accounts import account_info
from .connectors.base import EventAction, InboundEvent
from .connectors.registry import get_adapter
from .models import ChannelAccount, PendingStatus, RawEvent, RawEventStatus

logger = logging.getLogger(__name__)


class Bail(Exception):
    """This batch needs the per-event path."""


@dataclass
class _Ticket:
    obj: Ticket
    new: bool
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    dirty: bool = False


def try_bulk(batch: list[RawEvent]) -> tuple[dict[int, str], list[tuple[int, int, bool]]] | None:
    """Process ``batch`` set-wise, or return None (nothing written) when it needs the per-event path."""
    try:
        return _bulk(batch)
    except Bail as reason:
        logger.debug("ingest.bulk_bail", extra={"reason": str(reason)})
        return None


def _bulk(batch: list[RawEvent]) -> tuple[dict[int, str], list[tuple[int, int, bool]]]:
    if not batch or len({raw.channel_account_id for raw in batch}) != 1:
        raise Bail("several accounts")
    account: ChannelAccount = batch[0].channel_account
    adapter = get_adapter(account.kind)
    info = account_info(account)
    parsed: list[tuple[RawEvent, list[InboundEvent]]] = []
    for raw in batch:
        try:
            events = adapter.parse(info, bytes(raw.payload), raw.headers)
        except Exception as exc:  # the per-event path marks it failed with the reason
            raise Bail("parse error") from exc
        for event in events:
            if event.action != EventAction.MESSAGE or event.direction != Direction.INBOUND or event.author is None:
                raise Bail("not a plain inbound message")
        parsed.append((raw, events))
    flat = [(raw, event) for raw, events in parsed for event in events]
    if any(event.visibility == "private" for _, event in flat) and _has_loop_pairing(account):
        raise Bail("private message on a paired account")
    ext_ids = [event.external_id for _, event in flat]
    messages = Message.objects.filter(channel_account=account)
    if ext_ids and messages.filter(in_reply_to__in=ext_ids).exists():
        raise Bail("replies to these messages arrived earlier")
    if PendingStatus.objects.filter(channel_account=account, status="echo").exists():
        raise Bail("echoes are waiting")
    existing = set(messages.filter(external_id__in=ext_ids).values_list("external_id", flat=True))

    authors: dict[str, Any] = {}  # as the per-event path: only new events update the author, the last one wins
    first_time: set[str] = set()
    for _raw, event in flat:
        if event.external_id not in existing and event.external_id not in first_time and event.author:
            authors[event.author.external_id] = event.author
            first_time.add(event.external_id)
    identities = _identities(account, authors)
    customer_ids = {identity.customer_id for identity in identities.values()}
    not_closed = ~Q(ticket__status=TicketStatus.CLOSED)
    reply_ids = {event.in_reply_to for _, event in flat if event.in_reply_to}
    thread_keys = {event.thread_key for _, event in flat if event.thread_key}
    tickets: dict[int, _Ticket] = {}

    def known(ticket: Ticket) -> _Ticket:
        if ticket.pk not in tickets:
            tickets[ticket.pk] = _Ticket(obj=ticket, new=False)
        return tickets[ticket.pk]

    # (external id, thread key, in-reply-to, customer, occurred_at, ticket) of messages we may thread onto
    known_messages: list[tuple[str, str, str, int | None, Any, _Ticket]] = []
    if reply_ids or thread_keys:
        candidates = messages.filter(not_closed).filter(
            Q(external_id__in=reply_ids) | Q(thread_key__in=thread_keys)).select_related("ticket")
        for message in candidates:
            known_messages.append((message.external_id or "", message.thread_key, message.in_reply_to,
                                   message.ticket.customer_id, message.occurred_at, known(message.ticket)))
    open_by_customer: dict[int, _Ticket] = {}
    for ticket in (Ticket.objects.filter(channel_account=account, customer_id__in=customer_ids,
                                         status__in=OPEN_STATUSES).order_by("updated_at")):
        open_by_customer[ticket.customer_id] = known(ticket)  # the last one wins: most recently updated

    now = timezone.now()
    statuses: dict[int, str] = {}
    new_messages: list[tuple[Message, _Ticket, RawEvent]] = []
    seen: set[str] = set()
    for raw, events in parsed:
        created = duplicates = ignored = 0
        for event in events:
            if event.external_id in existing or event.external_id in seen:
                duplicates += 1
                continue
            identity = identities[event.author.external_id]  # type: ignore[union-attr]
            if identity.blocked_at is not None:
                ignored += 1
                continue
            customer = identity.customer_id
            target = _thread(event, customer, known_messages, open_by_customer)
            if target is None:
                target = _Ticket(obj=Ticket(brand_id=account.brand_id, channel_account_id=account.pk,
                                            customer_id=customer, subject=(event.text[:120] or event.kind)[:200],
                                            status=TicketStatus.NEW, created_at=now, updated_at=now), new=True)
                target.events.append(("ticket.created", {"first_message_at": event.occurred.isoformat()}))
            ticket = target.obj
            last_customer = ticket.last_customer_message_at
            if not target.new and last_customer is not None and event.occurred < last_customer:
                raise Bail("a customer message arrived out of order")
            ticket.updated_at = now
            ticket.last_message_at = max(filter(None, [ticket.last_message_at, event.occurred]))
            ticket.last_customer_message_at = max(filter(None, [last_customer, event.occurred]))
            if ticket.status in (TicketStatus.PENDING, TicketStatus.RESOLVED):
                target.events.append(("ticket.status_changed", {"from": ticket.status, "to": TicketStatus.OPEN,
                                                                "reason": "customer replied"}))
                ticket.status = TicketStatus.OPEN
            target.dirty = True
            message = Message(
                channel_account=account, direction=Direction.INBOUND, visibility=event.visibility,
                kind=event.kind, external_id=event.external_id, thread_key=event.thread_key,
                in_reply_to=event.in_reply_to, text=event.text, attachments=list(event.attachments),
                metrics=dict(event.metrics), author_identity=identity, occurred_at=event.occurred, raw_event=raw,
            )
            new_messages.append((message, target, raw))
            known_messages.append((event.external_id, event.thread_key, event.in_reply_to, customer,
                                   event.occurred, target))
            open_by_customer[customer] = target
            seen.add(event.external_id)
            created += 1
        statuses[raw.pk] = (RawEventStatus.PROCESSED if created else
                            RawEventStatus.DUPLICATE if duplicates else RawEventStatus.IGNORED)
    return statuses, _write(batch, statuses, tickets, new_messages, now)


def _has_loop_pairing(account: ChannelAccount) -> bool:
    return account.kind == "instagram" or ChannelAccount.objects.filter(
        brand_id=account.brand_id, settings__private_account_id=account.pk).exists()


def _identities(account: ChannelAccount, authors: dict[str, Any]) -> dict[str, Identity]:
    found = {i.external_user_id: i for i in Identity.objects.filter(channel_account=account,
                                                                     external_user_id__in=list(authors))}
    missing = [author for external_id, author in authors.items() if external_id not in found]
    if missing:
        customers = Customer.objects.bulk_create(
            [Customer(display_name=author.display_name or author.handle) for author in missing])
        created = Identity.objects.bulk_create([
            Identity(customer=customer, channel_account=account, external_user_id=author.external_id,
                     handle=author.handle, display_name=author.display_name,
                     follower_count=author.follower_count, verified=author.verified)
            for customer, author in zip(customers, missing, strict=True)])
        found.update({identity.external_user_id: identity for identity in created})
    changed = []
    for external_id, author in authors.items():
        identity = found[external_id]
        dirty = False
        for name, value in (("handle", author.handle), ("display_name", author.display_name),
                            ("follower_count", author.follower_count), ("verified", author.verified)):
            if value not in (None, "") and getattr(identity, name) != value:
                setattr(identity, name, value)
                dirty = True
        if dirty:
            identity.updated_at = timezone.now()
            changed.append(identity)
    if changed:
        Identity.objects.bulk_update(changed, ["handle", "display_name", "follower_count", "verified", "updated_at"])
    return found


def _thread(event: InboundEvent, customer: int, known_messages: list[Any],
            open_by_customer: dict[int, _Ticket]) -> _Ticket | None:
    """The rules of pipeline._find_ticket, over what is known in memory."""
    if event.in_reply_to:
        for external_id, _k, _r, owner, _at, ticket in known_messages:
            if external_id == event.in_reply_to and owner == customer and ticket.obj.status != TicketStatus.CLOSED:
                return ticket
    if event.thread_key:
        best = None
        for _e, thread_key, _r, owner, at, ticket in known_messages:
            if thread_key == event.thread_key and ticket.obj.status != TicketStatus.CLOSED and (
                    event.visibility != "public" or owner == customer) and (best is None or at > best[0]):
                best = (at, ticket)
        if best is not None:
            return best[1]
    children = {id(ticket): ticket for _e, _k, reply_to, owner, _at, ticket in known_messages
                if reply_to == event.external_id and owner == customer and ticket.obj.status != TicketStatus.CLOSED}
    if len(children) > 1:
        raise Bail("replies in several tickets wait for this parent")
    if children:
        return next(iter(children.values()))
    return open_by_customer.get(customer)


def _write(batch: list[RawEvent], statuses: dict[int, str], tickets: dict[int, _Ticket],
           new_messages: list[tuple[Message, _Ticket, RawEvent]], now: Any) -> list[tuple[int, int, bool]]:
    fresh: list[_Ticket] = []
    for _message, target, _raw in new_messages:
        if target.new and target.obj.pk is None and all(target is not f for f in fresh):
            fresh.append(target)
    Ticket.objects.bulk_create([target.obj for target in fresh])
    for _message, target, _raw in new_messages:
        _message.ticket = target.obj
    Message.objects.bulk_create([message for message, _t, _r in new_messages])
    existing = [target.obj for target in tickets.values() if target.dirty]
    if existing:
        Ticket.objects.bulk_update(existing, ["updated_at", "last_message_at", "last_customer_message_at", "status"])
    log: list[TicketEvent] = []
    for target in [*fresh, *tickets.values()]:
        for kind, data in target.events:
            log.append(TicketEvent(ticket=target.obj, kind=kind, actor="system", data=data, created_at=now))
    for message, target, _raw in new_messages:
        log.append(TicketEvent(ticket=target.obj, kind="message.received", actor="system", created_at=now,
                               data={"message_id": message.pk, "occurred_at": message.occurred_at.isoformat()}))
    TicketEvent.objects.bulk_create(log)
    for raw in batch:
        raw.status = statuses[raw.pk]
        raw.processed_at = now
        raw.attempts += 1
        raw.error = ""
    RawEvent.objects.bulk_update(batch, ["status", "processed_at", "attempts", "error"])
    fresh_ids = {id(target) for target in fresh}
    first_seen: set[int] = set()
    received = []
    for message, target, _raw in new_messages:
        is_new = id(target) in fresh_ids and target.obj.pk not in first_seen
        first_seen.add(target.obj.pk)
        received.append((target.obj.pk, message.pk, is_new))
    return received
