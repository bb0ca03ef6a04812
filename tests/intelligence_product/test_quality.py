"""Measured precision/recall from corrections, and the threshold chosen by a target recall."""

from __future__ import annotations

import pytest

from socialcare.core.errors import DomainError
from socialcare.intelligence import selectors, services
from socialcare.intelligence.adaptation import precision_recall_at, threshold_for_target_recall
from socialcare.intelligence.models import BrandFilterSettings
from tests.factories import AgentFactory, MessageFactory, TicketFactory
from tests.helpers import committed

from .conftest import api

pytestmark = pytest.mark.django_db


def _ticket(account, probability, *, filtered=True, text="some mention"):
    ticket = TicketFactory(channel_account=account, is_filtered=filtered)
    MessageFactory(ticket=ticket, text=text, enrichment={"actionable": {
        "probability": probability, "global_probability": probability, "top_features": [["mention", -0.2]],
        "threshold": 0.3}})
    return ticket


def _correct(account, user, rows):
    """rows: (probability, actionable) pairs, each corrected by an agent."""
    for probability, actionable in rows:
        ticket = _ticket(account, probability, filtered=probability < 0.3 or actionable)
        services.feedback_record(ticket=ticket, label="not_noise" if actionable else "noise", user=user)


def test_precision_and_recall_come_from_the_corrections(sandbox_account, filter_on, agent):
    BrandFilterSettings.objects.filter(pk=filter_on.pk).update(threshold=0.3)
    rows = [(0.05, False), (0.1, False), (0.2, True), (0.25, False), (0.4, False), (0.6, True), (0.9, True)]
    _correct(sandbox_account, agent.user, rows)
    stats = selectors.filter_stats(brand_id=sandbox_account.brand_id)
    # hand-counted at 0.3: kept = 0.4 (noise), 0.6, 0.9 -> precision 2/3; actionable = 0.2, 0.6, 0.9 -> recall 2/3
    assert stats["precision"] == pytest.approx(2 / 3) and stats["recall"] == pytest.approx(2 / 3)
    assert stats["filter_precision"] == pytest.approx(3 / 4)  # filtered 0.05, 0.1, 0.2, 0.25: three were noise
    assert (stats["corrections"], stats["noise"], stats["not_noise"]) == (7, 4, 3)
    assert (stats["precision"], stats["recall"]) == precision_recall_at(
        [p for p, _ in rows], [y for _, y in rows], 0.3)


def test_answered_mentions_count_as_actionable(sandbox_account, filter_on, agent):
    from django.utils import timezone

    ticket = _ticket(sandbox_account, 0.8, filtered=False)
    ticket.first_response_at = timezone.now()
    ticket.save(update_fields=["first_response_at"])
    stats = selectors.filter_stats(brand_id=sandbox_account.brand_id)
    assert (stats["confirmed_by_reply"], stats["corrections"], stats["recall"]) == (1, 0, 1.0)


def test_threshold_by_target_recall_needs_enough_corrections(sandbox_account, filter_on, agent):
    _correct(sandbox_account, agent.user, [(0.1 + i / 100, True) for i in range(10)])
    with pytest.raises(DomainError) as raised:
        services.threshold_set_for_target_recall(brand_id=sandbox_account.brand_id, target_recall=0.97,
                                                 user=agent.user)
    assert raised.value.code == "not_enough_corrections" and "34" in raised.value.message
    assert BrandFilterSettings.objects.get(pk=filter_on.pk).threshold == filter_on.threshold


def test_threshold_by_target_recall(client, sandbox_account, filter_on, agent):
    positives = [round(0.02 + i * 0.025, 4) for i in range(40)]
    negatives = [0.01, 0.02, 0.03, 0.04]
    _correct(sandbox_account, agent.user, [(p, True) for p in positives] + [(p, False) for p in negatives])
    admin = AgentFactory(user__username="ada", role="admin")
    client.force_login(admin.user)
    with committed():
        response = client.post(f"/filtered/brands/{sandbox_account.brand_id}/threshold/", {"miss_percent": "3"})
    assert response.status_code == 302
    settings_row = BrandFilterSettings.objects.get(pk=filter_on.pk)
    expected = threshold_for_target_recall(positives + negatives, [True] * 40 + [False] * 4, 0.97)
    assert settings_row.threshold == pytest.approx(expected, abs=1e-4)
    assert settings_row.target_recall == pytest.approx(0.97) and settings_row.threshold_set_by == admin.user
    stats = selectors.filter_stats(brand_id=sandbox_account.brand_id)
    assert stats["recall"] >= 0.97
    page = client.get("/filtered/").content.decode()
    assert f"{settings_row.threshold:.3f}" in page


def test_only_admins_set_the_threshold(client, sandbox_account, filter_on, agent, token):
    client.force_login(agent.user)
    assert client.post(f"/filtered/brands/{sandbox_account.brand_id}/threshold/",
                       {"miss_percent": "3"}).status_code == 403
    response = api(client, "post", f"/intelligence/brands/{sandbox_account.brand_id}/filter/target-recall", token,
                   data={"target_recall": 0.97})
    assert response.status_code == 403


def test_the_page_explains_when_corrections_are_missing(client, sandbox_account, filter_on):
    admin = AgentFactory(user__username="ada", role="admin")
    client.force_login(admin.user)
    response = client.post(f"/filtered/brands/{sandbox_account.brand_id}/threshold/", {"miss_percent": "3"})
    assert response.status_code == 422
    assert "Not enough corrections yet" in response.content.decode()
    response = client.post(f"/filtered/brands/{sandbox_account.brand_id}/threshold/", {"miss_percent": "lots"})
    assert response.status_code == 422


def test_api_stats_and_target_recall(client, sandbox_account, filter_on, agent):
    from socialcare.accounts.services import api_token_create

    admin = AgentFactory(user__username="ada", role="admin")
    token = api_token_create(user=admin.user, name="t")[1]
    _correct(sandbox_account, agent.user, [(round(0.05 + i * 0.02, 4), True) for i in range(25)])
    stats = api(client, "get", f"/intelligence/brands/{sandbox_account.brand_id}/filter", token).json()
    assert stats["not_noise"] == 25 and stats["threshold"] == filter_on.threshold
    response = api(client, "post", f"/intelligence/brands/{sandbox_account.brand_id}/filter/target-recall", token,
                   data={"target_recall": 0.9})
    assert response.status_code == 200, response.content
    assert response.json()["target_recall"] == 0.9 and response.json()["recall"] >= 0.9
    bad = api(client, "post", f"/intelligence/brands/{sandbox_account.brand_id}/filter/target-recall", token,
              data={"target_recall": 1.0})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_target"


def test_admin_switches_the_filter_per_brand(client, sandbox_account):
    admin = AgentFactory(user__username="ada", role="admin")
    client.force_login(admin.user)
    with committed():
        client.post(f"/filtered/brands/{sandbox_account.brand_id}/enabled/", {"enabled": "1"})
    assert BrandFilterSettings.objects.get(brand_id=sandbox_account.brand_id).enabled
    with committed():
        client.post(f"/filtered/brands/{sandbox_account.brand_id}/enabled/", {"enabled": "0"})
    assert not BrandFilterSettings.objects.get(brand_id=sandbox_account.brand_id).enabled
