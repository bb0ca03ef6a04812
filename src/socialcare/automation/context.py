"""What a rule sees: the ticket, the triggering message (if any), its author and enrichment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from django.utils import timezone

from socialcare.crm.models import Identity
from socialcare.inbox.models import Direction, Message, Ticket


@dataclass
class RuleContext:
    ticket: Ticket
    message: Message | None = None
    trigger: str = ""
    changed_fields: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    now: datetime = field(default_factory=timezone.now)
    dry_run: bool = False

    @classmethod
    def for_ticket(cls, ticket: Ticket, *, message: Message | None = None, **kwargs: Any) -> RuleContext:
        if message is None:
            message = (ticket.messages.filter(direction=Direction.INBOUND).select_related("author_identity")
                       .order_by("-occurred_at", "-id").first())
        return cls(ticket=ticket, message=message, **kwargs)

    @cached_property
    def identity(self) -> Identity | None:
        if self.message is not None and self.message.author_identity_id:
            return self.message.author_identity
        return self.ticket.customer.identities.filter(channel_account_id=self.ticket.channel_account_id).first()

    @property
    def enrichment(self) -> dict[str, Any]:
        return dict(self.message.enrichment or {}) if self.message is not None else {}

    def enriched(self, section: str, key: str) -> Any:
        value = self.enrichment.get(section)
        return value.get(key) if isinstance(value, dict) else None

    @cached_property
    def tags(self) -> list[str]:
        return list(self.ticket.tags.values_list("name", flat=True))

    @cached_property
    def brand_open(self) -> bool:
        from socialcare.sla.calendars import brand_is_open

        return brand_is_open(self.ticket.brand_id, self.now)
