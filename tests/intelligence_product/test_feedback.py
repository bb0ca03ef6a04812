"""Corrections: "not noise" returns a ticket to the inbox, "noise" closes it; the brand's adapter learns."""

from __future__ import annotations

import pytest

from socialcare.core.errors import DomainError
from socialcare.inbox.models import Ticket, TicketEvent
from socialcare.intelligence import services
from socialcare.intelligence.adaptation import BrandNoiseAdapter
from socialcare.intelligence.models import BrandFilterSettings, NoiseFeedback
from tests.helpers import committed

from .conftest import ACTIONABLE, NOISE, NOISE_SIMILAR, api, mention

pytestmark = pytest.mark.django_db


def _adapter(brand_id):
    return BrandNoiseAdapter.from_state(bytes(BrandFilterSettings.objects.get(brand_id=brand_id).adapter_state))


def test_not_noise_makes_it_a_normal_ticket_and_teaches_the_filter(client, sandbox_account, filter_on, agent):
    ticket = mention(client, sandbox_account, "p1", NOISE, author="u1")
    before = BrandNoiseAdapter().predict_proba([NOISE_SIMILAR])[0]  # the global model: no correction yet
    client.force_login(agent.user)
    with committed():
        response = client.post(f"/filtered/tickets/{ticket.pk}/feedback/", {"label": "not_noise"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert not ticket.is_filtered and ticket.status == "new"
    assert f'data-ticket-id="{ticket.pk}"' in client.get("/").content.decode()  # in the inbox now
    feedback = NoiseFeedback.objects.get()
    assert (feedback.label, feedback.user, feedback.ticket, feedback.was_filtered) == (
        "not_noise", agent.user, ticket, True)
    assert feedback.probability == ticket.messages.get().enrichment["actionable"]["probability"]
    assert TicketEvent.objects.filter(ticket=ticket, kind="ticket.unfiltered", actor=f"user:{agent.user.pk}").exists()
    settings_row = BrandFilterSettings.objects.get(brand=ticket.brand)
    assert (settings_row.not_noise_count, settings_row.adapter_version) == (1, 1)
    after = _adapter(ticket.brand_id).predict_proba([NOISE_SIMILAR])[0]
    assert after > before  # learned without a restart

    # the next similar mention is scored by the updated adapter in the pipeline
    again = mention(client, sandbox_account, "p2", NOISE_SIMILAR, author="u2")
    act = again.messages.get().enrichment["actionable"]
    assert act["adapted"] and act["adapter_updates"] == 1
    assert act["probability"] > act["global_probability"]


def test_repeated_corrections_let_similar_mentions_through(client, sandbox_account, filter_on, agent):
    client.force_login(agent.user)
    filtered = []
    for i in range(4):
        ticket = mention(client, sandbox_account, f"p{i}", f"{NOISE} {i}", author=f"u{i}")
        filtered.append(ticket.is_filtered)
        if ticket.is_filtered:
            services.feedback_record(ticket=ticket, label="not_noise", user=agent.user)
    assert filtered[0] and not filtered[-1]  # the brand says these matter: after a few, they stay in the inbox


def test_noise_closes_it_and_teaches_the_filter(client, sandbox_account, filter_on, agent):
    ticket = mention(client, sandbox_account, "p1", NOISE, author="u1")
    client.force_login(agent.user)
    with committed():
        client.post(f"/filtered/tickets/{ticket.pk}/feedback/", {"label": "noise"})
    ticket.refresh_from_db()
    assert ticket.is_filtered and ticket.status == "closed"
    assert NoiseFeedback.objects.get().label == "noise"
    assert BrandFilterSettings.objects.get(brand=ticket.brand).noise_count == 1
    assert _adapter(ticket.brand_id).predict_proba([NOISE_SIMILAR])[0] < BrandNoiseAdapter().predict_proba(
        [NOISE_SIMILAR])[0]
    page = client.get("/filtered/?reviewed=1").content.decode()
    assert f'data-ticket-id="{ticket.pk}"' in page  # still searchable as confirmed noise
    assert f'data-ticket-id="{ticket.pk}"' not in client.get("/filtered/").content.decode()
    with pytest.raises(DomainError):
        services.feedback_record(ticket=ticket, label="noise", user=agent.user)


def test_noise_from_the_inbox_is_a_false_alarm_of_the_filter(client, sandbox_account, filter_on, agent, token):
    ticket = mention(client, sandbox_account, "p1", ACTIONABLE, author="u1")
    assert not ticket.is_filtered
    response = api(client, "post", f"/intelligence/tickets/{ticket.pk}/feedback", token, data={"label": "noise"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["label"], body["was_filtered"], body["ticket_status"], body["ticket_is_filtered"]) == (
        "noise", False, "closed", True)
    assert api(client, "post", f"/intelligence/tickets/{ticket.pk}/feedback", token,
               data={"label": "not_noise"}).status_code == 201  # a change of mind reopens nothing but the inbox
    assert api(client, "post", f"/intelligence/tickets/{ticket.pk}/feedback", token,
               data={"label": "maybe"}).status_code == 422


def test_not_noise_on_an_inbox_ticket_is_refused(client, sandbox_account, filter_on, agent, token):
    ticket = mention(client, sandbox_account, "p1", ACTIONABLE)
    response = api(client, "post", f"/intelligence/tickets/{ticket.pk}/feedback", token, data={"label": "not_noise"})
    assert response.status_code == 400 and response.json()["code"] == "not_filtered"
    assert not NoiseFeedback.objects.exists()


def test_readonly_users_cannot_correct(client, sandbox_account, filter_on, agent):
    from tests.factories import AgentFactory

    ticket = mention(client, sandbox_account, "p1", NOISE)
    pr = AgentFactory(user__username="pia", role="readonly")
    pr.teams.set(agent.teams.all())
    client.force_login(pr.user)
    assert client.post(f"/filtered/tickets/{ticket.pk}/feedback/", {"label": "not_noise"}).status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).is_filtered


def test_forgetting_the_adaptation_returns_to_the_global_model(client, sandbox_account, filter_on, agent):
    ticket = mention(client, sandbox_account, "p1", NOISE)
    services.feedback_record(ticket=ticket, label="not_noise", user=agent.user)
    services.adapter_reset(brand_id=ticket.brand_id)
    again = mention(client, sandbox_account, "p2", NOISE, author="u2")
    act = again.messages.get().enrichment["actionable"]
    assert not act["adapted"] and act["probability"] == act["global_probability"] and again.is_filtered


def test_not_noise_from_the_ticket_panel_returns_to_the_ticket(client, sandbox_account, filter_on, agent):
    ticket = mention(client, sandbox_account, "p1", NOISE)
    client.force_login(agent.user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "kept this ticket out of the inbox" in page and 'data-feedback="not_noise"' in page
    with committed():
        response = client.post(f"/filtered/tickets/{ticket.pk}/feedback/",
                               {"label": "not_noise", "next": f"/tickets/{ticket.pk}/"})
    assert response["Location"] == f"/tickets/{ticket.pk}/"
    with committed():
        response = client.post(f"/filtered/tickets/{ticket.pk}/feedback/",
                               {"label": "noise", "next": "https://evil.example/"})
    assert response["Location"] == "/filtered/"  # never redirected off-site
