"""An agent of another brand can neither see nor correct a brand's filtered tickets."""

from __future__ import annotations

import pytest

from socialcare.accounts.services import api_token_create
from socialcare.intelligence.models import NoiseFeedback
from tests.helpers import committed

from .conftest import NOISE, api, mention

pytestmark = pytest.mark.django_db


def test_agent_of_another_brand_cannot_see_or_correct(client, sandbox_account, filter_on, outsider):
    ticket = mention(client, sandbox_account, "p1", NOISE)
    assert ticket.is_filtered
    brand_id = sandbox_account.brand_id
    client.force_login(outsider.user)
    page = client.get("/filtered/").content.decode()
    assert f'data-ticket-id="{ticket.pk}"' not in page and "Acme" not in page
    assert f'data-ticket-id="{ticket.pk}"' not in client.get(f"/filtered/?brand={brand_id}&q=weather").content.decode()
    with committed():
        assert client.post(f"/filtered/tickets/{ticket.pk}/feedback/", {"label": "not_noise"}).status_code == 404
    token = api_token_create(user=outsider.user, name="t")[1]
    assert api(client, "get", "/intelligence/filtered", token).json() == []
    assert api(client, "get", f"/intelligence/filtered?brand={brand_id}", token).status_code == 404
    assert api(client, "post", f"/intelligence/tickets/{ticket.pk}/feedback", token,
               data={"label": "not_noise"}).status_code == 404
    assert api(client, "get", f"/intelligence/brands/{brand_id}/filter", token).status_code == 404
    ticket.refresh_from_db()
    assert ticket.is_filtered and not NoiseFeedback.objects.exists()


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/filtered/")
    assert response.status_code == 302 and "/login/" in response["Location"]
