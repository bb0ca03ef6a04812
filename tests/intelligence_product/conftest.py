from __future__ import annotations

import pytest

from socialcare.accounts.services import api_token_create
from socialcare.inbox.models import Ticket
from socialcare.intelligence.models import BrandFilterSettings
from tests.channels.sandbox_helpers import deliver, post_event
from tests.factories import AgentFactory, BrandFactory, ChannelAccountFactory, TeamFactory
from tests.helpers import committed

# Texts the shipped model scores far apart (checked in test_pipeline.py, so a retrained model that
# no longer separates them fails loudly there instead of making the filter tests mysterious).
NOISE = "nice weather today #sunday"
NOISE_SIMILAR = "lovely weather this sunday"
ACTIONABLE = "@acme my order never came, I want a refund"


def api(client, method, path, token, **kwargs):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    with committed():
        return getattr(client, method)(f"/api{path}", content_type="application/json", **headers, **kwargs)


def mention(client, account, id, text, author="u1"):
    deliver(client, account, [post_event(id, text, author=author)])
    return Ticket.objects.filter(messages__external_id=id).get()


@pytest.fixture
def filter_on(brand):
    """The brand's noise filter switched on with the default threshold."""
    return BrandFilterSettings.objects.create(brand=brand, enabled=True)


@pytest.fixture
def token(agent):
    return api_token_create(user=agent.user, name="test")[1]


@pytest.fixture
def logged_in(client, agent):
    client.force_login(agent.user)
    return client


@pytest.fixture
def outsider():
    """An agent of another brand."""
    other = BrandFactory(name="Other", slug="other")
    ChannelAccountFactory(brand=other)
    team = TeamFactory(name="Other team")
    team.brands.add(other)
    profile = AgentFactory(user__username="olaf")
    profile.teams.add(team)
    return profile


@pytest.fixture
def admin_user(brand):
    return AgentFactory(user__username="ada", role="admin")
