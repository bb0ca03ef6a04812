"""The noise filter decides on new public tickets; filtered tickets leave the inbox, never the archive."""

from __future__ import annotations

import pytest

from socialcare.inbox import selectors as inbox_selectors
from socialcare.inbox.models import Ticket, TicketEvent
from socialcare.intelligence.models import BrandFilterSettings
from tests.channels.sandbox_helpers import deliver, dm_event, post_event

from .conftest import ACTIONABLE, NOISE, api, mention

pytestmark = pytest.mark.django_db


def test_low_scoring_mention_is_filtered_with_its_reason(client, sandbox_account, filter_on):
    ticket = mention(client, sandbox_account, "p1", NOISE)
    assert ticket.is_filtered and ticket.status == "new"
    event = TicketEvent.objects.get(ticket=ticket, kind="ticket.filtered")
    assert event.actor == "system"
    assert event.data["probability"] < filter_on.threshold == event.data["threshold"]
    assert event.data["top_features"] and all(len(f) == 2 for f in event.data["top_features"])
    filter_on.refresh_from_db()
    assert filter_on.filtered_count == 1


def test_filtered_ticket_is_not_in_the_inbox_but_in_the_filtered_view(client, sandbox_account, filter_on, agent,
                                                                    token):
    noise = mention(client, sandbox_account, "p1", NOISE, author="u1")
    kept = mention(client, sandbox_account, "p2", ACTIONABLE, author="u2")
    assert not kept.is_filtered
    everything = inbox_selectors.TicketFilters()
    assert list(inbox_selectors.ticket_list(user=agent.user, filters=everything)) == [kept]
    only = inbox_selectors.TicketFilters(filtered="only")
    assert list(inbox_selectors.ticket_list(user=agent.user, filters=only)) == [noise]
    assert [r["id"] for r in api(client, "get", "/tickets", token).json()] == [kept.pk]

    client.force_login(agent.user)
    inbox = client.get("/").content.decode()
    assert f'data-ticket-id="{kept.pk}"' in inbox and f'data-ticket-id="{noise.pk}"' not in inbox
    page = client.get("/filtered/").content.decode()
    assert f'data-ticket-id="{noise.pk}"' in page and f'data-ticket-id="{kept.pk}"' not in page
    assert "weather" in page  # why: the top features are listed
    assert f'data-ticket-id="{noise.pk}"' in client.get("/filtered/?q=weather").content.decode()
    assert f'data-ticket-id="{noise.pk}"' not in client.get("/filtered/?q=bicycle").content.decode()
    rows = api(client, "get", "/intelligence/filtered?q=weather", token).json()
    assert [(r["id"], r["text"]) for r in rows] == [(noise.pk, NOISE)]
    assert rows[0]["probability"] < rows[0]["threshold"] and rows[0]["features"]


def test_filtered_view_masks_personal_data(client, sandbox_account, filter_on, agent):
    text = "lovely sunset, mail me at mia@example.org #nofilter"
    ticket = mention(client, sandbox_account, "p1", text)
    assert ticket.is_filtered
    client.force_login(agent.user)
    page = client.get("/filtered/?q=sunset").content.decode()
    assert f'data-ticket-id="{ticket.pk}"' in page
    assert "mia@example.org" not in page and "[email]" in page


def test_actionable_mentions_private_messages_and_disabled_filters_are_never_filtered(client, sandbox_account,
                                                                                      filter_on):
    assert not mention(client, sandbox_account, "p1", ACTIONABLE, author="u1").is_filtered
    deliver(client, sandbox_account, [dm_event("d1", NOISE, author="u2")])
    assert not Ticket.objects.get(messages__external_id="d1").is_filtered
    BrandFilterSettings.objects.filter(pk=filter_on.pk).update(enabled=False)
    assert not mention(client, sandbox_account, "p2", NOISE, author="u3").is_filtered


def test_filter_is_off_unless_switched_on(client, sandbox_account, settings):
    assert not mention(client, sandbox_account, "p1", NOISE, author="u1").is_filtered
    settings.SOCIALCARE_NOISE_FILTER_DEFAULT_ENABLED = True
    assert mention(client, sandbox_account, "p2", NOISE, author="u2").is_filtered


def test_private_follow_up_brings_a_filtered_ticket_back(client, sandbox_account, filter_on):
    ticket = mention(client, sandbox_account, "p1", NOISE, author="u1")
    assert ticket.is_filtered
    deliver(client, sandbox_account, [dm_event("d1", "hi, it's about my invoice", author="u1")])
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1 and not ticket.is_filtered
    assert TicketEvent.objects.get(ticket=ticket, kind="ticket.unfiltered").data["reason"] == "private follow-up"


def test_the_archive_is_never_deleted(client, sandbox_account, filter_on):
    ticket = mention(client, sandbox_account, "p1", NOISE)
    assert ticket.messages.get().text == NOISE
    deliver(client, sandbox_account, [post_event("p1", NOISE)])  # redelivery is still deduplicated
    assert Ticket.objects.count() == 1
