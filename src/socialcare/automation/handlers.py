"""Domain-event subscribers (order 50: after enrichment and the noise filter, before routing and SLA)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from socialcare.core import events
from socialcare.inbox.models import Message, Ticket

from . import automessages, engine
from .context import RuleContext
from .models import Trigger

logger = logging.getLogger(__name__)
ORDER = 50


def on_message_received(payload: dict[str, Any]) -> None:
    actor = str(payload.get("actor") or "system")
    if engine.is_automation_actor(actor):
        return
    message = (Message.objects.select_related("ticket", "ticket__brand", "ticket__channel_account", "author_identity")
               .filter(pk=payload.get("message_id")).first())
    if message is None or message.direction != "in":
        return
    with transaction.atomic():
        automessages.welcome_choice_apply(message=message)
        ticket = Ticket.objects.select_related("brand", "channel_account", "customer").get(pk=message.ticket_id)
        if payload.get("ticket_created"):
            ctx = RuleContext(ticket=ticket, message=message, trigger=Trigger.TICKET_CREATED)
            engine.rules_run(trigger=Trigger.TICKET_CREATED, ctx=ctx, actor=actor)
            ticket.refresh_from_db()
        ctx = RuleContext(ticket=ticket, message=message, trigger=Trigger.MESSAGE_RECEIVED)
        engine.rules_run(trigger=Trigger.MESSAGE_RECEIVED, ctx=ctx, actor=actor)
    with transaction.atomic():
        ticket.refresh_from_db()
        message.ticket = ticket
        automessages.automessages_on_message(message=message, ticket_created=bool(payload.get("ticket_created")))


def on_ticket_changed(payload: dict[str, Any]) -> None:
    actor = str(payload.get("actor") or "system")
    if engine.is_automation_actor(actor):
        return  # the loop guard
    ticket = Ticket.objects.select_related("brand", "channel_account", "customer").filter(
        pk=payload.get("ticket_id")).first()
    if ticket is None:
        return
    with transaction.atomic():
        ctx = RuleContext.for_ticket(ticket, trigger=Trigger.TICKET_UPDATED,
                                     changed_fields=tuple(payload.get("fields") or ()))
        engine.rules_run(trigger=Trigger.TICKET_UPDATED, ctx=ctx, actor=actor)


def _on_sla(trigger: str) -> Any:
    def handler(payload: dict[str, Any]) -> None:
        ticket = Ticket.objects.select_related("brand", "channel_account", "customer").filter(
            pk=payload.get("ticket_id")).first()
        if ticket is None:
            return
        with transaction.atomic():
            ctx = RuleContext.for_ticket(ticket, trigger=trigger, extra={"metric": payload.get("metric"),
                                                                         "due_at": payload.get("due_at")})
            engine.rules_run(trigger=trigger, ctx=ctx, actor=str(payload.get("actor") or "sla"))

    return handler


def connect() -> None:
    from socialcare.routing.services import hold_checks

    events.subscribe("message.received", name="automation", order=ORDER)(on_message_received)
    events.subscribe("ticket.changed", name="automation", order=ORDER)(on_ticket_changed)
    events.subscribe("sla.warning", name="automation", order=ORDER)(_on_sla(Trigger.SLA_WARNING))
    events.subscribe("sla.breached", name="automation", order=ORDER)(_on_sla(Trigger.SLA_BREACHED))
    hold_checks.register("welcome_menu", automessages.awaiting_choice)
