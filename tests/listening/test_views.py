"""Streams page, hits view with one-click tickets, Channels health page, access, and the /api/streams API."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from socialcare.accounts.services import api_token_create
from socialcare.channels.connectors.bluesky.emulator import BlueskyEmulator
from socialcare.channels.connectors.mastodon.emulator import MastodonEmulator
from socialcare.inbox.models import Message
from socialcare.listening import pollers, services
from socialcare.listening.models import Stream, StreamHit
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory
from tests.helpers import committed
from tests.listening.test_pollers import BSKY, MASTO

pytestmark = pytest.mark.django_db


def hit_payload(uri: str, text: str) -> bytes:
    post = {"uri": uri, "cid": "bafy", "author": {"did": "did:plc:mia", "handle": "mia.bsky.social"},
            "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-20T12:30:00.000Z"},
            "indexedAt": "2026-11-20T12:30:00.500Z"}
    return json.dumps({"posts": [post]}).encode()


@pytest.fixture
def stream(brand):  # type: ignore[no-untyped-def]
    account = ChannelAccountFactory(brand=brand, display_name="Acme Bluesky", **BSKY)
    stream = Stream.objects.create(brand=brand, name="Router talk", platform="bluesky", channel_account=account,
                                   keywords=["router"], cost_per_post=Decimal("0.005"), monthly_cap=Decimal("5"))
    services.hits_record(stream, [services.Hit(external_id="at://did:plc:mia/app.bsky.feed.post/1",
                                               payload=hit_payload("at://did:plc:mia/app.bsky.feed.post/1",
                                                                   "my router died"),
                                               text="my router died", author_handle="mia.bsky.social")])
    return stream


def test_streams_page_shows_cost_meter_and_status(client, agent, stream) -> None:  # type: ignore[no-untyped-def]
    client.force_login(agent.user)
    page = client.get("/streams/").content.decode()
    assert "Router talk" in page and "$0.01" in page and "$5.00" in page
    assert "1 posts read" in page and "Running" in page
    assert 'href="/streams/"' in client.get("/").content.decode()  # nav link registered


def test_create_ticket_button_converts_hit_through_pipeline(client, agent, stream) -> None:  # type: ignore[no-untyped-def]
    client.force_login(agent.user)
    hit = StreamHit.objects.get()
    page = client.get(f"/streams/{stream.pk}/hits/").content.decode()
    assert "my router died" in page and "Create ticket" in page
    with committed():
        response = client.post(f"/streams/hits/{hit.pk}/convert/")
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.text == "my router died" and message.channel_account_id == stream.channel_account_id
    page = client.get(f"/streams/{stream.pk}/hits/?status=ticketed").content.decode()
    assert f"/tickets/{message.ticket_id}/" in page


def test_other_brands_streams_are_invisible(client, stream) -> None:  # type: ignore[no-untyped-def]
    other = AgentFactory(user__username="olaf")
    team = TeamFactory(name="Other")
    team.brands.add(BrandFactory(name="Other", slug="other"))
    other.teams.add(team)
    client.force_login(other.user)
    assert "Router talk" not in client.get("/streams/").content.decode()
    assert client.get(f"/streams/{stream.pk}/hits/").status_code == 404
    assert client.post(f"/streams/hits/{StreamHit.objects.get().pk}/convert/").status_code == 404
    assert "Acme Bluesky" not in client.get("/streams/channels/").content.decode()


def test_health_page_warns_for_failing_account_only(client, agent, brand) -> None:  # type: ignore[no-untyped-def]
    with MastodonEmulator() as emulator:
        healthy = ChannelAccountFactory(brand=brand, display_name="Healthy Masto", api_base_url=emulator.url,
                                        external_id=emulator.state.brand_id, **MASTO)
        failing = ChannelAccountFactory(brand=brand, display_name="Broken Masto", api_base_url=emulator.url,
                                        **{**MASTO, "credentials": {"access_token": "revoked"}})
        with committed():
            pollers.poll_account(healthy)
            pollers.poll_account(failing)
    expiring = ChannelAccountFactory(brand=brand, display_name="Expiring", kind="sandbox",
                                     token_expires_at=timezone.now() + timedelta(hours=5))
    client.force_login(agent.user)
    page = client.get("/streams/channels/").content.decode()
    rows = {pk: page.split(f'data-account-id="{pk}"')[1].split("</tr>")[0]
            for pk in (healthy.pk, failing.pk, expiring.pk)}
    assert "warning-badge" not in rows[healthy.pk] and "Healthy" in rows[healthy.pk]
    assert "calls left" in rows[healthy.pk]
    assert "warning-badge" in rows[failing.pk] and "Last handshake failed" in rows[failing.pk]
    assert "401" in rows[failing.pk]
    assert "Token expires soon" in rows[expiring.pk]


def test_api_streams(client, agent, brand) -> None:  # type: ignore[no-untyped-def]
    token = api_token_create(user=agent.user, name="t")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with BlueskyEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **BSKY)
        response = client.post("/api/streams", content_type="application/json", data={
            "name": "API stream", "channel_account_id": account.pk, "keywords": ["router"], "mode": "review"}, **auth)
        assert response.status_code == 201, response.content
        created = response.json()
        assert created["platform"] == "bluesky" and created["usage"]["posts_read"] == 0
        emulator.add_post(author_did="did:plc:mia", text="router broken")
        with committed():
            pollers.poll_stream(Stream.objects.get(pk=created["id"]))
    hits = client.get(f"/api/streams/{created['id']}/hits", **auth).json()
    assert [h["text"] for h in hits] == ["router broken"]
    with committed():
        converted = client.post(f"/api/streams/{created['id']}/hits/{hits[0]['id']}/convert", **auth).json()
    assert converted["status"] == "ticketed"  # the ticket is made after commit, by the pipeline task
    again = client.get(f"/api/streams/{created['id']}/hits?status=ticketed", **auth).json()
    assert again[0]["ticket_id"] == Message.objects.get().ticket_id
    patched = client.patch(f"/api/streams/{created['id']}", content_type="application/json",
                           data={"paused": True}, **auth).json()
    assert patched["paused_reason"]
    bad = client.post("/api/streams", content_type="application/json",
                      data={"name": "x", "channel_account_id": account.pk}, **auth)
    assert bad.status_code == 400
    health = client.get("/api/streams/health", **auth).json()
    assert health[0]["id"] == account.pk and "warnings" in health[0]
