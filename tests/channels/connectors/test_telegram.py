from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from django.test import Client

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import Author, EventAction, InboundEvent, OutboundMessage, SendError
from socialcare.channels.connectors.telegram.emulator import TelegramEmulator
from socialcare.channels.models import ChannelAccount, OutboundDelivery, RawEvent
from socialcare.core import events
from socialcare.inbox import services
from socialcare.inbox.models import Message, Ticket
from tests.channels.contract import ConnectorContract
from tests.factories import ChannelAccountFactory
from tests.helpers import committed

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/telegram/fixtures"
TOKEN = "123456:TEST-bot-token"
SECRET = "tg-secret_42"
ACCOUNT = {"webhook_secret": SECRET, "external_id": "7000001", "handle": "acme_care_bot",
           "credentials": {"bot_token": TOKEN}}
LENA = Author(external_id="268441907", handle="lenav", display_name="Lena Vogel")


class _Emulator:
    def __init__(self, server: TelegramEmulator) -> None:
        self.server = server
        self.url = server.url

    def fail_next(self, status: int) -> None:
        self.server.fail_next(status)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class TestTelegramConnector(ConnectorContract):
    kind = "telegram"
    account_kwargs = ACCOUNT

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {"X-Telegram-Bot-Api-Secret-Token": account.webhook_secret}

    def message_fixture(self) -> bytes:
        return fixture("private_message.json")

    def expected_events(self) -> list[InboundEvent]:
        return [InboundEvent(external_id="268441907:512", kind="direct", visibility="private",
                             text="Hallo, mein Paket ist nicht angekommen", author=LENA,
                             occurred_at="2026-11-25T09:46:40+00:00", thread_key="tg:268441907",
                             metrics={"update_id": 804133021})]

    def unknown_fixture(self) -> bytes:
        return fixture("channel_post.json")

    @contextmanager
    def emulator(self) -> Iterator[_Emulator]:
        with TelegramEmulator(token=TOKEN) as server:
            yield _Emulator(server)

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="Das tut uns leid!", visibility="private",
                               recipient_id="268441907", thread_key="tg:268441907")

    # --- Telegram specifics ---------------------------------------------------------------------------

    def test_bad_signature_is_rejected_and_nothing_stored(self, client: Client, account: ChannelAccount) -> None:
        """Telegram authenticates the sender with a shared secret header, not a signature of the body, so a
        body altered in transit cannot be detected (TLS protects it); a wrong or missing secret is refused."""
        body = self.message_fixture()
        for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, {"X-Telegram-Bot-Api-Secret-Token": ""}, {}):
            assert self.post(client, account, body, headers).status_code == 401
        assert RawEvent.objects.count() == 0
        assert Message.objects.count() == 0

    def test_edited_message_updates_the_text_and_keeps_history(self, client: Client, account: ChannelAccount) -> None:
        for name in ("private_message.json", "edited_message.json", "edited_message.json"):
            body = fixture(name)
            assert self.post(client, account, body, self.sign_headers(account, body)).status_code == 200
        message = Message.objects.get()
        assert message.text == "Hallo, mein Paket 4711 ist nicht angekommen"
        assert message.metrics["edits"] == [{"text": "Hallo, mein Paket ist nicht angekommen",
                                             "replaced_at": "2026-11-25T09:47:10+00:00"}]
        assert list(RawEvent.objects.order_by("id").values_list("status", flat=True)) == [
            "processed", "processed", "duplicate"]

    def test_edit_event_shape(self, account: ChannelAccount) -> None:
        [event] = self.adapter.parse(account_info(account), fixture("edited_message.json"), {})
        assert event.action == EventAction.EDIT and event.external_id == "268441907:512"

    def test_callback_query_is_a_customer_choice(self, account: ChannelAccount) -> None:
        [event] = self.adapter.parse(account_info(account), fixture("callback_query.json"), {})
        assert event.external_id == "cbq:1152921504606846977"
        assert event.text == "😀 Very"
        assert event.in_reply_to == "268441907:1001"
        assert event.metrics["quick_reply"] == {"source": "inline_keyboard", "payload": "csat:5", "title": "😀 Very"}
        assert event.metrics["callback_query_id"] == "1152921504606846977"

    def test_group_messages_are_public(self, account: ChannelAccount) -> None:
        [event] = self.adapter.parse(account_info(account), fixture("group_reply.json"), {})
        assert event.visibility == "public" and event.kind == "reply"
        assert event.in_reply_to == "-1001987654321:70"
        payload = self.adapter.build_payload(OutboundMessage(  # type: ignore[attr-defined]
            idempotency_key="k", text="Yes, Berlin too.", visibility="public", in_reply_to=event.external_id))
        assert payload["chat_id"] == -1001987654321 and payload["reply_to_message_id"] == 77

    def test_inline_keyboard_and_errors(self, account: ChannelAccount) -> None:
        with TelegramEmulator(token=TOKEN) as server:
            account.api_base_url = server.url
            message = OutboundMessage(idempotency_key="k", text="How did we do?", visibility="private",
                                      thread_key="tg:268441907",
                                      options={"buttons": [{"id": "csat:5", "title": "Great"},
                                                           {"id": "csat:1", "title": "Bad"}]})
            result = self.adapter.send(account_info(account), message)
            assert result.external_id == "268441907:1001"
            sent = server.sent[0]["request"]
            assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "Great", "callback_data": "csat:5"}],
                                                                [{"text": "Bad", "callback_data": "csat:1"}]]}
            server.fail_next(429)
            with pytest.raises(SendError) as flood:
                self.adapter.send(account_info(account), message)
            assert flood.value.retriable and flood.value.retry_after == 1
            server.fail_next(403)
            with pytest.raises(SendError) as blocked:
                self.adapter.send(account_info(account), message)
            assert not blocked.value.retriable and "blocked" in str(blocked.value)
            with pytest.raises(SendError) as too_long:
                self.adapter.send(account_info(account), OutboundMessage(
                    idempotency_key="k", text="x" * 4097, visibility="private", thread_key="tg:268441907"))
            assert not too_long.value.retriable


@pytest.mark.django_db
def test_webhook_secret_from_set_webhook_and_redelivered_update(client: Client, brand) -> None:  # type: ignore[no-untyped-def]
    with TelegramEmulator(token=TOKEN) as server:
        account = ChannelAccountFactory(brand=brand, kind="telegram", api_base_url=server.url, **ACCOUNT)
        answer = httpx.post(f"{server.url}/bot{TOKEN}/setWebhook",
                            json={"url": f"http://127.0.0.1:9/hooks/telegram/{account.pk}", "secret_token": SECRET})
        assert answer.json()["ok"] is True
        assert server.state.webhook["secret_token"] == account.webhook_secret
        update = server.text_update(chat_id=268441907, user={"id": 268441907, "first_name": "Lena"},
                                    text="Hallo", message_id=600)
    body = json.dumps(update).encode()
    for _ in range(2):  # Telegram retries an update it thinks we did not get
        with committed():
            response = client.post(f"/hooks/telegram/{account.pk}", data=body, content_type="application/json",
                                   HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET)
        assert response.status_code == 200
    assert Message.objects.count() == 1 and Ticket.objects.count() == 1
    assert list(RawEvent.objects.order_by("id").values_list("status", flat=True)) == ["processed", "duplicate"]


@pytest.mark.django_db
def test_button_press_reaches_the_ticket_and_is_answered(client: Client, brand, agent) -> None:  # type: ignore[no-untyped-def]
    assert any(s.name == "telegram.answer_callback_query" for s in events.subscribers("message.received"))
    with TelegramEmulator(token=TOKEN) as server:
        account = ChannelAccountFactory(brand=brand, kind="telegram", api_base_url=server.url, **ACCOUNT)

        def deliver(update: dict) -> None:  # type: ignore[type-arg]
            with committed():
                response = client.post(f"/hooks/telegram/{account.pk}", data=json.dumps(update).encode(),
                                       content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET)
            assert response.status_code == 200

        lena = {"id": 268441907, "first_name": "Lena", "username": "lenav"}
        deliver(server.text_update(chat_id=268441907, user=lena, text="Paket fehlt", message_id=600))
        ticket = Ticket.objects.get()
        # a CSAT question with an inline keyboard, sent like any reply (automation would set the options)
        with committed():
            question = services.reply_create(ticket=ticket, user=agent.user, text="Wie zufrieden sind Sie?")
            question.metrics = {**question.metrics, "options": {"buttons": [{"id": "csat:5", "title": "Sehr"},
                                                                            {"id": "csat:1", "title": "Gar nicht"}]}}
            question.save(update_fields=["metrics"])
        question.refresh_from_db()
        assert question.delivery_status == "sent" and question.external_id == "268441907:1001"
        keyboard_message = server.sent[0]["result"]
        press = server.callback_update(sent_message=keyboard_message, user=lena, data="csat:5", query_id="cbq-77")
        deliver(press)
        deliver(press)  # redelivered: filed and answered once
        choice = Message.objects.get(external_id="cbq:cbq-77")
        assert choice.ticket_id == ticket.pk and choice.direction == "in"
        assert choice.text == "Sehr"
        assert choice.metrics["quick_reply"]["payload"] == "csat:5"
        assert [a["callback_query_id"] for a in server.answered] == ["cbq-77"]


@pytest.mark.django_db
def test_private_reply_goes_to_the_chat(client: Client, brand, agent) -> None:  # type: ignore[no-untyped-def]
    with TelegramEmulator(token=TOKEN) as server:
        account = ChannelAccountFactory(brand=brand, kind="telegram", api_base_url=server.url, **ACCOUNT)
        body = fixture("private_message.json")
        with committed():
            client.post(f"/hooks/telegram/{account.pk}", data=body, content_type="application/json",
                        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET)
        with committed():
            reply = services.reply_create(ticket=Ticket.objects.get(), user=agent.user, text="Wir prüfen das.")
        reply.refresh_from_db()
        assert reply.delivery_status == "sent"
        assert server.sent[0]["request"]["chat_id"] == 268441907
        assert OutboundDelivery.objects.get().status == "sent"
