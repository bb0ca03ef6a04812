from __future__ import annotations

import html
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import (
    Author,
    EventAction,
    InboundEvent,
    OutboundMessage,
    SendError,
)
from socialcare.channels.connectors.meta.common import sign_body
from socialcare.channels.connectors.registry import get_adapter
from socialcare.channels.connectors.whatsapp.emulator import WhatsAppEmulator
from socialcare.channels.models import ChannelAccount, OutboundDelivery, PendingStatus, RawEvent
from socialcare.crm.models import Identity
from socialcare.inbox import services
from socialcare.inbox.models import Message, Ticket
from tests.channels.contract import ConnectorContract
from tests.factories import ChannelAccountFactory
from tests.helpers import committed

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/whatsapp/fixtures"
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "wa-app-secret"
ACCOUNT = {"webhook_secret": APP_SECRET, "external_id": PHONE_NUMBER_ID, "handle": "15550001111",
           "credentials": {"access_token": "wa-token", "verify_token": "verify-me"}}
MARIA = Author(external_id="DE.1349120865530274191", handle="4915112345678", display_name="Maria Lopez")
TOM = Author(external_id="NL.88201736455120398", handle="", display_name="Tom")


def headers_for(body: bytes) -> dict[str, str]:
    return {"X-Hub-Signature-256": sign_body(APP_SECRET, body)}


class _Emulator:
    def __init__(self, server: WhatsAppEmulator) -> None:
        self.server = server
        self.url = server.url

    def fail_next(self, status: int) -> None:
        self.server.fail_next(status)


class TestWhatsAppConnector(ConnectorContract):
    kind = "whatsapp"
    account_kwargs = ACCOUNT

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return headers_for(body)

    def message_fixture(self) -> bytes:
        return (FIXTURES / "messages_batch.json").read_bytes()

    def expected_events(self) -> list[InboundEvent]:
        return [
            InboundEvent(external_id="wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjEA", kind="direct", visibility="private",
                         text="Hi, my parcel 4711 is damaged", author=MARIA,
                         occurred_at="2026-11-25T09:46:40+00:00", thread_key="wa:DE.1349120865530274191"),
            InboundEvent(external_id="wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjEB", kind="direct", visibility="private",
                         text="photo of the box", author=MARIA, occurred_at="2026-11-25T09:47:40+00:00",
                         thread_key="wa:DE.1349120865530274191",
                         attachments=({"type": "image", "media_id": "1003383421387256", "mime_type": "image/jpeg",
                                       "sha256": "b1dd8e4c3b7f2d1f9d0a3a7e5c4b2a19"},)),
            InboundEvent(external_id="wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQUIy", kind="direct", visibility="private",
                         text="Returns", author=TOM, occurred_at="2026-11-25T09:48:40+00:00",
                         thread_key="wa:NL.88201736455120398", in_reply_to="wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJDQjA1",
                         metrics={"quick_reply": {"source": "button_reply", "payload": "menu_returns",
                                                  "title": "Returns"}}),
            InboundEvent(external_id="wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQUIz", kind="direct", visibility="private",
                         text="Pickup point", author=TOM, occurred_at="2026-11-25T09:49:40+00:00",
                         thread_key="wa:NL.88201736455120398",
                         attachments=({"type": "location", "latitude": 52.3676, "longitude": 4.9041,
                                       "name": "Pickup point", "address": "Damrak 1, Amsterdam"},)),
            InboundEvent(external_id="wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJDQjA5", action=EventAction.STATUS,
                         kind="direct", visibility="private", direction="out",
                         occurred_at="2026-11-25T09:50:40+00:00", data={"status": "delivered"}),
        ]

    def unknown_fixture(self) -> bytes:
        return (FIXTURES / "template_status_update.json").read_bytes()

    @contextmanager
    def emulator(self) -> Iterator[_Emulator]:
        with WhatsAppEmulator(phone_number_id=PHONE_NUMBER_ID, app_secret=APP_SECRET) as server:
            yield _Emulator(server)

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="We are sorry, a replacement is on its way.",
                               visibility="private", recipient_id="DE.1349120865530274191")

    # --- WhatsApp specifics ---------------------------------------------------------------------------

    def test_handshake_answers_the_challenge_and_rejects_a_wrong_token(self, client: Client,
                                                                      account: ChannelAccount) -> None:
        url = f"/hooks/whatsapp/{account.pk}"
        ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"})
        assert ok.status_code == 200 and ok.content == b"1158201444"
        bad = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
        assert bad.status_code == 403

    def test_batch_keys_customers_on_the_business_scoped_id(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        assert self.post(client, account, body, headers_for(body)).status_code == 200
        maria = Identity.objects.get(channel_account=account, external_user_id="DE.1349120865530274191")
        assert maria.handle == "4915112345678"  # the phone is kept, but it is not the key
        assert not Identity.objects.filter(external_user_id="4915112345678").exists()
        tom = Identity.objects.get(channel_account=account, external_user_id="NL.88201736455120398")
        assert tom.handle == ""  # no phone number in the webhook at all
        assert Ticket.objects.count() == 2
        choice = Message.objects.get(external_id="wamid.HBgLMzE2MTIzNDU2NzgVAgASGBQzQUIy")
        assert choice.text == "Returns"
        assert choice.metrics["quick_reply"]["payload"] == "menu_returns"
        photo = Message.objects.get(external_id="wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjEB")
        assert photo.attachments == [{"type": "image", "media_id": "1003383421387256", "mime_type": "image/jpeg",
                                      "sha256": "b1dd8e4c3b7f2d1f9d0a3a7e5c4b2a19"}]
        assert photo.ticket_id == Message.objects.get(external_id="wamid.HBgNNDkxNTExMjM0NTY3OBUCABIYFjEA").ticket_id
        # the status in the batch refers to a message we do not know yet: kept for later
        assert PendingStatus.objects.filter(external_id="wamid.HBgLMzE2MTIzNDU2NzgVAgARGBJDQjA5").exists()

    def test_list_reply_template_button_and_failed_status(self, account: ChannelAccount) -> None:
        events = self.adapter.parse(account_info(account),
                                    (FIXTURES / "list_reply_and_failed_status.json").read_bytes(), {})
        assert [e.text for e in events[:2]] == ["Very satisfied", "Track my order"]
        assert events[0].metrics["quick_reply"] == {"source": "list_reply", "payload": "csat_5",
                                                    "title": "Very satisfied"}
        assert events[1].metrics["quick_reply"]["payload"] == "TRACK_ORDER"
        failed = events[2]
        assert failed.action == EventAction.STATUS
        assert failed.data["status"] == "failed"
        assert failed.data["errors"][0]["code"] == 131047

    def test_other_phone_numbers_of_the_business_account_are_ignored(self, account: ChannelAccount) -> None:
        other = json.loads(self.message_fixture().replace(PHONE_NUMBER_ID.encode(), b"999"))
        assert self.adapter.parse(account_info(account), json.dumps(other).encode(), {}) == []

    def test_wrong_object_is_a_parse_error(self, client: Client, account: ChannelAccount) -> None:
        body = json.dumps({"object": "page", "entry": []}).encode()
        assert self.post(client, account, body, headers_for(body)).status_code == 200
        assert RawEvent.objects.get().status == "failed"

    def test_send_payloads(self) -> None:
        adapter = get_adapter("whatsapp")
        by_bsuid = adapter.build_payload(self.outbound())  # type: ignore[attr-defined]
        assert by_bsuid["recipient"] == "DE.1349120865530274191" and "to" not in by_bsuid
        assert by_bsuid["text"]["body"].startswith("We are sorry")
        by_phone = adapter.build_payload(OutboundMessage(  # type: ignore[attr-defined]
            idempotency_key="k", text="Pick one", visibility="private", recipient_id="4915112345678",
            options={"buttons": [{"id": "yes", "title": "Yes"}, {"id": "no", "title": "No"}]}))
        assert by_phone["to"] == "4915112345678"
        assert by_phone["interactive"]["action"]["buttons"][1] == {"type": "reply", "reply": {"id": "no", "title": "No"}}
        menu = adapter.build_payload(OutboundMessage(  # type: ignore[attr-defined]
            idempotency_key="k", text="How can we help?", visibility="private", recipient_id="4915112345678",
            options={"list": {"button": "Menu", "sections": [{"title": "Topics", "rows": [
                {"id": "orders", "title": "Orders"}, {"id": "returns", "title": "Returns"}]}]}}))
        assert menu["interactive"]["type"] == "list"
        template = adapter.build_payload(OutboundMessage(  # type: ignore[attr-defined]
            idempotency_key="k", text="", visibility="private", recipient_id="4915112345678",
            options={"template": {"name": "order_update", "language": "en_US", "parameters": ["Maria", "4711"]}}))
        assert template["template"] == {"name": "order_update", "language": {"code": "en_US"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": "Maria"}, {"type": "text", "text": "4711"}]}]}
        with pytest.raises(SendError):
            adapter.build_payload(OutboundMessage(  # type: ignore[attr-defined]
                idempotency_key="k", text="Too many", visibility="private", recipient_id="4915112345678",
                options={"buttons": [{"title": str(n)} for n in range(4)]}))

    def test_window_error_is_not_retriable_and_explained(self, account: ChannelAccount) -> None:
        with WhatsAppEmulator(phone_number_id=PHONE_NUMBER_ID) as server:
            account.api_base_url = server.url
            for code in (131047, 470):
                server.fail_next(400, code)
                with pytest.raises(SendError) as caught:
                    self.adapter.send(account_info(account), self.outbound())
                assert not caught.value.retriable
                assert "24 hours" in str(caught.value) and "template" in str(caught.value)
            server.fail_next(400, 131056)
            with pytest.raises(SendError) as throttled:
                self.adapter.send(account_info(account), self.outbound())
            assert throttled.value.retriable and throttled.value.retry_after
            server.fail_next(400, 190)
            with pytest.raises(SendError) as expired:
                self.adapter.send(account_info(account), self.outbound())
            assert not expired.value.retriable and "token" in str(expired.value)

    def test_retried_send_returns_the_first_wamid(self, account: ChannelAccount) -> None:
        with WhatsAppEmulator(phone_number_id=PHONE_NUMBER_ID) as server:
            account.api_base_url = server.url
            first = self.adapter.send(account_info(account), self.outbound())
            again = self.adapter.send(account_info(account), self.outbound())
            assert first.external_id == again.external_id
            assert len(server.sent) == 1


@pytest.fixture
def wa(brand):  # type: ignore[no-untyped-def]
    with WhatsAppEmulator(phone_number_id=PHONE_NUMBER_ID, app_secret=APP_SECRET) as server:
        account = ChannelAccountFactory(brand=brand, kind="whatsapp", api_base_url=server.url,
                                        display_name="Acme WhatsApp", **ACCOUNT)
        yield server, account


def _deliver(client: Client, account: ChannelAccount, doc: dict) -> None:  # type: ignore[type-arg]
    body = json.dumps(doc).encode()
    with committed():
        response = client.post(f"/hooks/whatsapp/{account.pk}", data=body, content_type="application/json",
                               HTTP_X_HUB_SIGNATURE_256=sign_body(APP_SECRET, body))
    assert response.status_code == 200


@pytest.mark.django_db
def test_reply_end_to_end_with_statuses_before_and_after_the_send(client: Client, wa, agent) -> None:  # type: ignore[no-untyped-def]
    server, account = wa
    now = datetime.now(UTC)
    _deliver(client, account, server.envelope([server.message_value(
        wamid="wamid.IN1", wa_id="4915112345678", user_id="DE.1349120865530274191", name="Maria", text="Hello?",
        at=now - timedelta(minutes=5))]))
    ticket = Ticket.objects.get()
    # The platform's "sent" status for the wamid the emulator will hand out arrives before our send returns.
    _deliver(client, account, server.envelope([server.status_value(wamid="wamid.EMU000001", status="delivered",
                                                                   recipient="4915112345678")]))
    assert PendingStatus.objects.count() == 1
    with committed():
        reply = services.reply_create(ticket=ticket, user=agent.user, text="Hi Maria, we are on it.")
    reply.refresh_from_db()
    assert reply.external_id == "wamid.EMU000001"
    assert reply.delivery_status == "delivered"  # the early status was applied when the send returned
    assert PendingStatus.objects.count() == 0
    assert server.sent[0]["body"]["recipient"] == "DE.1349120865530274191"
    _deliver(client, account, server.envelope([server.status_value(wamid=reply.external_id, status="read",
                                                                   recipient="4915112345678")]))
    _deliver(client, account, server.envelope([server.status_value(wamid=reply.external_id, status="delivered",
                                                                   recipient="4915112345678")]))
    reply.refresh_from_db()
    assert reply.delivery_status == "read"  # statuses never go backwards


@pytest.mark.django_db
def test_reply_after_24_hours_is_refused_before_sending(client: Client, wa, agent) -> None:  # type: ignore[no-untyped-def]
    server, account = wa
    old = timezone.now() - timedelta(hours=30)
    _deliver(client, account, server.envelope([server.message_value(
        wamid="wamid.OLD", wa_id="4915112345678", user_id="DE.1349120865530274191", name="Maria", text="Hi",
        at=old)]))
    ticket = Ticket.objects.get()
    from socialcare.core.errors import DomainError

    with pytest.raises(DomainError) as refused, committed():
        services.reply_create(ticket=ticket, user=agent.user, text="Sorry for the wait!")
    assert refused.value.code == "outside_window"
    assert "24 hours" in refused.value.message and "template" in refused.value.message
    assert OutboundDelivery.objects.count() == 0
    assert server.sent == []


# --- channel rules in one place: the composer, the API and automation (reply_create) all refuse -------------


def test_private_only_channels_refuse_public_replies() -> None:
    from socialcare.channels.rules import reply_violations

    rules = get_adapter("whatsapp").rules(account_info(ChannelAccount(kind="whatsapp")))
    problems = reply_violations(rules, text="Hi", visibility="public", last_customer_message_at=timezone.now(),
                                now=timezone.now())
    assert [p.code for p in problems] == ["no_public"]
    assert "private only" in problems[0].message
    sandbox = get_adapter("sandbox").rules(account_info(ChannelAccount(kind="sandbox")))
    assert reply_violations(sandbox, text="Hi", visibility="public", last_customer_message_at=None,
                            now=timezone.now()) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "visibility", "hours_ago", "code"), [
    ("x" * 4097, "private", 1, "too_long"),
    ("Sorry for the wait", "private", 30, "outside_window"),
    ("Thanks!", "public", 1, "no_public"),
])
def test_a_reply_breaking_a_rule_is_refused_everywhere_before_sending(  # type: ignore[no-untyped-def]
        client: Client, wa, agent, text, visibility, hours_ago, code) -> None:
    from socialcare.accounts.models import ApiToken
    from socialcare.core.errors import DomainError

    server, account = wa
    _deliver(client, account, server.envelope([server.message_value(
        wamid="wamid.R1", wa_id="4915112345678", user_id="DE.1349120865530274191", name="Maria", text="Hi",
        at=timezone.now() - timedelta(hours=hours_ago))]))
    ticket = Ticket.objects.get()

    # automation and every other caller: the service
    with pytest.raises(DomainError) as service_refusal, committed():
        services.reply_create(ticket=ticket, user=None, text=text, visibility=visibility, actor="rule:1")
    assert service_refusal.value.code == code

    # the API
    ApiToken.objects.create(user=agent.user, name="t", digest=ApiToken.digest_of("tok-rules"), prefix="tok-rule")
    with committed():
        api = client.post(f"/api/tickets/{ticket.pk}/reply", {"text": text, "visibility": visibility},
                          content_type="application/json", HTTP_AUTHORIZATION="Bearer tok-rules")
    assert api.status_code == 400 and api.json()["code"] == code
    assert api.json()["detail"] == service_refusal.value.message

    # the composer
    client.force_login(agent.user)
    with committed():
        web = client.post(f"/tickets/{ticket.pk}/reply/", {"text": text, "visibility": visibility},
                          HTTP_HX_REQUEST="1")
    assert web.status_code == 422
    assert service_refusal.value.message in html.unescape(web.content.decode())

    assert OutboundDelivery.objects.count() == 0
    assert not Message.objects.filter(direction="out").exists()
    assert server.sent == []


@pytest.mark.django_db(transaction=True)
def test_emulator_delivers_signed_status_lifecycle_over_http(live_server, brand, agent) -> None:  # type: ignore[no-untyped-def]
    """The emulator as the demo uses it: real HTTP webhooks, signed with the app secret."""
    with WhatsAppEmulator(phone_number_id=PHONE_NUMBER_ID, app_secret=APP_SECRET) as server:
        account = ChannelAccountFactory(brand=brand, kind="whatsapp", api_base_url=server.url, **ACCOUNT)
        hook = f"{live_server.url}/hooks/whatsapp/{account.pk}"
        doc = server.envelope([server.message_value(wamid="wamid.LIVE1", wa_id="4915112345678", name="Maria",
                                                    text="Hallo")])
        assert server.deliver(hook, doc).status_code == 200
        ticket = Ticket.objects.get()
        assert Identity.objects.get().external_user_id == "4915112345678"  # no BSUID in this webhook
        with committed():
            reply = services.reply_create(ticket=ticket, user=agent.user, text="Hallo Maria!")
        reply.refresh_from_db()
        assert server.sent[0]["body"]["to"] == "4915112345678"
        answers = server.deliver_statuses(hook, reply.external_id)
        assert [a.status_code for a in answers] == [200, 200, 200]
        reply.refresh_from_db()
        assert reply.delivery_status == "read"
        tampered = httpx.post(hook, content=b'{"object": "whatsapp_business_account", "entry": []}',
                              headers={"X-Hub-Signature-256": server.sign(b"{}")})
        assert tampered.status_code == 401
