from __future__ import annotations

import pytest

from socialcare.inbox.models import Note, Ticket
from tests.channels.sandbox_helpers import deliver, post_event
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory
from tests.helpers import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def ticket(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", "<script>alert(1)</script> order 4711 late", author="u1")])
    return Ticket.objects.get()


def test_login_required(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_inbox_lists_escaped_text_with_csp(logged_in, ticket):
    response = logged_in.get("/")
    body = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_inbox_filters_and_search(logged_in, client, sandbox_account, ticket, agent):
    deliver(client, sandbox_account, [post_event("p9", "love the new bikes", author="u2")])
    assert logged_in.get("/?q=4711").content.decode().count("data-ticket-id") == 1
    assert logged_in.get("/?q=bikes").content.decode().count("data-ticket-id") == 1
    assert logged_in.get("/?status=resolved").content.decode().count("data-ticket-id") == 0
    Ticket.objects.filter(pk=ticket.pk).update(assignee=agent.user)
    assert logged_in.get("/?assignee=mine").content.decode().count("data-ticket-id") == 1
    assert logged_in.get("/?assignee=unassigned").content.decode().count("data-ticket-id") == 1
    assert logged_in.get(f"/?channel={sandbox_account.pk}").content.decode().count("data-ticket-id") == 2
    assert logged_in.get("/tickets/rows/?q=bikes").content.decode().count("data-ticket-id") == 1


def test_ticket_view_shows_thread_identity_and_limit(logged_in, ticket):
    body = logged_in.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "order 4711 late" in body and "@u1" in body
    assert 'data-max-length="500"' in body


def test_reply_assign_status_note_from_the_ui(logged_in, ticket, agent, sandbox_server):
    with committed():
        response = logged_in.post(f"/tickets/{ticket.pk}/reply/", {"text": "Checking!", "visibility": "public",
                                                                     "confirm_public": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert ticket.messages.filter(direction="out", delivery_status="sent").count() == 1
    with committed():
        logged_in.post(f"/tickets/{ticket.pk}/assign/", {"assignee": str(agent.user.pk)})
        logged_in.post(f"/tickets/{ticket.pk}/status/", {"status": "pending"})
        logged_in.post(f"/tickets/{ticket.pk}/note/", {"note": "customer is a regular"})
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.status) == (agent.user.pk, "pending")
    assert Note.objects.get().text == "customer is a regular"


def test_public_reply_needs_confirmation_and_too_long_is_a_form_error(logged_in, ticket):
    response = logged_in.post(f"/tickets/{ticket.pk}/reply/", {"text": "hi", "visibility": "public"},
                              HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "cannot be edited" in response.content.decode()
    response = logged_in.post(f"/tickets/{ticket.pk}/reply/", {"text": "y" * 600, "visibility": "public",
                                                                "confirm_public": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "600" in response.content.decode()
    assert "y" * 600 in response.content.decode()  # the draft is kept
    assert ticket.messages.filter(direction="out").count() == 0


def test_agent_of_another_team_gets_404(client, ticket):
    team = TeamFactory(name="Elsewhere")
    team.brands.add(BrandFactory(name="Other", slug="other"))
    outsider = AgentFactory(user__username="olaf")
    outsider.teams.add(team)
    client.force_login(outsider.user)
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    assert client.post(f"/tickets/{ticket.pk}/note/", {"note": "x"}).status_code == 404
    assert "data-ticket-id" not in client.get("/").content.decode()
    ChannelAccountFactory(brand=team.brands.get())


@pytest.mark.parametrize(("language", "expected"), [("de", "Abmelden"), ("nl", "Afmelden"), ("en", "Log out")])
def test_ui_language_is_chosen_per_user(client, brand, language, expected):
    profile = AgentFactory(user__username=f"u_{language}", ui_language=language)
    client.force_login(profile.user)
    body = client.get("/").content.decode()
    assert expected in body
    assert f'lang="{language}"' in body


def test_language_switch_is_saved(logged_in, agent):
    logged_in.post("/settings/language/", {"language": "nl", "next": "/"})
    agent.refresh_from_db()
    assert agent.ui_language == "nl"
    assert logged_in.post("/settings/language/", {"language": "xx"}).status_code == 400


def test_live_stream_announces_changes(logged_in, client, sandbox_account, settings):
    settings.SOCIALCARE_LIVE_STREAM_SECONDS = 0.6
    settings.SOCIALCARE_LIVE_POLL_SECONDS = 0.1
    response = logged_in.get("/live/")
    assert response["Content-Type"] == "text/event-stream"
    first = next(iter(response.streaming_content)).decode()
    assert first.startswith("retry: 1000\nevent: hello")


def test_live_stream_requires_login(client):
    assert client.get("/live/").status_code == 401


def test_presence_can_be_set_from_the_top_bar_and_requests_count_as_activity(logged_in, agent):
    logged_in.post("/settings/presence/", {"presence": "online", "next": "/"})
    agent.refresh_from_db()
    assert agent.presence == "online" and agent.last_seen_at is not None
    assert logged_in.post("/settings/presence/", {"presence": "sleeping"}).status_code == 400


def test_inbox_sorts_by_sla_deadline(logged_in, client, sandbox_account):
    from datetime import timedelta

    from django.utils import timezone

    from socialcare.sla.models import TicketSLA

    deliver(client, sandbox_account, [post_event("a1", "first", author="u1")])
    deliver(client, sandbox_account, [post_event("b1", "second", author="u2")])
    first, second = Ticket.objects.order_by("id")
    now = timezone.now()
    for ticket, due in ((first, now + timedelta(hours=5)), (second, now - timedelta(minutes=10))):
        TicketSLA.objects.update_or_create(ticket=ticket, defaults={"next_due_at": due})
    body = logged_in.get("/?sort=sla&status=open_all").content.decode()
    assert body.index(f'data-ticket-id="{second.pk}"') < body.index(f'data-ticket-id="{first.pk}"')
    assert "overdue" in body


def test_static_assets_are_served_by_the_web_process(client):
    response = client.get("/static/web/app.css")
    assert response.status_code == 200
    assert b".thread" in b"".join(response.streaming_content if response.streaming else [response.content])
