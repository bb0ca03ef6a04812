from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from socialcare.inbox.models import OPEN_STATUSES, Ticket
from socialcare.inbox.services import ticket_event_record

from . import engine
from .context import RuleContext
from .models import Rule, RuleRun, Trigger

logger = logging.getLogger(__name__)


@shared_task(name="automation.idle_tickets")
def idle_tickets() -> int:
    """Periodic: fire 'ticket idle for N minutes' rules once per period of inactivity."""
    now = timezone.now()
    fired = 0
    for rule in Rule.objects.filter(is_enabled=True, trigger=Trigger.TICKET_IDLE):
        minutes = int((rule.trigger_config or {}).get("minutes") or 0)
        if minutes < 1:
            continue
        tickets = Ticket.objects.filter(status__in=OPEN_STATUSES, is_filtered=False,
                                        updated_at__lte=now - timedelta(minutes=minutes))
        if rule.brand_id:
            tickets = tickets.filter(brand_id=rule.brand_id)
        for ticket in tickets.select_related("brand", "channel_account", "customer")[:500]:
            if RuleRun.objects.filter(rule=rule, ticket=ticket, created_at__gte=ticket.updated_at).exists():
                continue  # already fired for this stretch of inactivity
            with transaction.atomic():
                ctx = RuleContext.for_ticket(ticket, trigger=Trigger.TICKET_IDLE, extra={"minutes": minutes})
                fired += len(engine.rules_run(trigger=Trigger.TICKET_IDLE, ctx=ctx, rules=[rule]))
    return fired


@shared_task(name="automation.call_webhook", acks_late=True)
def call_webhook(url: str, payload: dict[str, Any], ticket_id: int, actor: str) -> str:
    from socialcare.channels.connectors.base import SendError
    from socialcare.channels.connectors.http import check_base_url, request

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    try:
        response = request("POST", check_base_url(url), json=payload)
        outcome, detail = "ok", str(response.status_code)
    except SendError as exc:
        outcome, detail = "failed", str(exc)[:500]
        logger.warning("automation.webhook_failed", extra={"url": url, "error": detail})
    if ticket is not None:
        ticket_event_record(ticket=ticket, kind="rule.webhook", actor=actor,
                            data={"url": url, "outcome": outcome, "detail": detail})
    return outcome
