"""Routing: round robin, least loaded and skills-first with capacity and presence; the waiting queue
draining when capacity frees up; returning customers; automatic away."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from socialcare.accounts.models import AgentProfile, Team
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Ticket
from socialcare.routing import services
from socialcare.routing.models import QueuedTicket, RoutingConfig
from tests.automation.support import Clock, deliver, sandbox_post
from tests.factories import AgentFactory, TeamFactory
from tests.helpers import committed

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def team(brand) -> Team:  # type: ignore[no-untyped-def]
    team = TeamFactory(name="Care")
    team.brands.add(brand)
    return team


def member(team: Team, name: str, **kw: Any) -> AgentProfile:
    kw.setdefault("presence", "online")
    kw.setdefault("last_seen_at", NOW)
    profile = AgentFactory(user__username=name, **kw)
    profile.teams.add(team)
    return profile


def configure(brand: Any, strategy: str, **kw: Any) -> RoutingConfig:
    return RoutingConfig.objects.create(brand=brand, strategy=strategy, **kw)


def incoming(client: Any, account: Any, author: str, text: str = "help", **kw: Any) -> Ticket:
    deliver(client, account, sandbox_post(text=text, at=NOW, author=author, **kw))
    return Ticket.objects.filter(customer__identities__external_user_id=author).order_by("-id").first()  # type: ignore[return-value]


def assignee(ticket: Ticket) -> str | None:
    ticket.refresh_from_db()
    return ticket.assignee.username if ticket.assignee else None


@pytest.mark.django_db
def test_no_config_means_no_routing(client, sandbox_account, team) -> None:  # type: ignore[no-untyped-def]
    member(team, "ann")
    assert assignee(incoming(client, sandbox_account, "u1")) is None
    assert not QueuedTicket.objects.exists()


@pytest.mark.django_db
def test_round_robin_skips_offline_and_away(client, sandbox_account, team, brand) -> None:  # type: ignore[no-untyped-def]
    configure(brand, "round_robin")
    member(team, "ann")
    member(team, "bob")
    member(team, "cem", presence="away")
    member(team, "dan", presence="offline")
    got = [assignee(incoming(client, sandbox_account, f"u{n}")) for n in range(4)]
    assert got == ["ann", "bob", "ann", "bob"]
    ticket = Ticket.objects.get(customer__identities__external_user_id="u0")
    event = ticket.events.get(kind="routing.assigned")
    assert event.actor == "routing" and event.data["reason"] == "round robin"
    assert ticket.team == team


@pytest.mark.django_db
def test_least_loaded_and_language(client, sandbox_account, team, brand) -> None:  # type: ignore[no-untyped-def]
    configure(brand, "least_loaded", sticky_last_agent=False)
    ann = member(team, "ann", capacity=4)
    member(team, "bob", capacity=4)
    for n in range(2):
        inbox.ticket_assign(ticket=incoming(client, sandbox_account, f"pre{n}"), assignee=ann.user, actor="user:1")
    assert assignee(incoming(client, sandbox_account, "u1")) == "bob"
    assert assignee(incoming(client, sandbox_account, "u2")) == "bob"
    # equal load (2 each): ids decide, ann first
    assert assignee(incoming(client, sandbox_account, "u3")) == "ann"


@pytest.mark.django_db
def test_skills_first_uses_tags_language_and_channel(client, sandbox_account, team, brand) -> None:  # type: ignore[no-untyped-def]
    configure(brand, "skills_first")
    member(team, "generalist")
    member(team, "biller", skills=["billing"])
    ticket = incoming(client, sandbox_account, "u1")
    assert assignee(ticket) == "generalist"  # no skill needed: equal score, ids decide
    inbox.ticket_assign(ticket=ticket, assignee=None, actor="user:1")
    with committed():
        inbox.ticket_tag(ticket=ticket, names=["billing"], actor="user:1")
    assert assignee(ticket) == "biller"


@pytest.mark.django_db
def test_capacity_queue_and_drain_in_priority_then_deadline_order(client, sandbox_account, team, brand,
                                                                  monkeypatch) -> None:  # type: ignore[no-untyped-def]
    Clock(monkeypatch, NOW)
    configure(brand, "least_loaded", sticky_last_agent=False)
    ann = member(team, "ann", capacity=1)
    first = incoming(client, sandbox_account, "u1")
    assert assignee(first) == "ann"
    normal = incoming(client, sandbox_account, "u2")
    urgent = incoming(client, sandbox_account, "u3")
    assert assignee(normal) is None and assignee(urgent) is None
    assert QueuedTicket.objects.count() == 2
    assert normal.events.filter(kind="routing.queued").exists()
    with committed():
        inbox.ticket_set_priority(ticket=urgent, priority=4, actor="user:1")
    assert [e.ticket_id for e in services.queue_ordered()] == [urgent.pk, normal.pk]
    # ann resolves her ticket: capacity frees up, the urgent ticket is assigned at once
    with committed():
        inbox.ticket_set_status(ticket=first, status="resolved", actor=f"user:{ann.user_id}")
    assert assignee(urgent) == "ann"
    assert assignee(normal) is None
    assert list(QueuedTicket.objects.values_list("ticket_id", flat=True)) == [normal.pk]


@pytest.mark.django_db
def test_queue_orders_equal_priority_by_sla_deadline(client, sandbox_account, team, brand, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from socialcare.sla.services import policy_save

    Clock(monkeypatch, NOW)
    policy_save(brand_id=brand.pk, name="public", visibility="public", first_response_minutes=240,
                business_hours=False)
    policy_save(brand_id=brand.pk, name="private", visibility="private", first_response_minutes=30,
                business_hours=False)
    configure(brand, "least_loaded")
    public = incoming(client, sandbox_account, "u1")
    private = incoming(client, sandbox_account, "u2", dm=True)
    assert [e.ticket_id for e in services.queue_ordered()] == [private.pk, public.pk]
    # someone comes online: the queue drains in that order
    with committed():
        services.presence_set(agent=member(team, "ann", presence="offline", capacity=1), presence="online",
                              actor="user:1")
    assert assignee(private) == "ann" and assignee(public) is None


@pytest.mark.django_db
def test_per_channel_capacity(client, sandbox_account, team, brand) -> None:  # type: ignore[no-untyped-def]
    configure(brand, "least_loaded", sticky_last_agent=False)
    member(team, "ann", capacity=10, capacity_per_channel={"sandbox": 1})
    assert assignee(incoming(client, sandbox_account, "u1")) == "ann"
    assert assignee(incoming(client, sandbox_account, "u2")) is None


@pytest.mark.django_db
def test_agents_only_get_channels_they_handle(client, sandbox_account, team, brand) -> None:  # type: ignore[no-untyped-def]
    configure(brand, "round_robin")
    member(team, "x_only", channels=["x"])
    member(team, "sandboxer", channels=["sandbox"])
    assert {assignee(incoming(client, sandbox_account, f"u{n}")) for n in range(3)} == {"sandboxer"}


@pytest.mark.django_db
def test_returning_customer_goes_back_to_last_agent(client, sandbox_account, team, brand) -> None:  # type: ignore[no-untyped-def]
    configure(brand, "round_robin")
    member(team, "ann")
    bob = member(team, "bob")
    first = incoming(client, sandbox_account, "u_regular")
    assert assignee(first) == "ann"
    with committed():
        inbox.ticket_set_status(ticket=first, status="closed", actor="user:1")
    second = incoming(client, sandbox_account, "u_regular", text="me again")
    assert second.pk != first.pk
    assert assignee(second) == "ann"  # round robin would have given bob
    assert "returning customer" in second.events.get(kind="routing.assigned").data["reason"]
    # if the last agent is away, routing falls back to the strategy
    with committed():
        inbox.ticket_set_status(ticket=second, status="closed", actor="user:1")
    AgentProfile.objects.filter(user__username="ann").update(presence="away")
    third = incoming(client, sandbox_account, "u_regular", text="third time")
    assert assignee(third) == bob.user.username


@pytest.mark.django_db
def test_tag_teams_send_tickets_to_the_right_team(client, sandbox_account, team, brand) -> None:  # type: ignore[no-untyped-def]
    billing = TeamFactory(name="Billing")
    billing.brands.add(brand)
    configure(brand, "least_loaded", default_team=team, tag_teams={"invoice": billing.pk})
    member(team, "care_agent")
    member(billing, "bill_agent")
    ticket = incoming(client, sandbox_account, "u1")
    assert assignee(ticket) == "care_agent"
    other = incoming(client, sandbox_account, "u2")
    inbox.ticket_assign(ticket=other, assignee=None, actor="user:1")
    other.team = None
    other.save(update_fields=["team"])
    with committed():
        inbox.ticket_tag(ticket=other, names=["invoice"], actor="user:1")
    assert assignee(other) == "bill_agent"


@pytest.mark.django_db
def test_automatic_away_after_inactivity_and_back_on_activity(team, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, NOW)
    ann = member(team, "ann", last_seen_at=NOW)
    bob = member(team, "bob", last_seen_at=NOW + timedelta(minutes=10))
    clock.advance(minutes=16)
    assert services.presence_auto_away() == [ann.pk]
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert ann.presence == "away" and bob.presence == "online"
    services.presence_touch(agent=ann)
    ann.refresh_from_db()
    assert ann.presence == "online" and ann.last_seen_at == clock.at
    # a manual 'away' is not undone by activity
    services.presence_set(agent=bob, presence="away", actor="user:2")
    services.presence_touch(agent=bob)
    bob.refresh_from_db()
    assert bob.presence == "away"
