"""Every write to tickets, messages and notes goes through here."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from socialcare.core import events
from socialcare.core.errors import DomainError

from .models import Direction, Message, Note, Priority, Tag, Ticket, TicketEvent, TicketStatus

logger = logging.getLogger(__name__)


def actor_of(user: User | None) -> str:
    return f"user:{user.pk}" if user is not None else "system"


def ticket_event_record(*, ticket: Ticket, kind: str, actor: str, data: dict[str, Any] | None = None,
                        at: datetime | None = None) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, actor=actor, data=data or {}, created_at=at or timezone.now()
    )


def ticket_open(*, brand_id: int, channel_account_id: int, customer_id: int, subject: str,
                at: datetime, actor: str = "system") -> Ticket:
    now = timezone.now()
    ticket = Ticket.objects.create(
        brand_id=brand_id,
        channel_account_id=channel_account_id,
        customer_id=customer_id,
        subject=subject[:200],
        status=TicketStatus.NEW,
        created_at=now,
        updated_at=now,
    )
    ticket_event_record(ticket=ticket, kind="ticket.created", actor=actor, data={"first_message_at": at.isoformat()})
    return ticket


def ticket_note_inbound(*, ticket: Ticket, message: Message, actor: str = "system") -> None:
    """Update a ticket after a customer message arrived (reopen, timestamps)."""
    now = timezone.now()
    fields = ["updated_at", "last_message_at", "last_customer_message_at"]
    arrived_late = ticket.last_customer_message_at is not None and message.occurred_at < ticket.last_customer_message_at
    ticket.updated_at = now
    ticket.last_message_at = max(filter(None, [ticket.last_message_at, message.occurred_at]))
    ticket.last_customer_message_at = max(filter(None, [ticket.last_customer_message_at, message.occurred_at]))
    if ticket.status in (TicketStatus.PENDING, TicketStatus.RESOLVED):
        previous = ticket.status
        ticket.status = TicketStatus.OPEN
        fields.append("status")
        ticket_event_record(ticket=ticket, kind="ticket.status_changed", actor=actor,
                            data={"from": previous, "to": TicketStatus.OPEN, "reason": "customer replied"})
    if arrived_late and (ticket.first_response_at is not None
                         or ticket.messages.filter(direction=Direction.OUTBOUND).exists()):
        # an older customer message arrived out of order: which brand post answered first may change
        ticket.first_response_at = first_response_of(ticket)
        fields.append("first_response_at")
    ticket.save(update_fields=fields)
    ticket_event_record(
        ticket=ticket, kind="message.received", actor=actor,
        data={"message_id": message.pk, "occurred_at": message.occurred_at.isoformat()},
    )


def first_response_of(ticket: Ticket) -> datetime | None:
    """The first human brand message at or after the customer's first message (None if unanswered).

    Messages Socialcare sent count from their delivery time; posts made elsewhere (echoes) from their
    platform time. Automatic messages and brand posts that precede the customer's first message (the brand
    spoke first) are not responses. Computed from the messages, so it does not depend on arrival order."""
    first_in = (ticket.messages.filter(direction=Direction.INBOUND).order_by("occurred_at")
                .values_list("occurred_at", flat=True).first())
    if first_in is None:
        return None
    times = []
    for message in ticket.messages.filter(direction=Direction.OUTBOUND).select_related("delivery"):
        if message.metrics.get("automated"):
            continue
        delivery = getattr(message, "delivery", None)
        if delivery is not None:
            if delivery.sent_at is None:
                continue
            at = delivery.sent_at
        elif message.delivery_status in ("sent", "delivered", "read"):
            at = message.occurred_at
        else:
            continue
        if at >= first_in:
            times.append(at)
    return min(times, default=None)


def ticket_note_outbound_echo(*, ticket: Ticket, message: Message) -> None:
    ticket.updated_at = timezone.now()
    ticket.last_message_at = max(filter(None, [ticket.last_message_at, message.occurred_at]))
    ticket.first_response_at = first_response_of(ticket)
    ticket.save(update_fields=["updated_at", "last_message_at", "first_response_at"])
    ticket_event_record(ticket=ticket, kind="message.sent_elsewhere", actor="system",
                        data={"message_id": message.pk, "occurred_at": message.occurred_at.isoformat()})


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, actor: str) -> Ticket:
    before = ticket.assignee_id
    new = assignee.pk if assignee is not None else None
    if before == new:
        return ticket
    ticket.assignee = assignee  # type: ignore[assignment]
    ticket.updated_at = timezone.now()
    fields = ["assignee", "updated_at"]
    if new is not None and ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
        fields.append("status")
    ticket.save(update_fields=fields)
    ticket_event_record(ticket=ticket, kind="ticket.assigned", actor=actor, data={"from": before, "to": new})
    events.publish("ticket.changed", {"ticket_id": ticket.pk, "fields": ["assignee"], "actor": actor})
    return ticket


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, actor: str) -> Ticket:
    if status not in TicketStatus.values:
        raise DomainError(gettext("unknown status %(status)s; use one of %(choices)s")
                          % {"status": repr(status), "choices": ", ".join(TicketStatus.values)})
    previous = ticket.status
    if previous == status:
        return ticket
    now = timezone.now()
    ticket.status = status
    ticket.updated_at = now
    fields = ["status", "updated_at"]
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    ticket.save(update_fields=fields)
    ticket_event_record(ticket=ticket, kind="ticket.status_changed", actor=actor, data={"from": previous, "to": status})
    events.publish("ticket.changed", {"ticket_id": ticket.pk, "fields": ["status"], "actor": actor})
    return ticket


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, priority: int, actor: str) -> Ticket:
    if priority not in Priority.values:
        raise DomainError(gettext("unknown priority %(priority)s") % {"priority": repr(priority)})
    previous = ticket.priority
    if previous != priority:
        ticket.priority = priority
        ticket.updated_at = timezone.now()
        ticket.save(update_fields=["priority", "updated_at"])
        ticket_event_record(ticket=ticket, kind="ticket.priority_changed", actor=actor,
                            data={"from": previous, "to": priority})
        events.publish("ticket.changed", {"ticket_id": ticket.pk, "fields": ["priority"], "actor": actor})
    return ticket


@transaction.atomic
def ticket_tag(*, ticket: Ticket, names: list[str], actor: str) -> Ticket:
    for name in names:
        tag, _ = Tag.objects.get_or_create(name=name.strip().lower()[:64])
        ticket.tags.add(tag)
    ticket_event_record(ticket=ticket, kind="ticket.tagged", actor=actor, data={"tags": names})
    events.publish("ticket.changed", {"ticket_id": ticket.pk, "fields": ["tags"], "actor": actor})
    return ticket


@transaction.atomic
def note_add(*, ticket: Ticket, user: User, text: str) -> Note:
    text = text.strip()
    if not text:
        raise DomainError(gettext("a note needs some text"))
    note = Note.objects.create(ticket=ticket, author=user, text=text)
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["updated_at"])
    ticket_event_record(ticket=ticket, kind="note.added", actor=actor_of(user), data={"note_id": note.pk})
    return note


@transaction.atomic
def reply_create(
    *,
    ticket: Ticket,
    user: User | None,
    text: str,
    visibility: str | None = None,
    actor: str | None = None,
) -> Message:
    """Validate a reply against the channel's rules, store it as pending, send it after commit."""
    from socialcare.channels.accounts import account_info
    from socialcare.channels.connectors.registry import get_adapter
    from socialcare.channels.models import OutboundDelivery
    from socialcare.channels.rules import reply_violations
    from socialcare.channels.tasks import deliver_outbound
    from socialcare.core.tasks import enqueue_on_commit

    ticket = Ticket.objects.select_for_update().select_related("channel_account").get(pk=ticket.pk)
    account = ticket.channel_account
    last_inbound = (
        ticket.messages.filter(direction=Direction.INBOUND).exclude(external_id=None).order_by("-occurred_at").first()
    )
    if visibility is None:
        visibility = last_inbound.visibility if last_inbound else "public"
    if visibility not in ("public", "private"):
        raise DomainError(gettext("visibility must be 'public' or 'private'"))
    rules = get_adapter(account.kind).rules(account_info(account))
    now = timezone.now()
    problems = reply_violations(
        rules, text=text, visibility=visibility, last_customer_message_at=ticket.last_customer_message_at, now=now,
        # a person answering may use an extended window (e.g. Messenger's human-agent tag); automation may not
        use_extended_window=user is not None,
    )
    if problems:
        raise DomainError(" ".join(p.message for p in problems), code=problems[0].code)

    public_parent = (
        ticket.messages.filter(direction=Direction.INBOUND, visibility="public").exclude(external_id=None)
        .order_by("-occurred_at").first()
    )
    private_last = ticket.messages.filter(visibility="private").exclude(thread_key="").order_by("-occurred_at").first()
    identity = ticket.customer.identities.filter(channel_account=account).first()
    message = Message.objects.create(
        ticket=ticket,
        channel_account=account,
        direction=Direction.OUTBOUND,
        visibility=visibility,
        kind="reply" if visibility == "public" else "direct",
        text=text,
        author_user=user,
        occurred_at=now,
        in_reply_to=(public_parent.external_id or "") if visibility == "public" and public_parent else "",
        thread_key=(private_last.thread_key if visibility == "private" and private_last else ""),
        delivery_status="pending",
    )
    if identity is not None and visibility == "private":
        message.metrics = {"recipient_id": identity.external_user_id}
        message.save(update_fields=["metrics"])
    delivery = OutboundDelivery.objects.create(
        message=message, channel_account=account, idempotency_key=uuid.uuid4().hex
    )
    ticket.updated_at = now
    ticket.last_message_at = now
    fields = ["updated_at", "last_message_at"]
    if ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
        fields.append("status")
    ticket.save(update_fields=fields)
    ticket_event_record(ticket=ticket, kind="reply.created", actor=actor or actor_of(user),
                        data={"message_id": message.pk, "visibility": visibility})
    enqueue_on_commit(deliver_outbound, delivery.pk)
    return message


@transaction.atomic
def message_act(*, message: Message, action: str, user: User | None,
                params: dict[str, Any] | None = None, actor: str | None = None) -> Message:
    """Perform a platform action (like, hide, delete...) on a message through its adapter.

    The call happens inside the request because the agent waits for its result; the text of a message
    deleted on the platform stays in our archive (``platform_state.deleted_by_brand``)."""
    from socialcare.channels.accounts import account_info
    from socialcare.channels.connectors.base import SendError
    from socialcare.channels.connectors.registry import get_adapter

    account = message.channel_account
    adapter = get_adapter(account.kind)
    supported: frozenset[str] = getattr(adapter, "actions", frozenset())
    if action not in supported:
        raise DomainError(gettext("%(kind)s messages do not support %(action)s") % {"kind": account.kind, "action": repr(action)},
                          code="unsupported_action")
    if not message.external_id:
        raise DomainError(gettext("this message has no platform id yet"), code="not_published")
    try:
        result = adapter.perform(account_info(account), action, message.external_id, params or {})  # type: ignore[attr-defined]
    except SendError as exc:
        raise DomainError(gettext("the platform refused %(action)s: %(error)s") % {"action": action, "error": exc},
                          code="platform_error") from exc
    message.platform_state = {**message.platform_state, **dict(result.state)}
    message.save(update_fields=["platform_state"])
    ticket_event_record(ticket=message.ticket, kind=f"message.{action}", actor=actor or actor_of(user),
                        data={"message_id": message.pk, "external_id": result.external_id})
    return message
