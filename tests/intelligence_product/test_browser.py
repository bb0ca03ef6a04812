"""In a real browser: a filtered mention is marked "not noise" and shows up in the inbox."""

from __future__ import annotations

import json

import httpx
import pytest

from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.inbox.models import Ticket
from socialcare.intelligence.models import BrandFilterSettings, NoiseFeedback
from tests.browser_support import browser, login, page  # noqa: F401 - fixtures
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory

from .conftest import NOISE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def account(live_server):
    brand = BrandFactory(name="Acme", slug="acme")
    BrandFilterSettings.objects.create(brand=brand, enabled=True)
    account = ChannelAccountFactory(brand=brand, display_name="Acme Sandbox")
    team = TeamFactory(name="Care")
    team.brands.add(brand)
    AgentFactory(user__username="anna").teams.add(team)
    return account


def test_not_noise_moves_a_filtered_mention_to_the_inbox(page, live_server, account):  # noqa: F811
    body = json.dumps({"events": [{"type": "post", "id": "p1", "created_at": "2026-11-20T09:00:00Z",
                                   "author": {"id": "u1", "handle": "mia"}, "text": NOISE}]}).encode()
    response = httpx.post(f"{live_server.url}/hooks/sandbox/{account.pk}", content=body,
                          headers={"X-Sandbox-Signature": sign(account.webhook_secret, body),
                                   "Content-Type": "application/json"})
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.is_filtered
    login(page, live_server, "anna")
    assert page.locator(f"tr[data-ticket-id='{ticket.pk}']").count() == 0  # not in the inbox
    page.click("header nav a:has-text('Filtered')")
    row = page.locator(f"table.filtered tr[data-ticket-id='{ticket.pk}']")
    row.wait_for()
    assert "weather" in row.inner_text()
    row.locator("button[data-feedback=not_noise]").click()
    page.wait_for_selector("text=Nothing filtered matches.")
    ticket.refresh_from_db()
    assert not ticket.is_filtered
    assert NoiseFeedback.objects.get().label == "not_noise"
    page.click("header nav a:has-text('Inbox')")
    page.locator(f"tr[data-ticket-id='{ticket.pk}']").wait_for()
    assert page.console_errors == []
