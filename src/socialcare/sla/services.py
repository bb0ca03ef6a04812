"""SLA writes: choosing a policy, starting, pausing, resuming and closing clocks, warnings and breaches.

Every change to a ticket's clocks is also written to the ticket's audit log with actor ``sla``;
warnings and breaches are published as domain events (``sla.warning`` / ``sla.breached``) that
automation rules can use as triggers.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from socialcare.core import events
from socialcare.core.errors import DomainError
from socialcare.inbox.models import Message, Ticket, TicketStatus
from socialcare.inbox.services import ticket_event_record

from . import business_time as bt
from .calendars import calendar_for_brand, calendar_from_row
from .models import BusinessCalendar, Metric, SlaOutcome, SlaPolicy, TicketSLA

logger = logging.getLogger(__name__)
ACTOR = "sla"
METRICS = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION)


# --- calendars and policies ---------------------------------------------------------------------------


@transaction.atomic
def calendar_save(*, brand_id: int, timezone_name: str, weekly_hours: dict[str, Any], country: str = "",
                  subdivision: str = "", closed_days: list[str] | None = None) -> BusinessCalendar:
    row = BusinessCalendar.objects.filter(brand_id=brand_id).first() or BusinessCalendar(brand_id=brand_id)
    row.timezone = timezone_name
    row.weekly_hours = weekly_hours
    row.holiday_country = country.upper()
    row.holiday_subdivision = subdivision.upper()
    row.closed_days = [str(d) for d in closed_days or []]
    calendar_from_row(row)  # validates: raises DomainError with a readable message
    if row.holiday_country:
        try:
            bt.public_holidays(row.holiday_country, row.holiday_subdivision)(date(2000, 1, 1))
        except bt.CalendarError as exc:
            raise DomainError(str(exc), code="invalid_calendar") from exc
    row.save()
    return row


POLICY_FIELDS = ("name", "channel_kind", "visibility", "priority", "first_response_minutes",
                 "next_response_minutes", "resolution_minutes", "business_hours", "warning_minutes",
                 "position", "is_active")


@transaction.atomic
def policy_save(*, brand_id: int, policy: SlaPolicy | None = None, **values: Any) -> SlaPolicy:
    policy = policy or SlaPolicy(brand_id=brand_id)
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise DomainError(f"unknown policy fields: {', '.join(sorted(unknown))}")
    for name, value in values.items():
        setattr(policy, name, value)
    if not (policy.name or "").strip():
        raise DomainError("a policy needs a name")
    if policy.visibility not in ("", "public", "private"):
        raise DomainError("visibility must be empty, 'public' or 'private'")
    if policy.priority is not None and policy.priority not in (1, 2, 3, 4):
        raise DomainError("priority must be 1 (low) to 4 (urgent) or empty")
    targets = (policy.first_response_minutes, policy.next_response_minutes, policy.resolution_minutes)
    if not any(targets):
        raise DomainError("a policy needs at least one target (first response, next response or resolution)")
    policy.brand_id = brand_id
    policy.save()
    return policy


def policy_for(*, ticket: Ticket, visibility: str = "") -> SlaPolicy | None:
    """The most specific active policy matching the ticket's brand, channel, visibility and priority."""
    candidates = SlaPolicy.objects.filter(brand_id=ticket.brand_id, is_active=True).filter(
        Q(channel_kind="") | Q(channel_kind=ticket.channel_account.kind),
        Q(priority=None) | Q(priority=ticket.priority),
        Q(visibility="") | Q(visibility=visibility),
    )

    def specificity(p: SlaPolicy) -> tuple[int, int, int]:
        score = int(bool(p.channel_kind)) + int(bool(p.visibility)) + int(p.priority is not None)
        return (-score, p.position, p.pk)

    ranked = sorted(candidates, key=specificity)
    return ranked[0] if ranked else None


# --- clocks ------------------------------------------------------------------------------------------


def _due(policy: SlaPolicy, cal: bt.Calendar | None, start: datetime, minutes: int | None) -> datetime | None:
    if not minutes:
        return None
    return bt.deadline(cal, start, minutes, business=policy.business_hours)


def _refresh_next_due(sla: TicketSLA) -> None:
    """``next_due_at``: the earliest unmet deadline (for sorting); ``check_at``: when the periodic check
    has something to do (a warning or a breach not yet handled)."""
    if sla.paused_at is not None:
        sla.next_due_at = sla.check_at = None
        return
    warning = timedelta(minutes=sla.policy.warning_minutes if sla.policy else 15)
    checks = [due if f"{metric}@{due.isoformat()}" in sla.warned else due - warning
              for metric, due, _started in _open_targets(sla)]
    sla.check_at = min(checks) if checks else None
    open_dues = []
    if sla.first_response_due_at and not sla.first_response_done_at:
        open_dues.append(sla.first_response_due_at)
    if sla.next_response_due_at:
        open_dues.append(sla.next_response_due_at)
    if sla.resolution_due_at and not sla.resolution_done_at:
        open_dues.append(sla.resolution_due_at)
    sla.next_due_at = min(open_dues) if open_dues else None


def _visibility_of_first_message(ticket: Ticket) -> str:
    first = ticket.messages.filter(direction="in").order_by("occurred_at", "id").first()
    return first.visibility if first else ""


def _record_outcome(sla: TicketSLA, metric: str, started: datetime | None, due: datetime | None,
                    done: datetime | None, cal: bt.Calendar | None) -> None:
    if started is None or due is None:
        return
    met = done is not None and done <= due
    SlaOutcome.objects.create(
        ticket_id=sla.ticket_id, policy_id=sla.policy_id, brand_id=sla.ticket.brand_id, metric=metric,
        started_at=started, due_at=due, done_at=done, met=met,
        wall_seconds=(done - started).total_seconds() if done else None,
        business_seconds=bt.business_seconds(cal, started, done) if done else None,
        recorded_at=timezone.now(),
    )


def _apply_policy(sla: TicketSLA, policy: SlaPolicy | None, cal: bt.Calendar | None) -> None:
    """(Re)compute first-response and resolution deadlines from their start, adding paused time."""
    sla.policy = policy
    if policy is None:
        sla.first_response_due_at = sla.resolution_due_at = None
        return
    extra = sla.paused_business_seconds if policy.business_hours else sla.paused_wall_seconds
    if sla.first_response_started_at and not sla.first_response_done_at:
        due = _due(policy, cal, sla.first_response_started_at, policy.first_response_minutes)
        sla.first_response_due_at = bt.add_business(cal if policy.business_hours else None, due, extra) if due else None
    if sla.resolution_started_at and not sla.resolution_done_at:
        due = _due(policy, cal, sla.resolution_started_at, policy.resolution_minutes)
        sla.resolution_due_at = bt.add_business(cal if policy.business_hours else None, due, extra) if due else None


@transaction.atomic
def sla_on_message(*, ticket: Ticket, message: Message) -> TicketSLA:
    """A customer message: start the first-response/resolution clocks, or a next-response clock."""
    sla, _ = TicketSLA.objects.select_for_update().get_or_create(ticket=ticket)
    sla.ticket = ticket
    cal = calendar_for_brand(ticket.brand_id)
    if sla.paused_at is not None and ticket.status != TicketStatus.PENDING:
        _resume(sla, cal)
    if sla.first_response_started_at is None:
        sla.first_response_started_at = message.occurred_at
        sla.resolution_started_at = message.occurred_at
        _apply_policy(sla, policy_for(ticket=ticket, visibility=message.visibility), cal)
        ticket_event_record(ticket=ticket, kind="sla.started", actor=ACTOR,
                            data={"policy_id": sla.policy_id,
                                  "first_response_due_at": _iso(sla.first_response_due_at),
                                  "resolution_due_at": _iso(sla.resolution_due_at)})
    else:
        if sla.resolution_done_at is not None and ticket.is_open:  # reopened: a new resolution clock
            sla.resolution_started_at, sla.resolution_done_at = message.occurred_at, None
            sla.resolution_breached = False
            _apply_policy(sla, sla.policy, cal)
        policy = sla.policy
        if (policy and policy.next_response_minutes and sla.first_response_done_at
                and sla.next_response_due_at is None):
            sla.next_response_started_at = message.occurred_at
            sla.next_response_due_at = _due(policy, cal, message.occurred_at, policy.next_response_minutes)
            sla.next_response_breached = False
    _refresh_next_due(sla)
    sla.save()
    return sla


@transaction.atomic
def sla_on_reply(*, ticket: Ticket, message: Message) -> TicketSLA | None:
    """An agent's reply was published: first response and next response are met (automatic messages
    do not count)."""
    if message.metrics.get("automated"):
        return None
    sla = TicketSLA.objects.select_for_update().filter(ticket=ticket).first()
    if sla is None:
        return None
    sla.ticket = ticket
    cal = calendar_for_brand(ticket.brand_id)
    done = timezone.now()
    if sla.first_response_started_at and sla.first_response_done_at is None:
        sla.first_response_done_at = done
        if not sla.first_response_breached:
            _record_outcome(sla, Metric.FIRST_RESPONSE, sla.first_response_started_at,
                            sla.first_response_due_at, done, cal)
    if sla.next_response_due_at is not None:
        if not sla.next_response_breached:
            _record_outcome(sla, Metric.NEXT_RESPONSE, sla.next_response_started_at, sla.next_response_due_at,
                            done, cal)
        sla.next_response_started_at = sla.next_response_due_at = None
        sla.next_response_breached = False
    _refresh_next_due(sla)
    sla.save()
    return sla


def _resume(sla: TicketSLA, cal: bt.Calendar | None) -> None:
    now = timezone.now()
    paused_at = sla.paused_at
    assert paused_at is not None
    business = bt.business_seconds(cal, paused_at, now)
    wall = (now - paused_at).total_seconds()
    sla.paused_business_seconds += business
    sla.paused_wall_seconds += wall
    use_business = sla.policy.business_hours if sla.policy else False
    shift = business if use_business else wall
    clock = cal if use_business else None
    for name in ("first_response_due_at", "next_response_due_at", "resolution_due_at"):
        due = getattr(sla, name)
        if due is not None:
            setattr(sla, name, bt.add_business(clock, due, shift) if shift else due)
    sla.paused_at = None
    ticket_event_record(ticket=sla.ticket, kind="sla.resumed", actor=ACTOR,
                        data={"paused_seconds": wall, "paused_business_seconds": business})


@transaction.atomic
def sla_on_ticket_changed(*, ticket: Ticket, fields: list[str]) -> TicketSLA | None:
    sla = TicketSLA.objects.select_for_update().filter(ticket=ticket).first()
    if sla is None:
        return None
    sla.ticket = ticket
    cal = calendar_for_brand(ticket.brand_id)
    now = timezone.now()
    if "status" in fields:
        if ticket.status == TicketStatus.PENDING and sla.paused_at is None:
            sla.paused_at = now
            ticket_event_record(ticket=ticket, kind="sla.paused", actor=ACTOR, data={})
        elif ticket.status != TicketStatus.PENDING and sla.paused_at is not None:
            _resume(sla, cal)
        if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and sla.resolution_done_at is None:
            sla.resolution_done_at = now
            if sla.resolution_due_at and not sla.resolution_breached:
                _record_outcome(sla, Metric.RESOLUTION, sla.resolution_started_at, sla.resolution_due_at, now, cal)
            sla.next_response_started_at = sla.next_response_due_at = None
    if "priority" in fields:
        policy = policy_for(ticket=ticket, visibility=_visibility_of_first_message(ticket))
        if policy != sla.policy:
            _apply_policy(sla, policy, cal)
            ticket_event_record(ticket=ticket, kind="sla.policy_changed", actor=ACTOR,
                                data={"policy_id": sla.policy_id,
                                      "first_response_due_at": _iso(sla.first_response_due_at),
                                      "resolution_due_at": _iso(sla.resolution_due_at)})
    _refresh_next_due(sla)
    sla.save()
    return sla


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- warnings and breaches (periodic) --------------------------------------------------------------------


def _open_targets(sla: TicketSLA) -> list[tuple[str, datetime, datetime | None]]:
    targets: list[tuple[str, datetime, datetime | None]] = []
    if sla.first_response_due_at and not sla.first_response_done_at and not sla.first_response_breached:
        targets.append((Metric.FIRST_RESPONSE, sla.first_response_due_at, sla.first_response_started_at))
    if sla.next_response_due_at and not sla.next_response_breached:
        targets.append((Metric.NEXT_RESPONSE, sla.next_response_due_at, sla.next_response_started_at))
    if sla.resolution_due_at and not sla.resolution_done_at and not sla.resolution_breached:
        targets.append((Metric.RESOLUTION, sla.resolution_due_at, sla.resolution_started_at))
    return targets


def sla_check(*, now: datetime | None = None, limit: int = 2000) -> dict[str, int]:
    """Warn before and mark at breach; each warning and breach happens once per deadline."""
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0}
    ids = list(TicketSLA.objects.filter(check_at__lte=now, paused_at__isnull=True)
               .order_by("check_at").values_list("pk", flat=True)[:limit])
    for pk in ids:
        with transaction.atomic():
            sla = TicketSLA.objects.select_for_update(of=("self",)).select_related("ticket", "policy").filter(pk=pk).first()
            if sla is None or sla.paused_at is not None:
                continue
            changed = False
            warning = timedelta(minutes=sla.policy.warning_minutes if sla.policy else 15)
            cal = None
            for metric, due, started in _open_targets(sla):
                key = f"{metric}@{due.isoformat()}"
                if now >= due:
                    setattr(sla, f"{metric}_breached", True)
                    cal = cal or calendar_for_brand(sla.ticket.brand_id)
                    _record_outcome(sla, metric, started, due, None, cal)
                    ticket_event_record(ticket=sla.ticket, kind="sla.breached", actor=ACTOR,
                                        data={"metric": metric, "due_at": due.isoformat()})
                    events.publish("sla.breached", {"ticket_id": sla.ticket_id, "metric": metric,
                                                    "due_at": due.isoformat(), "actor": ACTOR})
                    counts["breaches"] += 1
                    changed = True
                elif now >= due - warning and key not in sla.warned:
                    sla.warned = [*sla.warned, key]
                    ticket_event_record(ticket=sla.ticket, kind="sla.warning", actor=ACTOR,
                                        data={"metric": metric, "due_at": due.isoformat()})
                    events.publish("sla.warning", {"ticket_id": sla.ticket_id, "metric": metric,
                                                   "due_at": due.isoformat(), "actor": ACTOR})
                    counts["warnings"] += 1
                    changed = True
            if changed:
                _refresh_next_due(sla)
                sla.save()
    if counts["breaches"] or counts["warnings"]:
        logger.info("sla.checked", extra=counts)
    return counts
