from __future__ import annotations

import json

import pytest

from socialcare.accounts.models import AgentProfile, ApiToken
from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.channels.models import ChannelAccount
from socialcare.core.models import Brand
from socialcare.demo.corpus import demo_script
from socialcare.demo.loader import PASSWORD, demo_load
from socialcare.inbox.models import Message, Ticket
from tests.helpers import committed

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_complete(client):
    first = demo_load(sandbox_url="http://127.0.0.1:8765")
    second = demo_load(sandbox_url="http://127.0.0.1:8765")
    assert first["api_token"] == second["api_token"]
    assert Brand.objects.count() == 2 and ChannelAccount.objects.filter(kind="sandbox").count() == 4
    assert set(AgentProfile.objects.values_list("user__username", flat=True)) >= {"lead", "anna", "daan", "pia"}
    assert ApiToken.objects.filter(digest=ApiToken.digest_of(first["api_token"])).exists()
    assert client.login(username="anna", password=PASSWORD)
    assert client.get("/api/tickets", HTTP_AUTHORIZATION=f"Bearer {first['api_token']}").status_code == 200


def test_demo_traffic_fills_the_inbox(client):
    credentials = demo_load(sandbox_url="http://127.0.0.1:8765")
    script = demo_script()[:40]
    for item in script:
        hook = credentials["webhooks"][item["account"]]
        event = {**item["event"], "created_at": "2026-11-22T09:00:00Z"}
        body = json.dumps({"events": [event]}).encode()
        with committed():
            response = client.post(hook["url"], data=body, content_type="application/json",
                                   HTTP_X_SANDBOX_SIGNATURE=sign(hook["secret"], body))
        assert response.status_code == 200
    assert Message.objects.count() >= 30  # likes and spam from blocked senders make no message
    assert Ticket.objects.count() >= 15
    client.login(username="lead", password=PASSWORD)
    assert client.get("/").content.decode().count("data-ticket-id") >= 10
