"""Inbox filters by enrichment (SQLite JSON lookups; the same ORM lookups run on PostgreSQL) and the
ticket panel with sentiment, intent, actionability and personal data."""

from __future__ import annotations

import pytest

from socialcare.inbox.models import Message, Ticket
from socialcare.inbox.selectors import TicketFilters, ticket_list
from tests.channels.sandbox_helpers import deliver, post_event

from .conftest import api

pytestmark = pytest.mark.django_db

GERMAN = "Mein Paket ist seit zwei Wochen nicht angekommen, das ist wirklich ärgerlich"
PHONE = "@acme please call me back on +49 171 1234567, my bike arrived broken"
PRAISE = "@acme thank you so much, the new bike is wonderful and the service was great"


@pytest.fixture
def tickets(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("de", GERMAN, author="u1"), post_event("ph", PHONE, author="u2"),
                                      post_event("pr", PRAISE, author="u3")])
    return {m.external_id: m.ticket for m in Message.objects.select_related("ticket")}


def ids(user, **filters):
    return {t.pk for t in ticket_list(user=user, filters=TicketFilters(**filters))}


def test_inbox_filters_by_enrichment(tickets, agent):
    enrichment = {m.external_id: m.enrichment for m in Message.objects.all()}
    user = agent.user
    assert ids(user, language="de") == {tickets["de"].pk}
    assert ids(user, has_pii="yes") == {tickets["ph"].pk}
    assert ids(user, has_pii="no") == {tickets["de"].pk, tickets["pr"].pk}
    label = enrichment["pr"]["sentiment"]["label"]
    assert tickets["pr"].pk in ids(user, sentiment=label)
    assert ids(user, sentiment=label) == {t.pk for k, t in tickets.items() if enrichment[k]["sentiment"]["label"] == label}
    intent = enrichment["ph"]["intent"]
    assert tickets["ph"].pk in ids(user, intent=intent["label"]) and tickets["ph"].pk in ids(user, intent=intent["value"])
    assert ids(user, language="de", has_pii="yes") == set()
    assert ids(user, language="xx") == set()


def test_api_and_inbox_page_filter_by_enrichment(client, tickets, agent, token):
    assert [r["id"] for r in api(client, "get", "/tickets?has_pii=yes", token).json()] == [tickets["ph"].pk]
    assert [r["id"] for r in api(client, "get", "/tickets?language=de", token).json()] == [tickets["de"].pk]
    client.force_login(agent.user)
    page = client.get("/?language=de").content.decode()
    assert f'data-ticket-id="{tickets["de"].pk}"' in page and f'data-ticket-id="{tickets["ph"].pk}"' not in page
    assert 'name="sentiment"' in page and 'name="has_pii"' in page and '<option value="de" selected>' in page


def test_ticket_panel_shows_insights_and_suggests_private(client, tickets, agent):
    client.force_login(agent.user)
    ticket = tickets["ph"]
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Message insights" in page
    message = ticket.messages.get()
    assert message.enrichment["intent"]["label"] in page and message.enrichment["sentiment"]["label"] in page
    assert "move the conversation to private messages" in page
    assert "[phone]" in page  # the masked preview in the hint
    assert "Mark as noise" in page
    feature = message.enrichment["actionable"]["top_features"][0][0]
    assert feature in page


def test_pii_hint_mentions_hiding_where_the_channel_allows_it(client, tickets, agent, monkeypatch):
    from socialcare.channels.connectors.registry import get_adapter

    adapter = get_adapter("sandbox")
    client.force_login(agent.user)
    ticket = Ticket.objects.get(pk=tickets["ph"].pk)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert ("hide the public post" in page) == ("hide" in getattr(adapter, "actions", frozenset()))
    monkeypatch.setattr(type(adapter), "actions", frozenset({"hide", "like"}), raising=False)
    assert "hide the public post" in client.get(f"/tickets/{ticket.pk}/").content.decode()
