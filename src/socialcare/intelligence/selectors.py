"""Reads of the noise filter: the Filtered view, why a ticket was filtered, measured quality."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from socialcare.accounts.access import tickets_visible_to
from socialcare.inbox.models import OPEN_STATUSES, Direction, Message, Ticket, TicketEvent

from .adaptation import precision_recall_at
from .models import (
    DEFAULT_THRESHOLD,
    BrandFilterSettings,
    FeedbackLabel,
    NoiseFeedback,
    filter_enabled_by_default,
)
from .pii import mask_pii

IMPLICIT_LIMIT = 2000  # most recent replied-to tickets counted as confirmed actionable


def filtered_tickets(*, user: Any, brand_id: int | None = None, q: str = "", reviewed: bool = False) -> QuerySet[Ticket]:
    """Filtered tickets the user may see: waiting for review (open) or, with ``reviewed``, confirmed noise."""
    qs = tickets_visible_to(user).filter(is_filtered=True).select_related("brand", "channel_account", "customer")
    qs = qs.exclude(status__in=OPEN_STATUSES) if reviewed else qs.filter(status__in=OPEN_STATUSES)
    if brand_id is not None:
        qs = qs.filter(brand_id=brand_id)
    if q:
        matching = Message.objects.filter(text__icontains=q).values("ticket_id")
        qs = qs.filter(Q(pk__in=matching) | Q(subject__icontains=q))
    return qs.order_by("-created_at", "-id")


def masked_text(message: Message) -> str:
    return mask_pii(message.text, (message.enrichment or {}).get("pii") or [])


def filter_reasons(tickets: list[Ticket]) -> dict[int, dict[str, Any]]:
    """Per ticket: the judged message (PII masked), its probability and the features that drove it."""
    ids = [t.pk for t in tickets]
    reasons: dict[int, dict[str, Any]] = {}
    for event in TicketEvent.objects.filter(ticket_id__in=ids, kind="ticket.filtered").order_by("created_at", "id"):
        reasons[event.ticket_id] = dict(event.data)
    firsts: dict[int, Message] = {}
    for message in Message.objects.filter(ticket_id__in=ids, direction=Direction.INBOUND).order_by("occurred_at", "id"):
        firsts.setdefault(message.ticket_id, message)
        if reasons.get(message.ticket_id, {}).get("message_id") == message.pk:
            firsts[message.ticket_id] = message
    out = {}
    for ticket_id in ids:
        message = firsts.get(ticket_id)
        reason = reasons.get(ticket_id, {})
        act = ((message.enrichment or {}).get("actionable") or {}) if message else {}
        features = reason.get("top_features") or act.get("top_features") or []
        out[ticket_id] = {
            "message": message,
            "text": masked_text(message) if message else "",
            "probability": reason.get("probability", act.get("probability")),
            "threshold": reason.get("threshold", act.get("threshold")),
            "features": [{"name": name, "weight": weight, "towards": "noise" if weight < 0 else "attention"}
                         for name, weight in features],
        }
    return out


@dataclass
class LabelledExamples:
    probabilities: list[float] = field(default_factory=list)
    labels: list[bool] = field(default_factory=list)
    noise: int = 0
    not_noise: int = 0
    confirmed_by_reply: int = 0

    @property
    def actionable(self) -> int:
        return sum(self.labels)

    @property
    def total(self) -> int:
        return len(self.labels)


def labelled_examples(*, brand_id: int) -> LabelledExamples:
    """What agents told us, with the probability the filter decided on at the time.

    Explicit corrections (the latest per message) plus implicit confirmations: a public mention the
    filter let through and an agent answered was actionable. Using the decision-time probability
    keeps the measurement honest: the adapter has not yet learned from the message it is judged on."""
    out = LabelledExamples()
    latest: dict[int, NoiseFeedback] = {}
    for feedback in NoiseFeedback.objects.filter(brand_id=brand_id).order_by("created_at", "id"):
        latest[feedback.message_id] = feedback
    corrected_tickets = set()
    for feedback in latest.values():
        out.probabilities.append(feedback.probability)
        out.labels.append(feedback.actionable)
        corrected_tickets.add(feedback.ticket_id)
        if feedback.label == FeedbackLabel.NOISE:
            out.noise += 1
        else:
            out.not_noise += 1
    answered = list(
        Ticket.objects.filter(brand_id=brand_id, is_filtered=False, first_response_at__isnull=False)
        .exclude(pk__in=corrected_tickets).order_by("-created_at").values_list("pk", flat=True)[:IMPLICIT_LIMIT]
    )
    if answered:
        from .services import FILTERABLE_KINDS

        first: dict[int, dict[str, Any]] = {}
        for row in (Message.objects.filter(ticket_id__in=answered, direction=Direction.INBOUND)
                    .order_by("occurred_at", "id").values("ticket_id", "kind", "visibility", "enrichment")):
            first.setdefault(row["ticket_id"], row)
        for row in first.values():
            probability = ((row["enrichment"] or {}).get("actionable") or {}).get("probability")
            if probability is None or row["visibility"] != "public" or row["kind"] not in FILTERABLE_KINDS:
                continue
            out.probabilities.append(float(probability))
            out.labels.append(True)
            out.confirmed_by_reply += 1
    return out


def filter_stats(*, brand_id: int) -> dict[str, Any]:
    """The filter's measured quality at the brand's current threshold."""
    from .services import required_actionable_labels

    settings_row = BrandFilterSettings.objects.filter(brand_id=brand_id).first()
    threshold = settings_row.threshold if settings_row is not None else DEFAULT_THRESHOLD
    examples = labelled_examples(brand_id=brand_id)
    precision = recall = filter_precision = None
    if examples.total:
        precision, recall = precision_recall_at(examples.probabilities, examples.labels, threshold)
        filtered = [y for p, y in zip(examples.probabilities, examples.labels, strict=True) if p < threshold]
        filter_precision = (sum(1 for y in filtered if not y) / len(filtered)) if filtered else None
    target = settings_row.target_recall if settings_row is not None else None
    return {
        "brand_id": brand_id,
        "enabled": settings_row.enabled if settings_row is not None else filter_enabled_by_default(),
        "threshold": threshold,
        "target_recall": target,
        "threshold_set_at": settings_row.threshold_set_at if settings_row is not None else None,
        "corrections": examples.noise + examples.not_noise,
        "noise": examples.noise,
        "not_noise": examples.not_noise,
        "confirmed_by_reply": examples.confirmed_by_reply,
        "labelled": examples.total,
        "actionable_labels": examples.actionable,
        "precision": precision,
        "recall": recall,
        "filter_precision": filter_precision,
        "adapter_updates": (settings_row.noise_count + settings_row.not_noise_count) if settings_row else 0,
        "filtered_total": settings_row.filtered_count if settings_row is not None else 0,
        "waiting": Ticket.objects.filter(brand_id=brand_id, is_filtered=True, status__in=OPEN_STATUSES).count(),
        "needed_for_default_target": required_actionable_labels(0.97),
    }
