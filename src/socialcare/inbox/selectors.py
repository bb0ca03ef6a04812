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
    filtered: str = ""  # "" hides tickets the noise filter set aside, "only" shows just those, "all" both
    # enrichment of the ticket's inbound messages (one message must match all that are given)
    language: str = ""  # ISO 639-1 code
    sentiment: str = ""  # negative / neutral / positive
    intent: str = ""  # an intent label, or its value class ("value", "waste")
    has_pii: str = ""  # "yes" / "no"

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
    if filters.filtered == "only":
        qs = qs.filter(is_filtered=True)
    elif filters.filtered != "all":
        qs = qs.filter(is_filtered=False)
    qs = _filter_by_enrichment(qs, filters)
    return qs.order_by("-updated_at", "-id")


def _filter_by_enrichment(qs: QuerySet[Ticket], filters: TicketFilters) -> QuerySet[Ticket]:
    """JSON key lookups that Django translates for SQLite (JSON1) and PostgreSQL (jsonb) alike."""
    wanted = Q()
    if filters.language:
        wanted &= Q(enrichment__language__code=filters.language.lower())
    if filters.sentiment:
        wanted &= Q(enrichment__sentiment__label=filters.sentiment)
    if filters.intent:
        wanted &= Q(enrichment__intent__label=filters.intent) | Q(enrichment__intent__value=filters.intent)
    with_pii = Q(enrichment__has_key="pii") & ~Q(enrichment__pii=[])
    if filters.has_pii == "yes":
        wanted &= with_pii
    if wanted:
        qs = qs.filter(pk__in=Message.objects.filter(wanted, direction="in").values("ticket_id"))
    if filters.has_pii == "no":
        qs = qs.exclude(pk__in=Message.objects.filter(with_pii, direction="in").values("ticket_id"))
    return qs


def ticket_thread(*, ticket: Ticket) -> list[dict[str, Any]]:
    """Messages and internal notes of a ticket in time order."""
    items: list[dict[str, Any]] = []
    for message in ticket.messages.select_related("author_identity", "author_user", "delivery"):
        items.append({"type": "message", "at": message.occurred_at, "obj": message})
    for note in ticket.notes.select_related("author"):
        items.append({"type": "note", "at": note.created_at, "obj": note})
    items.sort(key=lambda item: (item["at"], item["type"]))
    return items
