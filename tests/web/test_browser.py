"""End-to-end in a real browser: live inbox, reply delivered to the sandbox, untrusted text stays text."""

from __future__ import annotations

import json

import httpx
import pytest

from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.channels.connectors.sandbox.server import SandboxServer
from tests.browser_support import login
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(live_server):
    server = SandboxServer(api_token="sandbox-token").start()
    brand = BrandFactory(name="Acme", slug="acme")
    account = ChannelAccountFactory(brand=brand, api_base_url=server.url, display_name="Acme Sandbox")
    team = TeamFactory(name="Care")
    team.brands.add(brand)
    AgentFactory(user__username="anna").teams.add(team)
    yield account, server
    server.stop()


def deliver(live_server, account, events):
    body = json.dumps({"events": events}).encode()
    response = httpx.post(f"{live_server.url}/hooks/sandbox/{account.pk}", content=body,
                          headers={"X-Sandbox-Signature": sign(account.webhook_secret, body),
                                   "Content-Type": "application/json"})
    assert response.status_code == 200, response.text


def test_ticket_arrives_live_and_reply_reaches_the_sandbox(page, live_server, setup):
    account, server = setup
    login(page, live_server, "anna")
    page.wait_for_selector("#live-dot.on")  # the live connection is up
    assert page.locator("table.tickets tbody tr[data-ticket-id]").count() == 0
    deliver(live_server, account, [{"type": "post", "id": "p1", "created_at": "2026-11-20T09:00:00Z",
                                    "author": {"id": "u1", "handle": "mia"}, "text": "@acme my order never came"}])
    row = page.locator("tr[data-ticket-id]", has_text="my order never came")
    row.wait_for(timeout=4000)  # no reload: pushed by server-sent events
    row.locator("a").first.click()
    page.wait_for_selector("#reply-form")
    page.fill("textarea[name=text]", "So sorry, Mia! We are checking with the courier.")
    assert page.inner_text("#reply-counter") == "48 / 500"
    page.click("#reply-form button[type=submit]")
    page.wait_for_selector(".error[role=alert]")  # public posts need the confirmation tick
    assert "cannot be edited" in page.inner_text(".error[role=alert]")
    page.check("input[name=confirm_public]")
    page.click("#reply-form button[type=submit]")
    page.locator(".msg-out .delivery-sent").wait_for(timeout=5000)
    published = httpx.get(f"{server.url}/api/v1/messages").json()["messages"]
    assert [(m["text"], m["in_reply_to"]) for m in published] == [
        ("So sorry, Mia! We are checking with the courier.", "p1")
    ]
    assert page.console_errors == []


def test_hostile_text_is_shown_as_plain_text_and_never_executed(page, live_server, setup):
    account, _server = setup
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile = ('<script>window.__pwned = 1; alert("xss")</script> and '
               '<img src=x onerror="window.__pwned = 2; alert(document.cookie)"> https://evil.example/x')
    login(page, live_server, "anna")
    deliver(live_server, account, [{"type": "post", "id": "x1", "created_at": "2026-11-20T09:00:00Z",
                                    "author": {"id": "u6", "handle": "<b>mallory</b>"}, "text": hostile}])
    page.reload()
    row = page.locator("tr[data-ticket-id]").first
    row.wait_for()
    assert "<script>" in row.inner_text()  # shown as text in the inbox
    row.locator("a").first.click()
    page.wait_for_selector(".msg-in .text")
    assert page.inner_text(".msg-in .text") == hostile
    assert page.locator(".msg-in img").count() == 0 and page.locator("main script").count() == 0
    assert page.locator("a[href^='https://evil']").count() == 0  # links are shown, never made clickable
    assert "<b>mallory</b>" in page.inner_text(".msg-in .meta")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
