"""The public -> private -> public loop.

1. ``ticket_move_to_private``: a short public acknowledgement on the public thread, a private reply to
   the customer's comment where the platform offers one (Facebook, Instagram), and
   ``Ticket.moved_private_at``.
2. The customer's private messages join the SAME ticket. Pairing: the public account names its private
   account in ``settings["private_account_id"]`` (a Facebook page and its Messenger account, same brand).
   Instagram comments and DMs share one account, so it is paired with itself. The private reply tells us
   the customer's page-scoped id; we record it as an identity of the same customer on the private
   account, and ``channels.pipeline._find_ticket`` asks ``moved_ticket_for`` first for private messages.
3. ``ticket_close_loop``: the public follow-up ("solved in DM") and ``Ticket.public_followup_at``.
4. ``tickets_with_open_loop``: tickets moved to private whose loop was never closed publicly.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from socialcare.core.errors import DomainError

from .models import Direction, Message, Ticket, TicketStatus
from .services import actor_of, message_act, reply_create, ticket_event_record

DEFAULT_PRIVATE_TEXT = "Hi, this is {brand}. We have continued your request here in private messages."


def paired_private_account_id(account: Any) -> int | None:
    """The account that carries this public account's private conversations (may be itself)."""
    value = (account.settings or {}).get("private_account_id")
    if value:
        return int(value)
    return account.pk if account.kind == "instagram" else None


def paired_account_ids(account: Any) -> list[int]:
    """This account and the accounts paired with it, either way round (for deduplicating echoes)."""
    from socialcare.channels.models import ChannelAccount

    ids = {account.pk}
    own = paired_private_account_id(account)
    if own:
        ids.add(own)
    publics = ChannelAccount.objects.filter(brand_id=account.brand_id, settings__private_account_id=account.pk)
    ids.update(publics.values_list("pk", flat=True))
    return sorted(ids)


def moved_ticket_for(*, account: Any, customer_id: int) -> Ticket | None:
    """The open ticket this customer's private message belongs to after a move to private, if any."""
    from socialcare.channels.models import ChannelAccount

    public_ids = list(ChannelAccount.objects.filter(brand_id=account.brand_id, settings__private_account_id=account.pk)
                      .values_list("pk", flat=True))
    if account.kind == "instagram":
        public_ids.append(account.pk)
    if not public_ids:
        return None
    return (
        Ticket.objects.filter(channel_account_id__in=public_ids, customer_id=customer_id, moved_private_at__isnull=False,
                              public_followup_at__isnull=True)
        .exclude(status=TicketStatus.CLOSED)
        .order_by("-moved_private_at")
        .first()
    )


def _public_parent(ticket: Ticket) -> Message | None:
    return (ticket.messages.filter(direction=Direction.INBOUND, visibility="public").exclude(external_id=None)
            .order_by("-occurred_at").first())


@transaction.atomic
def ticket_move_to_private(*, ticket: Ticket, user: User | None, ack_text: str,
                           private_text: str = "") -> Ticket:
    """Acknowledge publicly, open the private conversation, and mark the ticket as moved."""
    from socialcare.channels.connectors.registry import get_adapter
    from socialcare.channels.models import ChannelAccount
    from socialcare.crm.models import Identity

    ticket = Ticket.objects.select_for_update().select_related("channel_account", "brand").get(pk=ticket.pk)
    if ticket.moved_private_at is not None:
        raise DomainError(gettext("this conversation was already moved to private messages"), code="already_moved")
    parent = _public_parent(ticket)
    if parent is None:
        raise DomainError(gettext("this ticket has no public message to answer"), code="not_public")
    actor = actor_of(user)
    reply_create(ticket=ticket, user=user, text=ack_text, visibility="public")
    account = ticket.channel_account
    data: dict[str, Any] = {"public_message_id": parent.pk}
    if "private_reply" in getattr(get_adapter(account.kind), "actions", frozenset()):
        text = private_text.strip() or DEFAULT_PRIVATE_TEXT.format(brand=ticket.brand.name)
        acted = message_act(message=parent, action="private_reply", user=user, params={"text": text}, actor=actor)
        scoped_id = str(acted.platform_state.get("private_reply_recipient_id") or "")
        message_id = str(acted.platform_state.get("private_reply_id") or "")
        private_id = paired_private_account_id(account)
        private = ChannelAccount.objects.filter(pk=private_id, brand_id=ticket.brand_id).first() if private_id else None
        target = private or account
        if scoped_id:
            identity = Identity.objects.filter(channel_account=target, external_user_id=scoped_id).first()
            if identity is None:
                Identity.objects.create(customer_id=ticket.customer_id, channel_account=target,
                                        external_user_id=scoped_id)
            elif identity.customer_id != ticket.customer_id:
                data["identity_conflict"] = identity.pk  # never merge customers silently
        try:
            with transaction.atomic():
                Message.objects.create(
                    ticket=ticket, channel_account=target, direction=Direction.OUTBOUND, visibility="private",
                    kind="direct", text=text, author_user=user, occurred_at=timezone.now(),
                    external_id=message_id or None, thread_key=scoped_id, delivery_status="sent",
                )
        except IntegrityError:
            pass  # its echo arrived first
        data.update({"private_account_id": target.pk, "recipient_id": scoped_id})
    ticket.moved_private_at = timezone.now()
    ticket.save(update_fields=["moved_private_at"])
    ticket_event_record(ticket=ticket, kind="ticket.moved_private", actor=actor, data=data)
    return ticket


@transaction.atomic
def ticket_close_loop(*, ticket: Ticket, user: User | None, text: str) -> Ticket:
    """Post the public follow-up on the original thread and mark the loop closed."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.moved_private_at is None:
        raise DomainError(gettext("this conversation was never moved to private messages"), code="not_moved")
    if ticket.public_followup_at is not None:
        raise DomainError(gettext("the public follow-up was already posted"), code="already_closed")
    message = reply_create(ticket=ticket, user=user, text=text, visibility="public")
    ticket.refresh_from_db()
    ticket.public_followup_at = timezone.now()
    ticket.save(update_fields=["public_followup_at"])
    ticket_event_record(ticket=ticket, kind="ticket.loop_closed", actor=actor_of(user),
                        data={"message_id": message.pk})
    return ticket


def tickets_with_open_loop(queryset: QuerySet[Ticket] | None = None, *, resolved_only: bool = False) -> QuerySet[Ticket]:
    """Tickets moved to private whose public follow-up was never posted (oldest move first)."""
    qs = (queryset if queryset is not None else Ticket.objects.all()).filter(
        moved_private_at__isnull=False, public_followup_at__isnull=True)
    if resolved_only:
        qs = qs.filter(Q(status=TicketStatus.RESOLVED) | Q(status=TicketStatus.CLOSED))
    return qs.order_by("moved_private_at")
