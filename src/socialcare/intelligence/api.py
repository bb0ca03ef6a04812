"""REST endpoints of the noise filter (attached at /api/intelligence)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from socialcare.accounts.access import access_brand_id, access_ticket, check_can_manage, check_can_write
from socialcare.api.schemas import ErrorOut
from socialcare.core.errors import DomainError

from . import selectors, services

router = Router(tags=["intelligence"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class FeatureOut(Schema):
    name: str
    weight: float
    towards: str


class FilteredTicketOut(Schema):
    id: int
    brand_id: int
    channel_account_id: int
    status: str
    subject: str
    text: str  # the judged message, personal data masked
    probability: float | None
    threshold: float | None
    features: list[FeatureOut]
    created_at: datetime


class FeedbackIn(Schema):
    label: Literal["noise", "not_noise"]


class FeedbackOut(Schema):
    id: int
    ticket_id: int
    message_id: int
    label: str
    probability: float
    probability_before_update: float | None
    was_filtered: bool
    created_at: datetime
    ticket_status: str
    ticket_is_filtered: bool


class FilterStatsOut(Schema):
    brand_id: int
    enabled: bool
    threshold: float
    target_recall: float | None
    threshold_set_at: datetime | None
    corrections: int
    noise: int
    not_noise: int
    confirmed_by_reply: int
    labelled: int
    actionable_labels: int
    precision: float | None
    recall: float | None
    filter_precision: float | None
    filtered_total: int
    waiting: int


class TargetRecallIn(Schema):
    target_recall: float


@router.get("/filtered", response={200: list[FilteredTicketOut], **ERRORS})
def list_filtered(request: HttpRequest, brand: int | None = None, q: str = "", reviewed: bool = False,  # type: ignore[no-untyped-def]
                  limit: int = 50, offset: int = 0):
    if not 1 <= limit <= 500 or offset < 0:
        raise DomainError("limit must be between 1 and 500 and offset must not be negative")
    if brand is not None:
        access_brand_id(request.user, brand)
    tickets = list(selectors.filtered_tickets(user=request.user, brand_id=brand, q=q.strip(),
                                              reviewed=reviewed)[offset:offset + limit])
    reasons = selectors.filter_reasons(tickets)
    return [{"id": t.pk, "brand_id": t.brand_id, "channel_account_id": t.channel_account_id, "status": t.status,
             "subject": t.subject, "created_at": t.created_at, **{k: reasons[t.pk][k] for k in
                                                                  ("text", "probability", "threshold", "features")}}
            for t in tickets]


@router.post("/tickets/{ticket_id}/feedback", response={201: FeedbackOut, **ERRORS})
def post_feedback(request: HttpRequest, ticket_id: int, payload: FeedbackIn):  # type: ignore[no-untyped-def]
    ticket = access_ticket(request.user, ticket_id)
    check_can_write(request.user)
    feedback = services.feedback_record(ticket=ticket, label=payload.label, user=request.user)
    ticket.refresh_from_db()
    return Status(201, {
        "id": feedback.pk, "ticket_id": ticket.pk, "message_id": feedback.message_id, "label": feedback.label,
        "probability": feedback.probability, "probability_before_update": feedback.probability_before_update,
        "was_filtered": feedback.was_filtered, "created_at": feedback.created_at, "ticket_status": ticket.status,
        "ticket_is_filtered": ticket.is_filtered,
    })


@router.get("/brands/{brand_id}/filter", response={200: FilterStatsOut, **ERRORS})
def get_filter(request: HttpRequest, brand_id: int):  # type: ignore[no-untyped-def]
    access_brand_id(request.user, brand_id)
    return selectors.filter_stats(brand_id=brand_id)


@router.post("/brands/{brand_id}/filter/target-recall", response={200: FilterStatsOut, **ERRORS})
def set_target_recall(request: HttpRequest, brand_id: int, payload: TargetRecallIn):  # type: ignore[no-untyped-def]
    access_brand_id(request.user, brand_id)
    check_can_manage(request.user)
    services.threshold_set_for_target_recall(brand_id=brand_id, target_recall=payload.target_recall,
                                             user=request.user)
    return selectors.filter_stats(brand_id=brand_id)
