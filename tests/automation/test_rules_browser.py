"""In a real browser: an admin creates a rule in the builder, a matching sandbox message arrives, and
the ticket shows the rule's effect and its explanation ("why did this happen?")."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.channels.connectors.sandbox.server import SandboxServer
from socialcare.inbox.models import Ticket
from tests.browser_support import CHROMIUM_ARGS, chromium_path, login
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# A module-scoped browser of our own (closed when this module ends): importing the shared session-scoped
# fixture into two modules starts Playwright twice, which its sync API refuses.
@pytest.fixture(scope="module")
def rules_browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required for browser tests under CI (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium) - browser tests skipped")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(rules_browser: Any) -> Iterator[Any]:
    context = rules_browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


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
