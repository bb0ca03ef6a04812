"""The ingestion pipeline: receive -> store raw -> (task) parse -> dedupe -> thread -> ticket.

Stages pass ids, not objects. A raw event is processed in one transaction: if the worker dies half
way, nothing of it is committed and it is still ``received``, so the sweeper hands it out again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from socialcare.core import events
from socialcare.core.registry import Registry
from socialcare.crm.models import Customer, Identity
from socialcare.inbox import loop as inbox_loop
from socialcare.inbox import services as inbox
from socialcare.inbox.models import OPEN_STATUSES, Direction, Message, Ticket, TicketStatus

from . import bulk
from .accounts import account_info
from .connectors.base import Author, EventAction, InboundEvent, ParseError, WebhookRequest
from .connectors.registry import get_adapter
from .models import ChannelAccount, PendingStatus, RawEvent, RawEventStatus

logger = logging.getLogger(__name__)

# Batch stages that run inside the processing transaction on the messages a raw event created,
# before any subscriber sees them (enrichment registers here): callable(list[Message]) -> None.
message_stages: Registry[Any] = Registry("pipeline message stages")

# Headers worth keeping with the raw body (signatures, delivery ids, content type).
KEPT_HEADERS = ("content-type", "user-agent", "x-sandbox-signature", "x-twitter-webhooks-signature",
                "x-hub-signature-256", "x-telegram-bot-api-secret-token", "x-delivery-id")


def raw_event_store(*, account: ChannelAccount, request: WebhookRequest) -> RawEvent:
    """Store a verified delivery. The caller enqueues processing after commit."""
    headers = {k: v for k, v in request.headers.items() if k in KEPT_HEADERS}
    return RawEvent.objects.create(
        channel_account=account, payload=request.body, headers=headers, received_at=timezone.now()
    )


@dataclass
class Outcome:
    created: int = 0
    duplicates: int = 0
    ignored: int = 0
    updated: int = 0
    received: list[tuple[int, int, bool]] = field(default_factory=list)  # (ticket, message, new ticket)


def raw_event_process(raw_event_id: int) -> str:
    """Process one raw event (and, opportunistically, a batch of others waiting); returns its status.

    Safe to call twice: a raw event that is no longer ``received`` is skipped."""
    statuses = raw_events_process_batch(raw_event_id)
    return statuses.get(raw_event_id, "skipped")


def _batch_size() -> int:
    default = 10 if connection.vendor == "sqlite" else 50
    return int(getattr(settings, "SOCIALCARE_INGEST_BATCH", 0) or default)


def raw_events_process_batch(first_id: int | None = None, limit: int | None = None) -> dict[int, str]:
    """Process ``first_id`` plus up to ``limit`` other received raw events in ONE transaction.

    Each raw event runs in its own savepoint: a payload that cannot be parsed (or a bug) rolls back only
    that raw event, which is marked failed with the reason. If the worker dies, the whole batch rolls
    back and stays ``received``. One commit and one dispatch task per batch instead of per event is what
    makes ingestion fast on PostgreSQL (each commit waits for the WAL flush)."""
    limit = limit or _batch_size()
    statuses: dict[int, str] = {}
    published: list[tuple[str, dict[str, Any]]] = []
    with transaction.atomic():
        qs = RawEvent.objects.select_related("channel_account", "channel_account__brand").filter(
            status=RawEventStatus.RECEIVED
        )
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        batch: list[RawEvent] = []
        if first_id is not None:
            batch += list(qs.filter(pk=first_id))
        if len(batch) < limit:
            batch += list(qs.exclude(pk=first_id or 0).order_by("id")[: limit - len(batch)])
        locked = list(batch)
        fast = None
        if getattr(settings, "SOCIALCARE_INGEST_BULK", True) and batch:
            with transaction.atomic():  # a savepoint: a bulk attempt that fails leaves nothing behind
                fast = bulk.try_bulk(batch)
                if fast is not None:
                    created = [m for _, m, _ in fast[1]]
                    if created:
                        fresh = list(Message.objects.filter(pk__in=created))
                        for _name, stage in message_stages.items():
                            stage(fresh)
        if fast is not None:
            statuses.update(fast[0])
            published += [("message.received", {"ticket_id": t, "message_id": m, "ticket_created": new,
                                                 "actor": "system"}) for t, m, new in fast[1]]
            batch = []  # done
        for raw in batch:
            try:
                with transaction.atomic():
                    status, received = _process_one(raw)
            except ParseError as exc:
                status, received = _mark_failed(raw, f"unparsable payload: {exc}"), []
            except Exception as exc:  # a bug must not take the batch down: mark this item with its reason
                logger.exception("ingest.crashed", extra={"raw_event_id": raw.pk})
                status, received = _mark_failed(raw, f"{exc.__class__.__name__}: {exc}"), []
            statuses[raw.pk] = status
            published += [("message.received", {"ticket_id": t, "message_id": m, "ticket_created": new,
                                                 "actor": "system"}) for t, m, new in received]
        touched = {raw.channel_account_id: raw.received_at for raw in locked}
        for account_id, received_at in touched.items():
            ChannelAccount.objects.filter(pk=account_id).update(last_event_at=received_at)
        if published:
            events.publish_many(published)
    return statuses


def _mark_failed(raw: RawEvent, reason: str) -> str:
    logger.warning("ingest.failed", extra={"raw_event_id": raw.pk, "reason": reason})
    raw.status = RawEventStatus.FAILED
    raw.error = reason[:2000]
    raw.processed_at = timezone.now()
    raw.attempts += 1
    raw.save(update_fields=["status", "error", "processed_at", "attempts"])
    return RawEventStatus.FAILED


def _process_one(raw: RawEvent) -> tuple[str, list[tuple[int, int, bool]]]:
    account = raw.channel_account
    adapter = get_adapter(account.kind)
    parsed = adapter.parse(account_info(account), bytes(raw.payload), raw.headers)
    outcome = Outcome()
    for event in parsed:
        _apply(account, raw, event, outcome)
    if outcome.received:
        created = list(Message.objects.filter(pk__in=[m for _, m, _ in outcome.received]))
        for _name, stage in message_stages.items():
            stage(created)
    if outcome.created or outcome.updated:
        raw.status = RawEventStatus.PROCESSED
    elif outcome.duplicates:
        raw.status = RawEventStatus.DUPLICATE
    else:
        raw.status = RawEventStatus.IGNORED
    raw.processed_at = timezone.now()
    raw.attempts += 1
    raw.error = ""
    raw.save(update_fields=["status", "processed_at", "attempts", "error"])
    logger.info("ingest.processed", extra={"raw_event_id": raw.pk, "created_count": outcome.created,
                                           "duplicates": outcome.duplicates})
    return str(raw.status), outcome.received


def raw_event_fail(raw_event_id: int, reason: str) -> None:
    logger.warning("ingest.failed", extra={"raw_event_id": raw_event_id, "reason": reason})
    RawEvent.objects.filter(pk=raw_event_id).exclude(status=RawEventStatus.PROCESSED).update(
        status=RawEventStatus.FAILED, error=reason[:2000], processed_at=timezone.now()
    )


def raw_events_requeue_failed(*, ids: list[int] | None = None) -> list[int]:
    """Put failed raw events back to ``received`` so they are processed again."""
    qs = RawEvent.objects.filter(status=RawEventStatus.FAILED)
    if ids:
        qs = qs.filter(pk__in=ids)
    chosen = list(qs.values_list("pk", flat=True))
    RawEvent.objects.filter(pk__in=chosen).update(status=RawEventStatus.RECEIVED)
    return chosen


# --- applying one normalized event --------------------------------------------------------------------


def _apply(account: ChannelAccount, raw: RawEvent, event: InboundEvent, outcome: Outcome) -> None:
    if event.action == EventAction.MESSAGE:
        _apply_message(account, raw, event, outcome)
    elif event.action in (EventAction.EDIT, EventAction.DELETE):
        _apply_change(account, event, outcome)
    elif event.action == EventAction.ENGAGEMENT:
        _apply_engagement(account, event, outcome)
    elif event.action == EventAction.STATUS:
        _apply_status(account, event, outcome)
    else:
        outcome.ignored += 1


def identity_upsert(account: ChannelAccount, author: Author) -> Identity:
    identity = Identity.objects.filter(channel_account=account, external_user_id=author.external_id).first()
    if identity is None:
        try:
            with transaction.atomic():
                customer = Customer.objects.create(display_name=author.display_name or author.handle)
                return Identity.objects.create(
                    customer=customer,
                    channel_account=account,
                    external_user_id=author.external_id,
                    handle=author.handle,
                    display_name=author.display_name,
                    follower_count=author.follower_count,
                    verified=author.verified,
                )
        except IntegrityError:  # created concurrently by another worker
            identity = Identity.objects.get(channel_account=account, external_user_id=author.external_id)
    changed: list[str] = []
    for name, value in (("handle", author.handle), ("display_name", author.display_name),
                        ("follower_count", author.follower_count), ("verified", author.verified)):
        if value not in (None, "") and getattr(identity, name) != value:
            setattr(identity, name, value)
            changed.append(name)
    if changed:
        identity.save(update_fields=[*changed, "updated_at"])
    return identity


def _find_ticket(account: ChannelAccount, event: InboundEvent, customer_id: int | None) -> Ticket | None:
    """Thread: reply chain, then the platform thread, then orphans waiting for this parent, then the
    customer's open ticket on this channel account. Public threads are shared by many customers, so a
    customer joins another customer's ticket only through private conversations."""
    if event.visibility == "private" and customer_id:  # moved to private from a paired public account
        moved = inbox_loop.moved_ticket_for(account=account, customer_id=customer_id)
        if moved is not None:
            return moved
    messages = Message.objects.filter(channel_account=account).select_related("ticket")
    not_closed = ~Q(ticket__status=TicketStatus.CLOSED)
    same_customer = Q(ticket__customer_id=customer_id) if customer_id else Q()
    if event.in_reply_to:
        parent = messages.filter(not_closed, same_customer, external_id=event.in_reply_to).first()
        if parent:
            return parent.ticket
    if event.thread_key:
        scope = same_customer if event.visibility == "public" else Q()
        sibling = messages.filter(not_closed, scope, thread_key=event.thread_key).order_by("-occurred_at").first()
        if sibling:
            return sibling.ticket
    child = messages.filter(not_closed, same_customer, in_reply_to=event.external_id).first()
    if child:
        return child.ticket
    if customer_id:
        return (
            Ticket.objects.filter(channel_account=account, customer_id=customer_id, status__in=OPEN_STATUSES)
            .order_by("-updated_at")
            .first()
        )
    return None


def _apply_message(account: ChannelAccount, raw: RawEvent, event: InboundEvent, outcome: Outcome) -> None:
    if Message.objects.filter(channel_account=account, external_id=event.external_id).exists():
        outcome.duplicates += 1
        return
    if event.direction == Direction.OUTBOUND and Message.objects.filter(
            channel_account_id__in=inbox_loop.paired_account_ids(account), external_id=event.external_id).exists():
        outcome.duplicates += 1  # our own message, sent from the paired public account's ticket
        return
    if event.direction == Direction.OUTBOUND:
        _apply_outbound_echo(account, raw, event, outcome)
        return
    if event.author is None:
        raise ParseError(f"event {event.external_id} has no author")
    identity = identity_upsert(account, event.author)
    if identity.blocked_at is not None:
        outcome.ignored += 1  # a blocked spam sender: the raw event is kept, nothing else happens
        return
    # Serialise work on one customer so two workers cannot open two tickets for one conversation
    # (SQLite already serialises writers: its transactions take the write lock at BEGIN).
    if connection.features.has_select_for_update:
        Identity.objects.select_for_update().filter(pk=identity.pk).first()
    found = _find_ticket(account, event, identity.customer_id)
    try:
        with transaction.atomic():  # a savepoint: a duplicate rolls back the new ticket too
            ticket = found or inbox.ticket_open(
                brand_id=account.brand_id, channel_account_id=account.pk, customer_id=identity.customer_id,
                subject=event.text[:120] or event.kind, at=event.occurred,
            )
            message = Message.objects.create(
                ticket=ticket,
                channel_account=account,
                direction=Direction.INBOUND,
                visibility=event.visibility,
                kind=event.kind,
                external_id=event.external_id,
                thread_key=event.thread_key,
                in_reply_to=event.in_reply_to,
                text=event.text,
                attachments=list(event.attachments),
                metrics=dict(event.metrics),
                author_identity=identity,
                occurred_at=event.occurred,
                raw_event=raw,
            )
    except IntegrityError:  # the unique constraint is the real deduplication
        outcome.duplicates += 1
        return
    inbox.ticket_note_inbound(ticket=ticket, message=message)
    _adopt_orphans(account, ticket, message)
    _pending_echoes_adopt(account, message, identity.external_user_id)
    outcome.created += 1
    outcome.received.append((ticket.pk, message.pk, found is None))


def _adopt_orphans(account: ChannelAccount, ticket: Ticket, message: Message) -> None:
    """A parent that arrives after its replies: nothing to move, replies already found it by thread.
    Replies from the same customer that opened their own ticket earlier are merged here."""
    stray = (
        Message.objects.filter(channel_account=account, in_reply_to=message.external_id,
                               ticket__customer_id=ticket.customer_id)
        .exclude(ticket=ticket)
        .values_list("ticket_id", flat=True)
    )
    for other_id in set(stray):
        Message.objects.filter(ticket_id=other_id).update(ticket=ticket)
        other = Ticket.objects.get(pk=other_id)
        inbox.ticket_event_record(ticket=ticket, kind="ticket.merged", actor="system", data={"from_ticket": other_id})
        inbox.ticket_set_status(ticket=other, status=TicketStatus.CLOSED, actor="system")


# An echo of the brand's own post whose parent (or customer) is not known yet waits in PendingStatus
# under this status, with the event as JSON, until the message it answers or the customer arrives.
PENDING_ECHO = "echo"


def _find_echo_ticket(account: ChannelAccount, event: InboundEvent) -> Ticket | None:
    """The ticket of the message an echo answers; else the ticket of the customer it addresses
    (``data["recipient_id"]``, threaded as that customer's own messages are). An echo that refers to
    something not known yet returns None and waits, so the result does not depend on delivery order.
    Only private echoes that refer to nothing fall back to the conversation (thread) lookup."""
    if event.in_reply_to:
        parent = (Message.objects.filter(channel_account=account, external_id=event.in_reply_to)
                  .exclude(ticket__status=TicketStatus.CLOSED).select_related("ticket").first())
        if parent:
            return parent.ticket
    recipient = str(event.data.get("recipient_id") or "")
    if recipient:
        identity = Identity.objects.filter(channel_account=account, external_user_id=recipient).first()
        if identity is not None:
            return _find_ticket(account, event, identity.customer_id)
    if event.in_reply_to or recipient or event.visibility == "public":
        return None  # a public post that answers and addresses no one is a broadcast, not a reply
    return _find_ticket(account, event, None)


def _apply_outbound_echo(account: ChannelAccount, raw: RawEvent, event: InboundEvent, outcome: Outcome) -> None:
    ticket = _find_echo_ticket(account, event)
    if ticket is None:
        if not (event.in_reply_to or event.data.get("recipient_id")):
            outcome.ignored += 1  # the brand posted something unrelated to any ticket
        elif PendingStatus.objects.filter(channel_account=account, external_id=event.external_id,
                                          status=PENDING_ECHO).exists():
            outcome.duplicates += 1
        else:
            PendingStatus.objects.create(
                channel_account=account, external_id=event.external_id, status=PENDING_ECHO,
                occurred_at=event.occurred,
                data={"event": event.to_json(), "raw_event_id": raw.pk, "in_reply_to": event.in_reply_to,
                      "recipient_id": str(event.data.get("recipient_id") or "")},
            )
            outcome.updated += 1
        return
    message = _echo_attach(account, raw.pk, event, ticket)
    if message is None:
        outcome.duplicates += 1
        return
    outcome.created += 1
    _pending_echoes_adopt(account, message)


def _echo_attach(account: ChannelAccount, raw_event_id: int | None, event: InboundEvent,
                 ticket: Ticket) -> Message | None:
    try:
        with transaction.atomic():
            message = Message.objects.create(
                ticket=ticket, channel_account=account, direction=Direction.OUTBOUND,
                visibility=event.visibility, kind=event.kind, external_id=event.external_id,
                thread_key=event.thread_key, in_reply_to=event.in_reply_to, text=event.text,
                occurred_at=event.occurred, delivery_status="sent", raw_event_id=raw_event_id,
            )
    except IntegrityError:
        return None
    inbox.ticket_note_outbound_echo(ticket=ticket, message=message)
    return message


def _pending_echoes_adopt(account: ChannelAccount, message: Message, customer_external_id: str = "") -> None:
    """Attach waiting echoes that answer ``message`` or address its author, then their own waiters."""
    work = [(message, customer_external_id)]
    while work:
        placed, customer = work.pop()
        match = Q(data__in_reply_to=placed.external_id) if placed.external_id else Q(pk__in=[])
        if customer:
            match |= Q(data__recipient_id=customer)
        waiting = PendingStatus.objects.filter(match, channel_account=account, status=PENDING_ECHO)
        for pending in waiting.order_by("occurred_at", "pk"):
            event = InboundEvent.from_json(pending.data["event"])
            ticket = _find_echo_ticket(account, event)
            if ticket is None:
                continue
            pending.delete()
            attached = _echo_attach(account, pending.data.get("raw_event_id"), event, ticket)
            if attached is not None:
                work.append((attached, ""))


def _apply_change(account: ChannelAccount, event: InboundEvent, outcome: Outcome) -> None:
    message = Message.objects.filter(channel_account=account, external_id=event.external_id).first()
    if message is None:
        outcome.ignored += 1
        return
    if event.action == EventAction.DELETE:
        if message.deleted_at is None:
            message.deleted_at = event.occurred
            message.save(update_fields=["deleted_at"])
            inbox.ticket_event_record(ticket=message.ticket, kind="message.deleted", actor="system",
                                      data={"message_id": message.pk})
            outcome.updated += 1
        else:
            outcome.duplicates += 1
        return
    if message.text == event.text:
        outcome.duplicates += 1
        return
    history: list[Any] = list(message.metrics.get("edits", []))
    history.append({"text": message.text, "replaced_at": event.occurred_at})
    message.metrics = {**message.metrics, "edits": history}
    message.text = event.text
    message.save(update_fields=["metrics", "text"])
    inbox.ticket_event_record(ticket=message.ticket, kind="message.edited", actor="system",
                              data={"message_id": message.pk})
    outcome.updated += 1


def _apply_engagement(account: ChannelAccount, event: InboundEvent, outcome: Outcome) -> None:
    target = Message.objects.filter(channel_account=account, external_id=event.in_reply_to).first()
    if target is None:
        outcome.ignored += 1
        return
    reaction = str(event.data.get("reaction", "like"))
    seen = set(target.metrics.get("engagement_ids", []))
    if event.external_id in seen:
        outcome.duplicates += 1
        return
    counts = dict(target.metrics.get("reactions", {}))
    counts[reaction] = counts.get(reaction, 0) + 1
    target.metrics = {**target.metrics, "reactions": counts, "engagement_ids": [*seen, event.external_id]}
    target.save(update_fields=["metrics"])
    outcome.updated += 1


def _apply_status(account: ChannelAccount, event: InboundEvent, outcome: Outcome) -> None:
    message = Message.objects.filter(channel_account=account, external_id=event.external_id).first()
    if message is None:
        # The status overtook its message (or our send has not returned yet): keep it for later.
        PendingStatus.objects.create(channel_account=account, external_id=event.external_id,
                                     status=str(event.data.get("status", "")), occurred_at=event.occurred,
                                     data=dict(event.data))
        outcome.updated += 1
        return
    status = str(event.data.get("status", ""))
    if status and STATUS_ORDER.get(status, 0) > STATUS_ORDER.get(message.delivery_status, 0):
        message.delivery_status = status
        message.save(update_fields=["delivery_status"])
        outcome.updated += 1
    else:
        outcome.duplicates += 1


STATUS_ORDER = {"pending": 0, "retrying": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


def pending_statuses_apply(message: Message) -> None:
    """Apply statuses that arrived before ``message`` had its platform id."""
    if not message.external_id:
        return
    pending = list(PendingStatus.objects.filter(channel_account_id=message.channel_account_id,
                                                external_id=message.external_id).order_by("occurred_at"))
    if not pending:
        return
    # A waiting echo of this very message (X echoed it before our send returned) is now redundant.
    best = max(pending, key=lambda p: STATUS_ORDER.get(p.status, 0))
    if STATUS_ORDER.get(best.status, 0) > STATUS_ORDER.get(message.delivery_status, 0):
        message.delivery_status = best.status
        message.save(update_fields=["delivery_status"])
    PendingStatus.objects.filter(pk__in=[p.pk for p in pending]).delete()
