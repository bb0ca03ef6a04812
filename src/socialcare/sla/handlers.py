"""Domain-event subscribers (order 80: after automation at 50 and routing at 70)."""

from __future__ import annotations

import logging
from typing import Any

from socialcare.core import events
from socialcare.core.errors import DomainError
from socialcare.inbox.models import Message, Ticket

from . import services

logger = logging.getLogger(__name__)
ORDER = 80


def on_message_received(payload: dict[str, Any]) -> None:
    message = Message.objects.select_related("ticket", "ticket__channel_account").filter(
        pk=payload.get("message_id"), direction="in").first()
    if message is None or message.ticket.is_filtered:
        return
    try:
        services.sla_on_message(ticket=message.ticket, message=message)
    except DomainError as exc:  # a broken calendar must not stop the pipeline; it is logged
        logger.warning("sla.start_failed", extra={"ticket_id": message.ticket_id, "error": exc.message})


def on_reply_sent(payload: dict[str, Any]) -> None:
    message = Message.objects.select_related("ticket").filter(pk=payload.get("message_id")).first()
    if message is not None:
        services.sla_on_reply(ticket=message.ticket, message=message)


def on_ticket_changed(payload: dict[str, Any]) -> None:
    fields = list(payload.get("fields") or [])
    if not {"status", "priority"} & set(fields):
        return
    ticket = Ticket.objects.select_related("channel_account").filter(pk=payload.get("ticket_id")).first()
    if ticket is not None:
        try:
            services.sla_on_ticket_changed(ticket=ticket, fields=fields)
        except DomainError as exc:
            logger.warning("sla.update_failed", extra={"ticket_id": ticket.pk, "error": exc.message})


def connect() -> None:
    events.subscribe("message.received", name="sla", order=ORDER)(on_message_received)
    events.subscribe("reply.sent", name="sla", order=ORDER)(on_reply_sent)
    events.subscribe("ticket.changed", name="sla", order=ORDER)(on_ticket_changed)
