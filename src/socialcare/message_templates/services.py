"""Approved templates: listing, parameter validation, rendering, and sending one to a ticket."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import ChannelRules
from socialcare.channels.connectors.registry import get_adapter
from socialcare.channels.models import OutboundDelivery
from socialcare.channels.rules import reply_violations
from socialcare.core.errors import DomainError
from socialcare.core.tasks import enqueue_on_commit
from socialcare.inbox.models import Direction, Message, Ticket, TicketStatus
from socialcare.inbox.services import actor_of, ticket_event_record

from .models import MessageTemplate, TemplateStatus

PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
MAX_PARAMETER_LENGTH = 1024


# --- the template text ------------------------------------------------------------------------------


def template_check_body(body: str) -> int:
    """Return the number of parameters; raise ValueError unless they are {{1}}..{{n}} without gaps."""
    numbers = sorted({int(n) for n in PLACEHOLDER.findall(body)})
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"parameters must be numbered {{{{1}}}} to {{{{{len(numbers)}}}}} without gaps, "
                         f"found {', '.join(str(n) for n in numbers)}")
    return len(numbers)


def parameter_count(template: MessageTemplate) -> int:
    return template_check_body(template.body)


def template_validate_parameters(template: MessageTemplate, parameters: list[str]) -> list[str]:
    """Clean the values for ``template``'s parameters or raise DomainError saying what is wrong."""
    expected = parameter_count(template)
    values = [str(p).strip() for p in parameters]
    if len(values) != expected:
        raise DomainError(
            _("The template “%(name)s” needs %(expected)d parameter(s), %(given)d given.")
            % {"name": template.name, "expected": expected, "given": len(values)},
            code="template_parameters",
        )
    for number, value in enumerate(values, start=1):
        if not value:
            raise DomainError(_("Parameter {{%(n)d}} is empty.") % {"n": number}, code="template_parameters")
        if "\n" in value or "\t" in value or "     " in value:
            raise DomainError(
                _("Parameter {{%(n)d}} may not contain line breaks, tabs or more than four spaces in a row.")
                % {"n": number}, code="template_parameters")
        if len(value) > MAX_PARAMETER_LENGTH:
            raise DomainError(_("Parameter {{%(n)d}} is too long.") % {"n": number}, code="template_parameters")
    return values


def template_render(template: MessageTemplate, parameters: list[str]) -> str:
    """The text the customer will read, as stored in our archive."""
    return PLACEHOLDER.sub(lambda m: parameters[int(m.group(1)) - 1], template.body)


def template_option(template: MessageTemplate, parameters: list[str]) -> dict[str, Any]:
    """What goes into ``OutboundMessage.options["template"]`` for the adapter."""
    return {"name": template.name, "language": template.language, "parameters": list(parameters),
            "template_id": template.pk}


# --- selectors ----------------------------------------------------------------------------------------


def templates_for_account(channel_account_id: int, *, approved_only: bool = True) -> QuerySet[MessageTemplate]:
    qs = MessageTemplate.objects.filter(channel_account_id=channel_account_id)
    return qs.filter(status=TemplateStatus.APPROVED) if approved_only else qs


def templates_visible_to(user: Any) -> QuerySet[MessageTemplate]:
    from socialcare.accounts.access import visible_brand_ids

    qs = MessageTemplate.objects.select_related("channel_account")
    brand_ids = visible_brand_ids(user)
    return qs if brand_ids is None else qs.filter(channel_account__brand_id__in=brand_ids)


@dataclass(frozen=True)
class WindowState:
    """Where a ticket stands with its channel's messaging window."""

    rules: ChannelRules
    has_window: bool
    is_open: bool
    hours: int | None
    closes_at: datetime | None

    @property
    def needs_template(self) -> bool:
        return self.has_window and not self.is_open and self.rules.template_outside_window


def window_state(ticket: Ticket, *, now: datetime | None = None) -> WindowState:
    account = ticket.channel_account
    rules = get_adapter(account.kind).rules(account_info(account))
    hours = rules.messaging_window_hours
    if not hours:
        return WindowState(rules=rules, has_window=False, is_open=True, hours=None, closes_at=None)
    last = ticket.last_customer_message_at
    closes_at = last + timedelta(hours=hours) if last else None
    is_open = closes_at is not None and (now or timezone.now()) <= closes_at
    return WindowState(rules=rules, has_window=True, is_open=is_open, hours=hours, closes_at=closes_at)


# --- sending ------------------------------------------------------------------------------------------


@transaction.atomic
def template_reply_create(*, ticket: Ticket, template: MessageTemplate, parameters: list[str],
                          user: User | None, actor: str | None = None) -> Message:
    """Send an approved template to the ticket's customer; mirrors ``inbox.services.reply_create``.

    The outbound Message carries the rendered text (for the archive) and ``metrics["options"]["template"]``
    (what the adapter sends); it goes through an OutboundDelivery like any reply."""
    from socialcare.channels.tasks import deliver_outbound

    ticket = Ticket.objects.select_for_update().select_related("channel_account").get(pk=ticket.pk)
    account = ticket.channel_account
    if template.channel_account_id != account.pk:
        raise DomainError(_("This template belongs to another channel account."), code="template_account")
    if template.status != TemplateStatus.APPROVED:
        raise DomainError(_("Only approved templates can be sent; “%(name)s” is %(status)s.")
                          % {"name": template.name, "status": template.get_status_display()},
                          code="template_not_approved")
    rules = get_adapter(account.kind).rules(account_info(account))
    if not rules.template_outside_window:
        raise DomainError(_("This channel does not use approved templates."), code="templates_unsupported")
    values = template_validate_parameters(template, parameters)
    text = template_render(template, values)
    now = timezone.now()
    problems = reply_violations(rules, text=text, visibility="private",
                                last_customer_message_at=ticket.last_customer_message_at, now=now, is_template=True)
    if problems:
        raise DomainError(" ".join(p.message for p in problems), code=problems[0].code)
    identity = ticket.customer.identities.filter(channel_account=account).first()
    if identity is None:
        raise DomainError(_("The customer has no identity on this channel to send the template to."),
                          code="no_recipient")
    private_last = ticket.messages.filter(visibility="private").exclude(thread_key="").order_by("-occurred_at").first()
    message = Message.objects.create(
        ticket=ticket,
        channel_account=account,
        direction=Direction.OUTBOUND,
        visibility="private",
        kind="direct",
        text=text,
        author_user=user,  # type: ignore[misc]
        occurred_at=now,
        thread_key=private_last.thread_key if private_last else "",
        delivery_status="pending",
        metrics={"recipient_id": identity.external_user_id,
                 "options": {"template": template_option(template, values)}},
    )
    delivery = OutboundDelivery.objects.create(message=message, channel_account=account,
                                               idempotency_key=uuid.uuid4().hex)
    ticket.updated_at = now
    ticket.last_message_at = now
    fields = ["updated_at", "last_message_at"]
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
        fields.append("status")
    ticket.save(update_fields=fields)
    ticket_event_record(ticket=ticket, kind="reply.created", actor=actor or actor_of(user),
                        data={"message_id": message.pk, "visibility": "private",
                              "template": template.name, "language": template.language})
    enqueue_on_commit(deliver_outbound, delivery.pk)
    return message
