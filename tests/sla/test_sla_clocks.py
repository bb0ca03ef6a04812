"""SLA clocks through the real pipeline: deadlines across DST, a holiday and a weekend; pause and
resume; warnings and breaches (which rules can use as triggers); SLA met % per policy."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from socialcare.automation.models import RuleRun
from socialcare.automation.services import rule_save
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Message, Ticket
from socialcare.sla import selectors, services
from socialcare.sla.models import SlaOutcome, TicketSLA
from tests.automation.support import Clock, deliver, sandbox_post
from tests.helpers import committed

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def setup(brand, sandbox_account):  # type: ignore[no-untyped-def]
    services.calendar_save(brand_id=brand.pk, timezone_name="Europe/Berlin", weekly_hours=OFFICE, country="DE",
                           subdivision="BE")
    policy = services.policy_save(brand_id=brand.pk, name="Standard", first_response_minutes=240,
                                  next_response_minutes=120, resolution_minutes=16 * 60, warning_minutes=30)
    return policy


def _ticket() -> Ticket:
    return Ticket.objects.order_by("-id").first()  # type: ignore[return-value]


@pytest.mark.django_db
def test_first_response_deadline_across_weekend_and_dst(client, monkeypatch, setup, sandbox_account):  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, berlin(2026, 3, 27, 16, 0))  # Friday before the clocks go forward
    deliver(client, sandbox_account, sandbox_post(text="my parcel is lost", at=clock.at))
    sla = TicketSLA.objects.get(ticket=_ticket())
    assert sla.policy == setup
    assert sla.first_response_due_at == berlin(2026, 3, 30, 12, 0)  # Monday 12:00 CEST (= 10:00 UTC)
    assert sla.resolution_due_at == berlin(2026, 3, 31, 16, 0)  # 1 h Friday + 8 h Monday + 7 h Tuesday
    assert sla.next_due_at == sla.first_response_due_at


@pytest.mark.django_db
def test_deadline_skips_public_holidays(client, monkeypatch, setup, sandbox_account):  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, berlin(2026, 4, 2, 16, 0))  # Thursday before Good Friday; Easter Monday follows
    deliver(client, sandbox_account, sandbox_post(text="refund please", at=clock.at))
    assert TicketSLA.objects.get(ticket=_ticket()).first_response_due_at == berlin(2026, 4, 7, 12, 0)


@pytest.mark.django_db
def test_more_specific_policy_wins_and_priority_change_recomputes(client, monkeypatch, setup, sandbox_account):  # type: ignore[no-untyped-def]
    services.policy_save(brand_id=setup.brand_id, name="Urgent", priority=4, first_response_minutes=30,
                         business_hours=False)
    clock = Clock(monkeypatch, berlin(2026, 3, 4, 10, 0))
    deliver(client, sandbox_account, sandbox_post(text="hello", at=clock.at))
    ticket = _ticket()
    assert TicketSLA.objects.get(ticket=ticket).first_response_due_at == berlin(2026, 3, 4, 14, 0)
    with committed():
        inbox.ticket_set_priority(ticket=ticket, priority=4, actor="user:1")
    sla = TicketSLA.objects.get(ticket=ticket)
    assert sla.policy.name == "Urgent"
    assert sla.first_response_due_at == berlin(2026, 3, 4, 10, 30)


@pytest.mark.django_db
def test_clock_pauses_while_pending_and_resumes(client, monkeypatch, setup, sandbox_account):  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, berlin(2026, 3, 4, 10, 0))  # Wednesday
    deliver(client, sandbox_account, sandbox_post(text="where is my order", at=clock.at, event_id="p1"))
    ticket = _ticket()
    assert TicketSLA.objects.get(ticket=ticket).resolution_due_at == berlin(2026, 3, 6, 10, 0)
    clock.set(berlin(2026, 3, 4, 11, 0))
    with committed():
        inbox.ticket_set_status(ticket=ticket, status="pending", actor="user:1")
    sla = TicketSLA.objects.get(ticket=ticket)
    assert sla.paused_at == clock.at and sla.next_due_at is None
    # the customer answers the next morning: 6 business hours (11-17) were spent waiting on them
    clock.set(berlin(2026, 3, 5, 9, 0))
    deliver(client, sandbox_account, sandbox_post(text="order 4711", at=clock.at, in_reply_to="p1"))
    sla = TicketSLA.objects.get(ticket=ticket)
    assert sla.paused_at is None
    assert sla.paused_business_seconds == 6 * 3600
    assert sla.first_response_due_at == berlin(2026, 3, 5, 12, 0)  # 14:00 + 6 business hours
    assert sla.resolution_due_at == berlin(2026, 3, 6, 16, 0)


@pytest.mark.django_db
def test_agent_reply_meets_first_response_and_starts_next_response(client, monkeypatch, setup, sandbox_account,
                                                                    agent):  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, berlin(2026, 3, 4, 10, 0))
    deliver(client, sandbox_account, sandbox_post(text="hi", at=clock.at, event_id="q1"))
    ticket = _ticket()
    clock.advance(hours=1)
    with committed():
        inbox.reply_create(ticket=ticket, user=agent.user, text="Hello!", visibility="public")
    sla = TicketSLA.objects.get(ticket=ticket)
    assert sla.first_response_done_at == clock.at
    outcome = SlaOutcome.objects.get(ticket=ticket, metric="first_response")
    assert outcome.met and outcome.business_seconds == 3600
    clock.advance(minutes=10)
    deliver(client, sandbox_account, sandbox_post(text="thanks, but...", at=clock.at, in_reply_to="q1"))
    assert TicketSLA.objects.get(ticket=ticket).next_response_due_at == berlin(2026, 3, 4, 13, 10)


@pytest.mark.django_db
def test_warning_then_breach_fire_rules_once(client, monkeypatch, setup, sandbox_account):  # type: ignore[no-untyped-def]
    warn_rule = rule_save(name="Warn", trigger="sla.warning", conditions={"op": "all", "conditions": []},
                          actions=[{"type": "add_tag", "value": "sla-soon"}], is_enabled=True)
    breach_rule = rule_save(name="Breach", trigger="sla.breached", trigger_config={"metric": "first_response"},
                            conditions={"op": "all", "conditions": []},
                            actions=[{"type": "set_priority", "value": "urgent"}], is_enabled=True)
    clock = Clock(monkeypatch, berlin(2026, 3, 4, 10, 0))
    deliver(client, sandbox_account, sandbox_post(text="hello?", at=clock.at))
    ticket = _ticket()
    clock.set(berlin(2026, 3, 4, 13, 45))  # 15 minutes before the first-response deadline
    with committed():
        assert services.sla_check() == {"warnings": 1, "breaches": 0}
        assert services.sla_check() == {"warnings": 0, "breaches": 0}
    assert "sla-soon" in set(ticket.tags.values_list("name", flat=True))
    clock.set(berlin(2026, 3, 4, 14, 1))
    with committed():
        assert services.sla_check()["breaches"] == 1
        services.sla_check()
    ticket.refresh_from_db()
    assert ticket.priority == 4
    assert RuleRun.objects.filter(rule=breach_rule).count() == 1
    assert RuleRun.objects.filter(rule=warn_rule).count() == 1
    assert TicketSLA.objects.get(ticket=ticket).first_response_breached
    assert ticket.events.filter(kind="sla.breached").count() == 1


@pytest.mark.django_db
def test_sla_met_percentage_per_policy(client, monkeypatch, setup, sandbox_account, agent):  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, berlin(2026, 3, 4, 9, 0))
    deliver(client, sandbox_account, sandbox_post(text="one", at=clock.at, author="u_one"))
    fast = _ticket()
    deliver(client, sandbox_account, sandbox_post(text="two", at=clock.at, author="u_two"))
    clock.advance(minutes=20)
    with committed():
        inbox.reply_create(ticket=fast, user=agent.user, text="On it!", visibility="public")
    clock.advance(hours=5)
    with committed():
        services.sla_check()
    rows = {r["name"]: r for r in selectors.sla_met_by_policy(metric="first_response")}
    assert rows["Standard"] == {**rows["Standard"], "met": 1, "total": 2, "percent": 50.0}


@pytest.mark.django_db
def test_inbox_can_sort_by_deadline(client, monkeypatch, setup, sandbox_account):  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, berlin(2026, 3, 4, 9, 0))
    deliver(client, sandbox_account, sandbox_post(text="early", at=clock.at, author="u_a"))
    clock.advance(hours=2)
    deliver(client, sandbox_account, sandbox_post(text="later", at=clock.at, author="u_b"))
    Message.objects.update()  # nothing else
    ordered = list(selectors.tickets_with_sla(Ticket.objects.all()))
    assert [t.subject for t in ordered] == ["early", "later"]
    assert ordered[0].sla_due_at == berlin(2026, 3, 4, 13, 0)


@pytest.mark.django_db
def test_invalid_calendar_and_policy_are_refused_with_reasons(brand):  # type: ignore[no-untyped-def]
    from socialcare.core.errors import DomainError

    with pytest.raises(DomainError, match="weekday"):
        services.calendar_save(brand_id=brand.pk, timezone_name="Europe/Berlin", weekly_hours={"funday": []})
    with pytest.raises(DomainError, match="no public holidays"):
        services.calendar_save(brand_id=brand.pk, timezone_name="Europe/Berlin", weekly_hours={}, country="XX")
    with pytest.raises(DomainError, match="at least one target"):
        services.policy_save(brand_id=brand.pk, name="Empty")
