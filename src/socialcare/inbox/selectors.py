"""Reads for the inbox: always start from the access layer's scoped queryset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from socialcare.accounts.access import tickets_visible_to

from .models import Message, Ticket, TicketStatus


@dataclass(frozen=True)
class TicketFilters:
    status: str = ""  # a status, "open_all" (new/open/pending) or "" for all
    channel: str = ""  # channel account id
    kind: str = ""  # connector kind
    brand: str = ""  # brand id
    assignee: str = ""  # "mine", "unassigned", or a user id
    q: str = ""

    @classmethod
    def from_mapping(cls, data: Any) -> TicketFilters:
        return cls(**{name: str(data.get(name, "") or "").strip() for name in cls.__dataclass_fields__})


def ticket_list(*, user: Any, filters: TicketFilters) -> QuerySet[Ticket]:
    qs = tickets_visible_to(user).select_related("brand", "channel_account", "customer", "assignee")
    if filters.status == "open_all":
        qs = qs.filter(status__in=[TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING])
    elif filters.status in TicketStatus.values:
        qs = qs.filter(status=filters.status)
    if filters.channel.isdigit():
        qs = qs.filter(channel_account_id=int(filters.channel))
    if filters.kind:
        qs = qs.filter(channel_account__kind=filters.kind)
    if filters.brand.isdigit():
        qs = qs.filter(brand_id=int(filters.brand))
    if filters.assignee == "mine":
        qs = qs.filter(assignee_id=user.pk)
    elif filters.assignee == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.q:
        matching = Message.objects.filter(text__icontains=filters.q).values("ticket_id")
        qs = qs.filter(Q(pk__in=matching) | Q(subject__icontains=filters.q))
    return qs.order_by("-updated_at", "-id")


def ticket_thread(*, ticket: Ticket) -> list[dict[str, Any]]:
    """Messages and internal notes of a ticket in time order."""
    items: list[dict[str, Any]] = []
    for message in ticket.messages.select_related("author_identity", "author_user", "delivery"):
        items.append({"type": "message", "at": message.occurred_at, "obj": message})
    for note in ticket.notes.select_related("author"):
        items.append({"type": "note", "at": note.created_at, "obj": note})
    items.sort(key=lambda item: (item["at"], item["type"]))
    return items
