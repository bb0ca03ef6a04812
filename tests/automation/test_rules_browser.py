"""In a real browser: an admin creates a rule in the builder, a matching sandbox message arrives, and
the ticket shows the rule's effect and its explanation ("why did this happen?")."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.channels.connectors.sandbox.server import SandboxServer
from socialcare.inbox.models import Ticket
from tests.browser_support import login
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# `browser` and `page` come from tests/browser_support.py (a pytest plugin with one shared Chromium).


@pytest.fixture
def setup(live_server: Any) -> Any:
    server = SandboxServer(api_token="sandbox-token").start()
    brand = BrandFactory(name="Acme", slug="acme")
    account = ChannelAccountFactory(brand=brand, api_base_url=server.url, display_name="Acme Sandbox")
    team = TeamFactory(name="Care")
    team.brands.add(brand)
    AgentFactory(user__username="boss", role="admin").teams.add(team)
    yield account
    server.stop()


def test_rule_created_in_the_ui_fires_and_explains_itself(page: Any, live_server: Any, setup: Any) -> None:
    account = setup
    login(page, live_server, "boss")
    page.click("text=Rules")
    page.click("#new-rule")
    page.fill("input[name=name]", "Refund requests")
    page.select_option("select[name=trigger]", "message.received")
    page.select_option("select[name='cond-0-type']", "text")
    page.select_option("select[name='cond-0-operator']", "contains")
    page.fill("input[name='cond-0-value']", "refund, money back")
    page.select_option("select[name='act-0-type']", "add_tag")
    page.fill("input[name='act-0-value']", "refund")
    page.select_option("select[name='act-1-type']", "add_note")
    page.fill("input[name='act-1-value']", "Refund checklist: order id, payment method.")
    page.check("input[name=is_enabled]")
    page.click("#save-rule")
    page.wait_for_selector("#rule-state")
    assert page.inner_text("#rule-state") == "This rule is enabled."

    body = json.dumps({"events": [{"type": "post", "id": "p1", "created_at": "2026-11-20T09:00:00Z",
                                   "author": {"id": "u1", "handle": "mia"},
                                   "text": "@acme I want my money back!"}]}).encode()
    response = httpx.post(f"{live_server.url}/hooks/sandbox/{account.pk}", content=body,
                          headers={"X-Sandbox-Signature": sign(account.webhook_secret, body),
                                   "Content-Type": "application/json"})
    assert response.status_code == 200

    ticket = Ticket.objects.get()
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    # the effect: the internal note is in the thread
    page.get_by_text("Refund checklist: order id, payment method.").first.wait_for()
    # the explanation: which rule, which conditions held, what it did
    panel = page.locator(".rule-run")
    assert "Refund requests" in panel.inner_text()
    assert "Message text contains any of refund, money back" in panel.inner_text()
    assert "tagged refund" in panel.inner_text()
    assert page.console_errors == []  # type: ignore[attr-defined]
