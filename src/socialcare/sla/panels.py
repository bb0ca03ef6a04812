from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import TicketSLA


def sla_panel(request: Any, ticket: Any) -> dict[str, Any]:
    sla = TicketSLA.objects.select_related("policy").filter(ticket=ticket).first()
    if sla is None:
        return {"sla": None}
    now = timezone.now()
    rows = []
    for metric, label_due, done, breached in (
        ("first_response", sla.first_response_due_at, sla.first_response_done_at, sla.first_response_breached),
        ("next_response", sla.next_response_due_at, None, sla.next_response_breached),
        ("resolution", sla.resolution_due_at, sla.resolution_done_at, sla.resolution_breached),
    ):
        if label_due is None:
            continue
        state = "met" if done and done <= label_due else "breached" if breached or (not done and now > label_due) \
            else "missed" if done else "running"
        rows.append({"metric": metric, "due": label_due, "done": done, "state": state})
    return {"sla": sla, "rows": rows, "paused": sla.paused_at is not None}
