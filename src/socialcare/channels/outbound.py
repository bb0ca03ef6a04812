"""Outbound delivery: pending -> adapter.send() -> sent/failed, never posting twice.

The idempotency key is stored before the call. A delivery is claimed (``in_flight_since``) in its own
transaction before the HTTP call, so a second worker never sends the same delivery concurrently; a
delivery whose claim is old (worker died during the call) is retried with the same idempotency key,
which the platform (or its emulator) uses to answer with the message it already created.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from socialcare.core import events
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Message, TicketStatus

from . import pipeline
from .accounts import account_info
from .connectors.base import OutboundMessage, SendError
from .connectors.registry import get_adapter
from .models import ChannelAccount, DeliveryStatus, OutboundDelivery

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
CLAIM_TIMEOUT = timedelta(minutes=2)


def _backoff(attempt: int, retry_after: float | None) -> timedelta:
    base = min(300.0, 2.0 ** attempt)
    return timedelta(seconds=max(base, retry_after or 0.0))


def delivery_attempt(delivery_id: int) -> str:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            OutboundDelivery.objects.select_for_update()
            .select_related("message", "message__ticket", "channel_account")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return "skipped"
        if delivery.in_flight_since and now - delivery.in_flight_since < CLAIM_TIMEOUT:
            return "in-flight"
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return "not-due"
        delivery.in_flight_since = now
        delivery.attempts += 1
        delivery.save(update_fields=["in_flight_since", "attempts"])
    message = delivery.message
    account = delivery.channel_account
    outbound = OutboundMessage(
        idempotency_key=delivery.idempotency_key,
        text=message.text,
        visibility=message.visibility,
        in_reply_to=message.in_reply_to,
        recipient_id=str(message.metrics.get("recipient_id", "")),
        thread_key=message.thread_key,
        options=dict(message.metrics.get("options", {})),
    )
    try:
        result = get_adapter(account.kind).send(account_info(account), outbound)
    except SendError as exc:
        return _record_failure(delivery, exc)
    with transaction.atomic():
        # The platform may echo our post back before this call returned; the echo then became a message
        # with the same platform id. It is the same post: keep ours (it knows its author) and drop the echo.
        Message.objects.filter(channel_account=account, external_id=result.external_id).exclude(
            pk=message.pk).delete()
        delivery.status = DeliveryStatus.SENT
        delivery.external_id = result.external_id
        delivery.sent_at = timezone.now()
        delivery.in_flight_since = None
        delivery.last_error = ""
        delivery.save(update_fields=["status", "external_id", "sent_at", "in_flight_since", "last_error"])
        message.external_id = result.external_id
        message.delivery_status = DeliveryStatus.SENT
        message.save(update_fields=["external_id", "delivery_status"])
        pipeline.pending_statuses_apply(message)
        ticket = message.ticket
        # the first response is the first HUMAN answer; automatic messages (out of hours, welcome menus)
        # do not stop that clock
        if ticket.first_response_at is None and not message.metrics.get("automated"):
            ticket.first_response_at = delivery.sent_at
            ticket.save(update_fields=["first_response_at"])
        if result.rate_limit_remaining is not None:
            ChannelAccount.objects.filter(pk=account.pk).update(rate_limit_remaining=result.rate_limit_remaining)
        inbox.ticket_event_record(ticket=ticket, kind="reply.sent", actor="system",
                                  data={"message_id": message.pk, "external_id": result.external_id,
                                        "first_response": ticket.first_response_at == delivery.sent_at})
        if ticket.status == TicketStatus.NEW:
            inbox.ticket_set_status(ticket=ticket, status=TicketStatus.OPEN, actor="system")
        events.publish("reply.sent", {"ticket_id": ticket.pk, "message_id": message.pk, "actor": "system"})
    logger.info("outbound.sent", extra={"delivery_id": delivery.pk})
    return DeliveryStatus.SENT


def _record_failure(delivery: OutboundDelivery, exc: SendError) -> str:
    final = not exc.retriable or delivery.attempts >= MAX_ATTEMPTS
    with transaction.atomic():
        delivery.in_flight_since = None
        delivery.last_error = str(exc)[:2000]
        if final:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = timezone.now() + _backoff(delivery.attempts, exc.retry_after)
        delivery.save(update_fields=["in_flight_since", "last_error", "status", "next_attempt_at"])
        message = delivery.message
        message.delivery_status = DeliveryStatus.FAILED if final else "retrying"
        message.save(update_fields=["delivery_status"])
        ChannelAccount.objects.filter(pk=delivery.channel_account_id).update(
            last_error=str(exc)[:2000], last_error_at=timezone.now()
        )
        inbox.ticket_event_record(ticket=message.ticket, kind="reply.failed" if final else "reply.retrying",
                                  actor="system", data={"message_id": message.pk, "error": str(exc)[:500]})
    logger.warning("outbound.failed", extra={"delivery_id": delivery.pk, "final": final, "error": str(exc)})
    return DeliveryStatus.FAILED if final else "retrying"


def deliveries_due() -> list[int]:
    now = timezone.now()
    return list(
        OutboundDelivery.objects.filter(status=DeliveryStatus.PENDING)
        .exclude(next_attempt_at__gt=now)
        .exclude(in_flight_since__gt=now - CLAIM_TIMEOUT)
        .values_list("pk", flat=True)[:500]
    )
