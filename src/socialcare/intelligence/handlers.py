"""Domain-event subscriber of the noise filter (order 15: after enrichment, before automation at 50)."""

from __future__ import annotations

from typing import Any

from socialcare.core import events
from socialcare.inbox.models import Direction, Message

from . import services

ORDER = 15
NAME = "noise_filter"


def on_message_received(payload: dict[str, Any]) -> None:
    message = (Message.objects.select_related("ticket", "raw_event")
               .filter(pk=payload.get("message_id"), direction=Direction.INBOUND).first())
    if message is None:
        return
    if payload.get("ticket_created"):
        services.filter_decide(ticket=message.ticket, message=message)
    elif message.ticket.is_filtered:
        services.filter_followup(ticket=message.ticket, message=message)


def connect() -> None:
    events.subscribe("message.received", name=NAME, order=ORDER)(on_message_received)
