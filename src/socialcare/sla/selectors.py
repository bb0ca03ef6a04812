"""SLA reads: deadlines for the inbox, "SLA met %" per policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from socialcare.inbox.models import Ticket

from .models import SlaOutcome, SlaPolicy


def tickets_with_sla(qs: QuerySet[Ticket], *, order: bool = True) -> QuerySet[Ticket]:
    """Annotate ``sla_due_at`` (earliest unmet deadline; None when paused or none) and, with
    ``order``, sort most urgent first (tickets without a deadline last, then by last update).

    For the inbox: ``tickets_with_sla(ticket_list(user=..., filters=...))`` and show ``ticket.sla_due_at``."""
    qs = qs.annotate(sla_due_at=F("sla__next_due_at"))
    if order:
        qs = qs.order_by(F("sla_due_at").asc(nulls_last=True), "-updated_at", "-id")
    return qs


def sla_met_by_policy(*, brand_ids: list[int] | None = None, since: datetime | None = None,
                      metric: str = "") -> list[dict[str, Any]]:
    """Per policy: targets met, total and the percentage (None when nothing was measured)."""
    outcomes = SlaOutcome.objects.all()
    if brand_ids is not None:
        outcomes = outcomes.filter(brand_id__in=brand_ids)
    if since is not None:
        outcomes = outcomes.filter(recorded_at__gte=since)
    if metric:
        outcomes = outcomes.filter(metric=metric)
    rows = {r["policy_id"]: r for r in outcomes.values("policy_id").annotate(
        total=Count("id"), met=Count("id", filter=Q(met=True)))}
    policies = SlaPolicy.objects.all() if brand_ids is None else SlaPolicy.objects.filter(brand_id__in=brand_ids)
    result = []
    for policy in policies.order_by("brand_id", "position", "id"):
        row = rows.get(policy.pk, {"total": 0, "met": 0})
        total, met = int(row["total"]), int(row["met"])
        result.append({"policy_id": policy.pk, "name": policy.name, "brand_id": policy.brand_id,
                       "met": met, "total": total,
                       "percent": round(100.0 * met / total, 1) if total else None})
    return result
