"""The ticket panel: per message sentiment, intent, actionability and personal data findings."""

from __future__ import annotations

from typing import Any

from socialcare.accounts.access import check_can_write
from socialcare.channels.connectors.registry import get_adapter
from socialcare.core.errors import PermissionDenied
from socialcare.inbox.models import Direction, Visibility

from .selectors import filter_reasons, masked_text

PANEL_KEY = "intelligence"


def _can_write(user: Any) -> bool:
    try:
        check_can_write(user)
    except PermissionDenied:
        return False
    return True


def ticket_panel_context(request: Any, ticket: Any) -> dict[str, Any]:
    can_hide = "hide" in getattr(get_adapter(ticket.channel_account.kind), "actions", frozenset())
    rows = []
    for message in ticket.messages.filter(direction=Direction.INBOUND).order_by("occurred_at", "id"):
        enrichment = message.enrichment or {}
        if not enrichment:
            continue
        act = enrichment.get("actionable") or {}
        findings = enrichment.get("pii") or []
        rows.append({
            "message": message,
            "language": enrichment.get("language") or {},
            "sentiment": enrichment.get("sentiment") or {},
            "intent": enrichment.get("intent") or {},
            "actionable": act,
            "features": [{"name": n, "weight": w, "towards": "noise" if w < 0 else "attention"}
                         for n, w in act.get("top_features") or []],
            "pii_types": sorted({f["type"] for f in findings}),
            "masked": masked_text(message) if findings else "",
            "public_pii": bool(findings) and message.visibility == Visibility.PUBLIC,
            "can_hide": can_hide and bool(message.external_id),
        })
    reason = filter_reasons([ticket])[ticket.pk] if ticket.is_filtered else None
    return {
        "ticket": ticket,
        "rows": rows,
        "reason": reason,
        "can_write": _can_write(request.user),
        "is_closed": not ticket.is_open,
        "private_available": any(r["public_pii"] for r in rows),
    }
