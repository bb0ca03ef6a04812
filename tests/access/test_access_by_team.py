"""Access by team: every role against every ticket UI and API endpoint, and the management endpoints.

Two brands, each covered by one team. An agent of team A gets 404 for anything of brand B (UI and API),
read-only users cannot write, only admins and supervisors manage rules, routing, calendars and SLAs."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from socialcare.accounts.services import api_token_create
from socialcare.automation.models import Rule
from socialcare.automation.services import rule_save
from socialcare.inbox.models import Ticket
from socialcare.sla.services import calendar_save, policy_save, sla_on_message
from tests.factories import (
    AgentFactory,
    BrandFactory,
    ChannelAccountFactory,
    IdentityFactory,
    MessageFactory,
    TeamFactory,
    TicketFactory,
)

ROLES = ("admin", "supervisor", "agent", "readonly")


class World:
    def __init__(self) -> None:
        self.brand_a = BrandFactory(name="Alpha", slug="alpha")
        self.brand_b = BrandFactory(name="Beta", slug="beta")
        self.team_a = TeamFactory(name="Team A")
        self.team_a.brands.add(self.brand_a)
        self.team_b = TeamFactory(name="Team B")
        self.team_b.brands.add(self.brand_b)
        self.users: dict[str, Any] = {}
        for role in ROLES:
            profile = AgentFactory(user__username=f"{role}_a", role=role)
            profile.teams.add(self.team_a)
            self.users[role] = profile.user
        other = AgentFactory(user__username="agent_b", role="agent")
        other.teams.add(self.team_b)
        self.users["agent_b"] = other.user
        self.tickets: dict[str, Ticket] = {}
        self.messages: dict[str, Any] = {}
        for key, brand in (("a", self.brand_a), ("b", self.brand_b)):
            account = ChannelAccountFactory(brand=brand)
            ticket = TicketFactory(channel_account=account, status="open")
            identity = IdentityFactory(channel_account=account, customer=ticket.customer)
            message = MessageFactory(ticket=ticket, author_identity=identity, text=f"hello {key}")
            self.tickets[key], self.messages[key] = message.ticket, message
        for brand in (self.brand_a, self.brand_b):
            calendar_save(brand_id=brand.pk, timezone_name="Europe/Berlin",
                          weekly_hours={"mon": [["09:00", "17:00"]]})
            policy_save(brand_id=brand.pk, name=f"SLA {brand.slug}", first_response_minutes=60)
        for key in ("a", "b"):
            sla_on_message(ticket=self.tickets[key], message=self.messages[key])
        self.rule_b = rule_save(name="Beta rule", brand_id=self.brand_b.pk, trigger="message.received",
                                actions=[{"type": "add_tag", "value": "beta"}])

    def ui(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client

    def api(self, role: str) -> Client:
        _token, raw = api_token_create(user=self.users[role], name="t")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def world(db) -> World:  # type: ignore[no-untyped-def]
    return World()


def ticket_ui_reads(t: Ticket) -> list[str]:
    return [f"/tickets/{t.pk}/", f"/tickets/{t.pk}/thread/"]


def ticket_ui_writes(t: Ticket, message_id: int) -> list[tuple[str, dict[str, str]]]:
    return [(f"/tickets/{t.pk}/status/", {"status": "pending"}),
            (f"/tickets/{t.pk}/assign/", {"assignee": ""}),
            (f"/tickets/{t.pk}/note/", {"note": "hi"}),
            (f"/tickets/{t.pk}/reply/", {"text": "hi", "visibility": "private"}),
            (f"/tickets/{t.pk}/messages/{message_id}/like/", {}),
            (f"/templates/tickets/{t.pk}/send/", {}),
            (f"/loop/tickets/{t.pk}/move-to-private/", {}),
            (f"/loop/tickets/{t.pk}/close-loop/", {})]


def ticket_api_reads(t: Ticket) -> list[str]:
    return [f"/api/tickets/{t.pk}", f"/api/tickets/{t.pk}/messages", f"/api/sla/tickets/{t.pk}",
            f"/api/rules/runs?ticket_id={t.pk}"]


def ticket_api_writes(t: Ticket) -> list[tuple[str, dict[str, Any]]]:
    return [(f"/api/tickets/{t.pk}/status", {"status": "pending"}),
            (f"/api/tickets/{t.pk}/assign", {"assignee_id": None}),
            (f"/api/tickets/{t.pk}/notes", {"text": "hi"}),
            (f"/api/tickets/{t.pk}/reply", {"text": "hi", "visibility": "private"})]


@pytest.mark.parametrize("role", ["agent", "readonly"])
def test_team_a_gets_404_for_every_ticket_endpoint_of_brand_b(world: World, role: str) -> None:
    ticket, message = world.tickets["b"], world.messages["b"]
    ui, api = world.ui(role), world.api(role)
    for url in ticket_ui_reads(ticket):
        assert ui.get(url).status_code == 404, url
    for url, data in ticket_ui_writes(ticket, message.pk):
        assert ui.post(url, data).status_code == 404, url
    for url in ticket_api_reads(ticket):
        assert api.get(url).status_code == 404, url
    for url, data in ticket_api_writes(ticket):
        assert api.post(url, data, content_type="application/json").status_code == 404, url
    ticket.refresh_from_db()
    assert ticket.status == "open" and not ticket.notes.exists()
    # and the lists do not show it
    assert f'data-ticket-id="{ticket.pk}"' not in ui.get("/?status=").content.decode()
    assert ticket.pk not in [t["id"] for t in api.get("/api/tickets").json()]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_tickets_of_its_own_brand(world: World, role: str) -> None:
    ticket = world.tickets["a"]
    ui, api = world.ui(role), world.api(role)
    for url in ticket_ui_reads(ticket):
        assert ui.get(url).status_code == 200, url
    for url in ticket_api_reads(ticket):
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)
    assert ticket.pk in [t["id"] for t in api.get("/api/tickets").json()]


@pytest.mark.parametrize(("role", "sees_b"), [("admin", True), ("supervisor", True), ("agent", False),
                                              ("readonly", False)])
def test_admins_and_supervisors_see_every_brand(world: World, role: str, sees_b: bool) -> None:
    expected = 200 if sees_b else 404
    assert world.ui(role).get(f"/tickets/{world.tickets['b'].pk}/").status_code == expected
    assert world.api(role).get(f"/api/tickets/{world.tickets['b'].pk}").status_code == expected


def test_readonly_cannot_write_through_ui_or_api(world: World) -> None:
    ticket, message = world.tickets["a"], world.messages["a"]
    ui, api = world.ui("readonly"), world.api("readonly")
    for url, data in ticket_ui_writes(ticket, message.pk):
        status = ui.post(url, data).status_code
        assert status in (403, 422), (url, status)
    for url, data in ticket_api_writes(ticket):
        assert api.post(url, data, content_type="application/json").status_code == 403, url
    ticket.refresh_from_db()
    assert ticket.status == "open" and not ticket.notes.exists() and not ticket.messages.filter(direction="out")
    assert api.put("/api/routing/presence", {"presence": "online"}, content_type="application/json").status_code == 403


def test_agent_of_team_a_writes_own_tickets(world: World) -> None:
    ticket = world.tickets["a"]
    api = world.api("agent")
    assert api.post(f"/api/tickets/{ticket.pk}/notes", {"text": "on it"}, content_type="application/json").status_code == 201
    assert world.ui("agent").post(f"/tickets/{ticket.pk}/status/", {"status": "pending"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "pending"


# --- management endpoints -------------------------------------------------------------------------------------


def rule_payload(brand_id: int) -> dict[str, Any]:
    return {"name": "API rule", "brand_id": brand_id, "trigger": "message.received",
            "conditions": {"op": "all", "conditions": [{"type": "text", "operator": "contains", "value": "x"}]},
            "actions": [{"type": "add_tag", "value": "x"}]}


@pytest.mark.parametrize(("role", "manages"), [("admin", True), ("supervisor", True), ("agent", False),
                                               ("readonly", False)])
def test_management_api_by_role(world: World, role: str, manages: bool) -> None:
    api = world.api(role)
    brand_a = world.brand_a.pk
    write_status = {True: (200, 201), False: (403,)}[manages]
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("post", "/api/rules", rule_payload(brand_a)),
        ("put", f"/api/sla/calendars/{brand_a}", {"timezone": "Europe/Berlin",
                                                    "weekly_hours": {"tue": [["08:00", "16:00"]]}}),
        ("post", "/api/sla/policies", {"brand_id": brand_a, "name": "Fast", "first_response_minutes": 30}),
        ("put", "/api/routing/configs", {"brand_id": brand_a, "strategy": "round_robin"}),
        ("post", "/api/routing/teams", {"name": f"New team {role}", "brand_ids": [brand_a]}),
        ("put", f"/api/routing/agents/{world.users['agent'].pk}/skills",
         {"languages": ["de"], "skills": ["billing"], "capacity": 5}),
        ("put", f"/api/routing/agents/{world.users['agent'].pk}/presence", {"presence": "away"}),
    ]
    for method, url, body in calls:
        response = getattr(api, method)(url, body, content_type="application/json")
        if role == "agent" and url.endswith("/presence"):
            continue  # an agent may not set someone else's presence, but this one is their own: checked below
        assert response.status_code in write_status, (url, response.status_code, response.content)
    # reads are open to every role, scoped to their brands
    for url in ("/api/rules", "/api/rules/types", "/api/sla/policies", "/api/sla/met", "/api/routing/teams",
                "/api/routing/agents", "/api/routing/configs", "/api/routing/queue", f"/api/sla/calendars/{brand_a}"):
        assert api.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["agent", "readonly"])
def test_management_api_hides_other_brands(world: World, role: str) -> None:
    api = world.api(role)
    brand_b = world.brand_b.pk
    assert api.get(f"/api/rules/{world.rule_b.pk}").status_code == 404
    assert api.get(f"/api/sla/calendars/{brand_b}").status_code == 404
    assert world.rule_b.pk not in [r["id"] for r in api.get("/api/rules").json()]
    assert {p["brand_id"] for p in api.get("/api/sla/policies").json()} == {world.brand_a.pk}
    assert [t["name"] for t in api.get("/api/routing/teams").json()] == ["Team A"]
    assert world.users["agent_b"].pk not in [a["user_id"] for a in api.get("/api/routing/agents").json()]
    message_b = world.messages["b"].pk
    assert api.post(f"/api/rules/{world.rule_b.pk}/test", {"message_id": message_b},
                    content_type="application/json").status_code == 404


def test_supervisor_cannot_test_rules_on_invisible_messages_but_agents_of_a_cannot_either(world: World) -> None:
    rule_a = rule_save(name="Alpha rule", brand_id=world.brand_a.pk, trigger="message.received",
                       conditions={"op": "all", "conditions": [{"type": "text", "operator": "contains",
                                                                "value": "hello"}]},
                       actions=[{"type": "add_tag", "value": "a"}])
    agent = world.api("agent")
    ok = agent.post(f"/api/rules/{rule_a.pk}/test", {"message_id": world.messages["a"].pk},
                    content_type="application/json")
    assert ok.status_code == 200 and ok.json()["matched"] is True
    assert agent.post(f"/api/rules/{rule_a.pk}/test", {"message_id": world.messages["b"].pk},
                      content_type="application/json").status_code == 404


def test_agent_sets_own_presence_not_others(world: World) -> None:
    api = world.api("agent")
    assert api.put("/api/routing/presence", {"presence": "online"}, content_type="application/json").json()[
        "presence"] == "online"
    assert api.post("/api/routing/presence/heartbeat").status_code == 200
    other = world.users["readonly"].pk
    assert api.put(f"/api/routing/agents/{other}/presence", {"presence": "away"},
                   content_type="application/json").status_code == 403


@pytest.mark.parametrize(("role", "list_status", "builder_status"), [
    ("admin", 200, 200), ("supervisor", 200, 200), ("agent", 200, 403), ("readonly", 200, 403)])
def test_rules_ui_by_role(world: World, role: str, list_status: int, builder_status: int) -> None:
    ui = world.ui(role)
    assert ui.get("/rules/").status_code == list_status
    assert ui.get("/rules/new/").status_code == builder_status
    rule_b_status = 200 if role in ("admin", "supervisor") else 404
    assert ui.get(f"/rules/{world.rule_b.pk}/").status_code == (rule_b_status if builder_status == 200 else 404)
    assert ui.post(f"/rules/{world.rule_b.pk}/enable/", {"enabled": "1"}).status_code in (
        (302,) if role in ("admin", "supervisor") else (404,))
    assert Rule.objects.get(pk=world.rule_b.pk).is_enabled is (role in ("admin", "supervisor"))


def test_unauthenticated_requests_are_refused(world: World) -> None:
    anonymous = Client()
    assert anonymous.get(f"/tickets/{world.tickets['a'].pk}/").status_code == 302
    assert anonymous.get("/rules/").status_code == 302
    for url in ("/api/tickets", "/api/rules", "/api/sla/policies", "/api/routing/teams"):
        assert anonymous.get(url).status_code == 401
