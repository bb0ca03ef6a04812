"""The rules admin pages: builder form, validation errors, dry run, enabling; the ticket panel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialcare.automation.models import Rule, RuleRun
from socialcare.inbox.models import Message, Ticket
from tests.automation.support import deliver, sandbox_post
from tests.factories import AgentFactory


@pytest.fixture
def admin_client(client, brand):  # type: ignore[no-untyped-def]
    profile = AgentFactory(user__username="boss", role="admin")
    client.force_login(profile.user)
    return client


def form(**extra: str) -> dict[str, str]:
    data = {"name": "Refunds", "brand": "", "trigger": "message.received", "position": "10", "group_op": "all",
            "cond-0-type": "text", "cond-0-operator": "contains", "cond-0-value": "refund",
            "act-0-type": "add_tag", "act-0-value": "refund", "save": "1"}
    data.update(extra)
    return data


@pytest.mark.django_db
def test_create_rule_in_the_builder_enable_and_see_it_listed(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post("/rules/new/", form())
    rule = Rule.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/rules/{rule.pk}/"
    assert rule.conditions == {"op": "all", "conditions": [{"type": "text", "operator": "contains",
                                                            "value": ["refund"]}]}
    assert not rule.is_enabled
    admin_client.post(f"/rules/{rule.pk}/enable/", {"enabled": "1"})
    rule.refresh_from_db()
    assert rule.is_enabled
    page = admin_client.get("/rules/").content.decode()
    assert "Refunds" in page and "Disable" in page
    edit = admin_client.get(f"/rules/{rule.pk}/").content.decode()
    assert 'value="refund"' in edit and "This rule is enabled." in edit


@pytest.mark.django_db
def test_builder_shows_validation_errors(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post("/rules/new/", form(**{"cond-0-operator": "matches", "cond-0-value": "(["}))
    assert response.status_code == 422
    assert "not a valid regular expression" in response.content.decode()
    assert not Rule.objects.exists()
    nested = admin_client.post("/rules/new/", form(conditions_json="{not json"))
    assert "condition JSON is not valid" in nested.content.decode()


@pytest.mark.django_db
def test_nested_groups_through_the_json_field(admin_client) -> None:  # type: ignore[no-untyped-def]
    tree = ('{"op": "all", "conditions": [{"type": "text", "operator": "contains", "value": "refund"},'
            ' {"op": "any", "conditions": [{"type": "verified", "operator": "is", "value": "yes"}]}]}')
    admin_client.post("/rules/new/", form(conditions_json=tree))
    rule = Rule.objects.get()
    assert rule.conditions["conditions"][1]["op"] == "any"
    assert '"op": "any"' in admin_client.get(f"/rules/{rule.pk}/").content.decode()


@pytest.mark.django_db
def test_test_against_a_past_message_without_side_effects(admin_client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    deliver(admin_client, sandbox_account, sandbox_post(text="where is my refund", at=datetime.now(UTC)))
    message = Message.objects.get()
    data = form(**{"act-0-type": "mark_spam", "act-0-value": ""})
    data.pop("save")
    response = admin_client.post("/rules/new/", {**data, "test": "1", "message_id": str(message.pk)})
    page = response.content.decode()
    assert response.status_code == 200
    assert "The rule would fire." in page and "mark as spam, close and block the sender" in page
    assert not Rule.objects.exists()
    assert Ticket.objects.get().status == "new"


@pytest.mark.django_db
def test_agents_cannot_open_the_builder(client, agent) -> None:  # type: ignore[no-untyped-def]
    client.force_login(agent.user)
    assert client.get("/rules/").status_code == 200
    assert client.get("/rules/new/").status_code == 403
    assert client.post("/rules/new/", form()).status_code == 403


@pytest.mark.django_db
def test_ticket_page_explains_rule_firings(admin_client, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    admin_client.post("/rules/new/", form(is_enabled="1"))
    deliver(admin_client, sandbox_account, sandbox_post(text="I need a refund", at=datetime.now(UTC)))
    assert RuleRun.objects.count() == 1
    page = admin_client.get(f"/tickets/{Ticket.objects.get().pk}/").content.decode()
    assert "why did this happen?" in page
    assert "Message text contains any of refund" in page and "tagged refund" in page
