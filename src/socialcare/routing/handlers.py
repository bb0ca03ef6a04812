"""Domain-event subscribers (order 70: after automation rules at 50, before SLA clocks at 80)."""

from __future__ import annotations

from typing import Any

from socialcare.core import events
from socialcare.inbox.models import Ticket, TicketStatus

from . import services

ORDER = 70
FREEING_STATUSES = (TicketStatus.PENDING, TicketStatus.RESOLVED, TicketStatus.CLOSED)


def on_message_received(payload: dict[str, Any]) -> None:
    services.route_ticket(ticket_id=int(payload["ticket_id"]))


def on_ticket_changed(payload: dict[str, Any]) -> None:
    fields = set(payload.get("fields") or [])
    ticket = Ticket.objects.filter(pk=payload.get("ticket_id")).only("status", "assignee_id").first()
    if ticket is None:
        return
    if "status" in fields and ticket.status in FREEING_STATUSES:
        services.route_ticket(ticket_id=ticket.pk)  # leaves the queue if it was waiting
        services.queue_drain()  # its agent may have capacity again
    elif "assignee" in fields and ticket.assignee_id is not None:
        services.route_ticket(ticket_id=ticket.pk)  # assigned by hand: no longer waiting
    elif fields & {"tags", "team", "priority"} and ticket.assignee_id is None:
        services.route_ticket(ticket_id=ticket.pk)


def connect() -> None:
    events.subscribe("message.received", name="routing", order=ORDER)(on_message_received)
    events.subscribe("ticket.changed", name="routing", order=ORDER)(on_ticket_changed)
