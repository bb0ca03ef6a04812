"""Approved templates: the 24-hour window fallback in the service, the composer and the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from socialcare.accounts.models import ApiToken
from socialcare.channels.connectors.meta.common import sign_body
from socialcare.channels.connectors.whatsapp.emulator import WhatsAppEmulator
from socialcare.channels.models import ChannelAccount, OutboundDelivery
from socialcare.core.errors import DomainError
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Message, Ticket
from socialcare.message_templates import services
from socialcare.message_templates.models import MessageTemplate
from socialcare.web.extensions import composer_panels
from tests.factories import ChannelAccountFactory
from tests.helpers import committed

PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "wa-app-secret"
BSUID = "DE.1349120865530274191"


@pytest.fixture
def wa(brand) -> Iterator[tuple[WhatsAppEmulator, ChannelAccount]]:  # type: ignore[no-untyped-def]
    with WhatsAppEmulator(phone_number_id=PHONE_NUMBER_ID, app_secret=APP_SECRET) as server:
        account = ChannelAccountFactory(
            brand=brand, kind="whatsapp", api_base_url=server.url, display_name="Acme WhatsApp",
            external_id=PHONE_NUMBER_ID, webhook_secret=APP_SECRET,
            credentials={"access_token": "wa-token", "verify_token": "v"})
        yield server, account


@pytest.fixture
def order_update(wa) -> MessageTemplate:  # type: ignore[no-untyped-def]
    return MessageTemplate.objects.create(
        channel_account=wa[1], name="order_update", language="en_US",
        body="Hello {{1}}, news about your order {{2}}. Reply to continue the conversation.",
        parameter_labels=["Customer name", "Order number"], buttons=[{"type": "quick_reply", "text": "Reply"}])


def customer_writes(client: Client, server: WhatsAppEmulator, account: ChannelAccount, *, hours_ago: float,
                    wamid: str = "wamid.IN1") -> Ticket:
    at = timezone.now() - timedelta(hours=hours_ago)
    doc = server.envelope([server.message_value(wamid=wamid, wa_id="4915112345678", user_id=BSUID,
                                                name="Maria", text="Where is my order?", at=at)])
    body = json.dumps(doc).encode()
    with committed():
        response = client.post(f"/hooks/whatsapp/{account.pk}", data=body, content_type="application/json",
                               HTTP_X_HUB_SIGNATURE_256=sign_body(APP_SECRET, body))
    assert response.status_code == 200
    return Ticket.objects.get()


def token_for(agent: Any) -> str:
    raw = "tok-" + agent.user.username
    ApiToken.objects.create(user=agent.user, name="t", digest=ApiToken.digest_of(raw), prefix=raw[:8])
    return raw


# --- the service ---------------------------------------------------------------------------------------


def test_parameters_are_validated_and_rendered(order_update: MessageTemplate) -> None:
    assert services.parameter_count(order_update) == 2
    assert services.template_render(order_update, ["Maria", "4711"]).startswith("Hello Maria, news about your order 4711.")
    for bad in (["Maria"], ["Maria", ""], ["Maria", "a\nb"], ["Maria", "a      b"]):
        with pytest.raises(DomainError):
            services.template_validate_parameters(order_update, bad)
    with pytest.raises(ValueError):
        services.template_check_body("Hi {{1}} and {{3}}")


@pytest.mark.django_db
def test_after_24_hours_free_text_is_refused_and_a_template_is_sent_end_to_end(
        client: Client, wa, order_update: MessageTemplate, agent) -> None:  # type: ignore[no-untyped-def]
    server, account = wa
    ticket = customer_writes(client, server, account, hours_ago=26)
    with pytest.raises(DomainError) as refused:
        inbox.reply_create(ticket=ticket, user=agent.user, text="Your parcel ships today.")
    assert refused.value.code == "outside_window"
    assert "24 hours" in refused.value.message and "template" in refused.value.message
    assert OutboundDelivery.objects.count() == 0 and server.sent == []

    with committed():
        message = services.template_reply_create(ticket=ticket, template=order_update,
                                                 parameters=["Maria", "4711"], user=agent.user)
    message.refresh_from_db()
    assert message.delivery_status == "sent" and message.external_id.startswith("wamid.")
    assert message.text.startswith("Hello Maria, news about your order 4711.")
    [sent] = server.sent
    assert sent["type"] == "template"
    assert sent["body"]["recipient"] == BSUID
    assert sent["body"]["template"]["name"] == "order_update"
    assert sent["body"]["template"]["components"][0]["parameters"][1] == {"type": "text", "text": "4711"}
    assert ticket.events.filter(kind="reply.created", data__template="order_update").exists()


@pytest.mark.django_db
def test_emulator_refuses_free_text_outside_the_window_with_131047(client: Client, wa, agent) -> None:  # type: ignore[no-untyped-def]
    """If our clock and the platform's disagree, the platform's 131047 fails the delivery for good."""
    server, account = wa
    ticket = customer_writes(client, server, account, hours_ago=23.99)
    server.customer_wrote(BSUID, timezone.now() - timedelta(hours=25))  # the platform saw it earlier
    with committed():
        message = inbox.reply_create(ticket=ticket, user=agent.user, text="Still there?")
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    delivery = OutboundDelivery.objects.get(message=message)
    assert delivery.status == "failed" and delivery.attempts == 1
    assert "131047" in delivery.last_error and "template" in delivery.last_error


@pytest.mark.django_db
def test_unapproved_or_foreign_templates_are_refused(client: Client, wa, order_update, agent, brand) -> None:  # type: ignore[no-untyped-def]
    server, account = wa
    ticket = customer_writes(client, server, account, hours_ago=30)
    order_update.status = "paused"
    order_update.save()
    with pytest.raises(DomainError) as paused:
        services.template_reply_create(ticket=ticket, template=order_update, parameters=["a", "b"], user=agent.user)
    assert paused.value.code == "template_not_approved"
    other = MessageTemplate.objects.create(channel_account=ChannelAccountFactory(brand=brand, kind="whatsapp"),
                                           name="x", body="Hi")
    with pytest.raises(DomainError) as foreign:
        services.template_reply_create(ticket=ticket, template=other, parameters=[], user=agent.user)
    assert foreign.value.code == "template_account"
    assert server.sent == []


# --- the composer -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_composer_explains_the_closed_window_and_sends_a_template(client: Client, wa, order_update, agent) -> None:  # type: ignore[no-untyped-def]
    assert "message_templates" in composer_panels
    server, account = wa
    ticket = customer_writes(client, server, account, hours_ago=48)
    client.force_login(agent.user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "data-window-closed" in page
    assert "more than 24 hours old" in page
    assert 'data-template="order_update"' in page and 'name="param_2"' in page

    refused = client.post(f"/tickets/{ticket.pk}/reply/", {"text": "Hello?", "visibility": "private"})
    assert refused.status_code == 422
    assert "template" in refused.content.decode()
    assert server.sent == []

    with committed():
        answer = client.post(f"/templates/tickets/{ticket.pk}/send/",
                             {"template": order_update.pk, "param_1": "Maria", "param_2": "4711"}, HTTP_HX_REQUEST="1")
    assert answer.status_code == 200, answer.content.decode()[:500]
    assert [m["type"] for m in server.sent] == ["template"]
    assert Message.objects.filter(ticket=ticket, direction="out", delivery_status="sent").count() == 1

    missing = client.post(f"/templates/tickets/{ticket.pk}/send/",
                          {"template": order_update.pk, "param_1": "Maria"}, HTTP_HX_REQUEST="1")
    assert missing.status_code == 422 and "Parameter" in missing.content.decode()


@pytest.mark.django_db
def test_composer_shows_templates_collapsed_while_the_window_is_open(client: Client, wa, order_update, agent) -> None:  # type: ignore[no-untyped-def]
    server, account = wa
    ticket = customer_writes(client, server, account, hours_ago=1)
    client.force_login(agent.user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "data-window-closed" not in page
    assert "Free-form replies are possible until" in page
    assert 'data-template="order_update"' in page


@pytest.mark.django_db
def test_composer_panel_is_absent_on_channels_without_templates(client: Client, sandbox_account, agent) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import CustomerFactory

    ticket = inbox.ticket_open(brand_id=sandbox_account.brand_id, channel_account_id=sandbox_account.pk,
                               customer_id=CustomerFactory().pk, subject="x", at=timezone.now())
    client.force_login(agent.user)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "template-panel" not in page


# --- the API -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_refuses_free_text_and_sends_a_template(client: Client, wa, order_update, agent) -> None:  # type: ignore[no-untyped-def]
    server, account = wa
    ticket = customer_writes(client, server, account, hours_ago=30)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(agent)}"}

    refused = client.post(f"/api/tickets/{ticket.pk}/reply", {"text": "Hello?"}, content_type="application/json", **auth)
    assert refused.status_code == 400
    assert refused.json()["code"] == "outside_window"
    assert "template" in refused.json()["detail"]
    assert OutboundDelivery.objects.count() == 0

    listed = client.get(f"/api/templates/tickets/{ticket.pk}", **auth).json()
    assert listed["needs_template"] is True and listed["window_open"] is False and listed["window_hours"] == 24
    assert [t["name"] for t in listed["templates"]] == ["order_update"]
    assert listed["templates"][0]["parameter_count"] == 2
    assert [t["name"] for t in client.get("/api/templates", **auth).json()] == ["order_update"]

    with committed():
        sent = client.post(f"/api/templates/tickets/{ticket.pk}/send",
                           {"template_id": order_update.pk, "parameters": ["Maria", "4711"]},
                           content_type="application/json", **auth)
    assert sent.status_code == 201, sent.content
    assert sent.json()["text"].startswith("Hello Maria")
    assert [m["type"] for m in server.sent] == ["template"]

    wrong = client.post(f"/api/templates/tickets/{ticket.pk}/send", {"template_id": order_update.pk, "parameters": []},
                        content_type="application/json", **auth)
    assert wrong.status_code == 400 and wrong.json()["code"] == "template_parameters"


@pytest.mark.django_db
def test_api_hides_other_brands_templates(client: Client, wa, order_update, agent) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import BrandFactory

    MessageTemplate.objects.create(channel_account=ChannelAccountFactory(brand=BrandFactory(), kind="whatsapp"),
                                   name="secret_other_brand", body="Hi")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_for(agent)}"}
    assert [t["name"] for t in client.get("/api/templates", **auth).json()] == ["order_update"]
