"""REST API for business-hours calendars, SLA policies, ticket deadlines and "SLA met %"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from socialcare.accounts.access import access_brand_id, access_ticket, check_can_manage, visible_brand_ids
from socialcare.core.errors import NotFound

from . import selectors, services
from .models import BusinessCalendar, SlaPolicy, TicketSLA

router = Router(tags=["sla"])


class CalendarIn(Schema):
    timezone: str = "Europe/Berlin"
    weekly_hours: dict[str, list[list[str]]] = {}
    holiday_country: str = ""
    holiday_subdivision: str = ""
    closed_days: list[str] = []


class CalendarOut(CalendarIn):
    brand_id: int


class PolicyIn(Schema):
    brand_id: int
    name: str
    channel_kind: str = ""
    visibility: str = ""
    priority: int | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours: bool = True
    warning_minutes: int = 15
    position: int = 100
    is_active: bool = True


class PolicyOut(PolicyIn):
    id: int


class TicketSlaOut(Schema):
    ticket_id: int
    policy_id: int | None
    first_response_due_at: datetime | None
    first_response_done_at: datetime | None
    first_response_breached: bool
    next_response_due_at: datetime | None
    next_response_breached: bool
    resolution_due_at: datetime | None
    resolution_done_at: datetime | None
    resolution_breached: bool
    paused_at: datetime | None
    next_due_at: datetime | None


def _policies(user: Any) -> Any:
    brand_ids = visible_brand_ids(user)
    return SlaPolicy.objects.all() if brand_ids is None else SlaPolicy.objects.filter(brand_id__in=brand_ids)


def _policy(user: Any, policy_id: int) -> SlaPolicy:
    policy = _policies(user).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound("policy not found")
    return policy


@router.get("/calendars/{brand_id}", response=CalendarOut)
def get_calendar(request: HttpRequest, brand_id: int) -> Any:
    access_brand_id(request.user, brand_id)
    row = BusinessCalendar.objects.filter(brand_id=brand_id).first()
    if row is None:
        raise NotFound("this brand has no business hours (it is treated as always open)")
    return row


@router.put("/calendars/{brand_id}", response=CalendarOut)
def put_calendar(request: HttpRequest, brand_id: int, payload: CalendarIn) -> Any:
    access_brand_id(request.user, brand_id)
    check_can_manage(request.user)
    return services.calendar_save(brand_id=brand_id, timezone_name=payload.timezone,
                                  weekly_hours=payload.weekly_hours, country=payload.holiday_country,
                                  subdivision=payload.holiday_subdivision, closed_days=payload.closed_days)


@router.get("/policies", response=list[PolicyOut])
def list_policies(request: HttpRequest) -> Any:
    return list(_policies(request.user))


@router.post("/policies", response={201: PolicyOut})
def create_policy(request: HttpRequest, payload: PolicyIn) -> Any:
    access_brand_id(request.user, payload.brand_id)
    check_can_manage(request.user)
    values = payload.dict()
    return 201, services.policy_save(brand_id=values.pop("brand_id"), **values)


@router.put("/policies/{policy_id}", response=PolicyOut)
def update_policy(request: HttpRequest, policy_id: int, payload: PolicyIn) -> Any:
    policy = _policy(request.user, policy_id)
    access_brand_id(request.user, payload.brand_id)
    check_can_manage(request.user)
    values = payload.dict()
    return services.policy_save(policy=policy, brand_id=values.pop("brand_id"), **values)


@router.delete("/policies/{policy_id}", response={204: None})
def delete_policy(request: HttpRequest, policy_id: int) -> Any:
    policy = _policy(request.user, policy_id)
    check_can_manage(request.user)
    policy.delete()
    return 204, None


@router.get("/met")
def sla_met(request: HttpRequest, metric: str = "", since: datetime | None = None) -> list[dict[str, Any]]:
    """SLA met % per policy (targets met / targets measured), from the append-only outcome table."""
    return selectors.sla_met_by_policy(brand_ids=visible_brand_ids(request.user), since=since, metric=metric)


@router.get("/tickets/{ticket_id}", response=TicketSlaOut)
def ticket_sla(request: HttpRequest, ticket_id: int) -> Any:
    ticket = access_ticket(request.user, ticket_id)
    sla = TicketSLA.objects.filter(ticket=ticket).first()
    if sla is None:
        raise NotFound("no SLA applies to this ticket")
    return sla
