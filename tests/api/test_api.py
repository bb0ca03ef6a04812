from __future__ import annotations

import pytest

from socialcare.accounts.services import api_token_create
from socialcare.inbox.models import Ticket
from tests.channels.sandbox_helpers import deliver, post_event
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory
from tests.helpers import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(agent):
    return api_token_create(user=agent.user, name="test")[1]


@pytest.fixture
def ticket(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", "where is my parcel?", author="u1")])
    return Ticket.objects.get()


def call(client, method, path, token, **kwargs):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    with committed():
        return getattr(client, method)(f"/api{path}", content_type="application/json", **headers, **kwargs)


def test_requires_a_valid_token(client, ticket):
    assert call(client, "get", "/tickets", None).status_code == 401
    response = call(client, "get", "/tickets", "sc_wrong")
    assert response.status_code == 401 and "token" in response.json()["detail"]


def test_list_filter_and_get(client, token, ticket):
    rows = call(client, "get", "/tickets", token).json()
    assert [row["id"] for row in rows] == [ticket.pk]
    assert rows[0]["channel_kind"] == "sandbox" and rows[0]["status"] == "new"
    assert call(client, "get", "/tickets?status=resolved", token).json() == []
    assert len(call(client, "get", "/tickets?q=parcel", token).json()) == 1
    assert call(client, "get", "/tickets?q=banana", token).json() == []
    assert call(client, "get", f"/tickets/{ticket.pk}", token).json()["subject"] == "where is my parcel?"
    messages = call(client, "get", f"/tickets/{ticket.pk}/messages", token).json()
    assert [(m["direction"], m["text"], m["author_handle"]) for m in messages] == [("in", "where is my parcel?", "u1")]


def test_bad_query_values_are_4xx_with_message(client, token, ticket):
    response = call(client, "get", "/tickets?limit=0", token)
    assert response.status_code == 400 and "limit" in response.json()["detail"]
    response = call(client, "get", "/tickets?limit=abc", token)
    assert response.status_code == 422 and "limit" in response.json()["detail"]


def test_reply_assign_status_note(client, token, ticket, agent, sandbox_server):
    response = call(client, "post", f"/tickets/{ticket.pk}/reply", token, data={"text": "We are on it"})
    assert response.status_code == 201, response.content
    assert response.json()["direction"] == "out"
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    response = call(client, "post", f"/tickets/{ticket.pk}/assign", token, data={"assignee_id": agent.user.pk})
    assert response.status_code == 200 and response.json()["assignee_id"] == agent.user.pk
    response = call(client, "post", f"/tickets/{ticket.pk}/status", token, data={"status": "resolved"})
    assert response.status_code == 200 and response.json()["resolved_at"]
    response = call(client, "post", f"/tickets/{ticket.pk}/notes", token, data={"text": "VIP, be nice"})
    assert response.status_code == 201 and response.json()["text"] == "VIP, be nice"


def test_invalid_input_is_4xx_with_a_message(client, token, ticket):
    response = call(client, "post", f"/tickets/{ticket.pk}/reply", token, data={"text": "x" * 600})
    assert response.status_code == 400 and "500" in response.json()["detail"]
    response = call(client, "post", f"/tickets/{ticket.pk}/reply", token, data={})
    assert response.status_code == 422 and "text" in response.json()["detail"]
    response = call(client, "post", f"/tickets/{ticket.pk}/status", token, data={"status": "done"})
    assert response.status_code == 422 and "status" in response.json()["detail"]
    response = call(client, "post", f"/tickets/{ticket.pk}/assign", token, data={"assignee_id": 99999})
    assert response.status_code == 400 and "99999" in response.json()["detail"]
    response = client.post(f"/api/tickets/{ticket.pk}/notes", data=b"{not json", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert 400 <= response.status_code < 500


def test_ticket_of_another_team_is_404(client, ticket):
    other_brand = BrandFactory(name="Other", slug="other")
    team = TeamFactory(name="Other team")
    team.brands.add(other_brand)
    outsider = AgentFactory(user__username="olaf")
    outsider.teams.add(team)
    token = api_token_create(user=outsider.user, name="t")[1]
    assert call(client, "get", f"/tickets/{ticket.pk}", token).status_code == 404
    assert call(client, "post", f"/tickets/{ticket.pk}/reply", token, data={"text": "hi"}).status_code == 404
    assert call(client, "get", "/tickets", token).json() == []
    ChannelAccountFactory(brand=other_brand)


def test_readonly_user_cannot_write(client, ticket, brand):
    team = TeamFactory(name="PR")
    team.brands.add(brand)
    pr = AgentFactory(user__username="pia", role="readonly")
    pr.teams.add(team)
    token = api_token_create(user=pr.user, name="t")[1]
    assert call(client, "get", f"/tickets/{ticket.pk}", token).status_code == 200
    response = call(client, "post", f"/tickets/{ticket.pk}/notes", token, data={"text": "x"})
    assert response.status_code == 403 and "read-only" in response.json()["detail"]


def test_openapi_schema_is_served(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/tickets/{ticket_id}/reply" in schema["paths"]
    assert client.get("/api/docs").status_code == 200
