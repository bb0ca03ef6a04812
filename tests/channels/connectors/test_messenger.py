from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import Author, EventAction, InboundEvent, OutboundMessage, SendError
from socialcare.channels.connectors.messenger.adapter import MessengerAdapter
from socialcare.channels.connectors.meta.common import sign_body
from socialcare.channels.connectors.meta.emulator import GraphEmulator
from socialcare.channels.models import ChannelAccount
from socialcare.channels.rules import reply_violations
from socialcare.inbox.models import Message, Ticket
from tests.channels.contract import ConnectorContract

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/messenger/fixtures"
PAGE = "1122334455"


class TestMessengerConnector(ConnectorContract):
    kind = "messenger"
    account_kwargs = {"webhook_secret": "app-secret", "external_id": PAGE, "handle": "acme",
                      "credentials": {"access_token": "graph-token", "verify_token": "vt-123"}}

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {"X-Hub-Signature-256": sign_body(account.webhook_secret, body)}

    def message_fixture(self) -> bytes:
        return (FIXTURES / "messaging_batch.json").read_bytes()

    def expected_events(self) -> list[InboundEvent]:
        customer = Author(external_id="psid_7001")
        common = {"kind": "direct", "visibility": "private", "thread_key": "psid_7001"}
        return [
            InboundEvent(external_id="m_AAA1", text="Hi, my parcel 4711 is late", author=customer,
                         occurred_at="2025-11-20T09:13:20+00:00", **common),
            InboundEvent(external_id="m_AAA2", text="Track order", author=customer,
                         occurred_at="2025-11-20T09:13:21+00:00", metrics={"quick_reply_payload": "TRACK_ORDER"},
                         **common),
            InboundEvent(external_id="m_AAA3", author=customer, occurred_at="2025-11-20T09:13:22+00:00",
                         attachments=({"type": "image", "url": "https://scontent.example/receipt.jpg"},), **common),
            InboundEvent(external_id="m_AAA4", direction="out", text="We will check that for you",
                         author=Author(external_id=PAGE), occurred_at="2025-11-20T09:13:23+00:00", **common),
            InboundEvent(external_id="m_AAA4", action=EventAction.STATUS, occurred_at="2025-11-20T09:13:24+00:00",
                         data={"status": "delivered"}),
        ]

    def unknown_fixture(self) -> bytes:
        return json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1763630000000, "messaging": [
            {"sender": {"id": "psid_7001"}, "recipient": {"id": PAGE}, "timestamp": 1763630000000,
             "optin": {"ref": "landing"}}]}]}).encode()

    @contextmanager
    def emulator(self) -> Iterator[GraphEmulator]:
        with GraphEmulator(access_token="graph-token") as emulator:
            yield emulator

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="We are on it", visibility="private",
                               thread_key="psid_7001")

    # --- Messenger specifics -------------------------------------------------------------------------
    def test_conversation_echo_and_status_land_in_one_ticket(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        self.post(client, account, body, self.sign_headers(account, body))
        assert Ticket.objects.count() == 1
        echo = Message.objects.get(external_id="m_AAA4")
        assert echo.direction == "out" and echo.delivery_status == "delivered"
        assert Message.objects.get(external_id="m_AAA3").attachments[0]["url"].endswith("receipt.jpg")
        assert Message.objects.get(external_id="m_AAA2").metrics["quick_reply_payload"] == "TRACK_ORDER"

    def test_window_rules(self, account: ChannelAccount) -> None:
        now = timezone.now()
        rules = MessengerAdapter().rules(account_info(account))
        assert (rules.max_length, rules.messaging_window_hours, rules.extended_window_hours) == (2000, 24, None)
        late = reply_violations(rules, text="hi", visibility="private", now=now,
                                last_customer_message_at=now - timedelta(hours=25), use_extended_window=True)
        assert [v.code for v in late] == ["outside_window"]
        account.settings = {"human_agent_tag": True}
        tagged = MessengerAdapter().rules(account_info(account))
        assert tagged.extended_window_hours == 168
        assert not reply_violations(tagged, text="hi", visibility="private", now=now, use_extended_window=True,
                                    last_customer_message_at=now - timedelta(days=5))
        assert reply_violations(tagged, text="hi", visibility="private", now=now, use_extended_window=True,
                                last_customer_message_at=now - timedelta(days=8))

    def test_send_refused_after_24h_allowed_with_human_agent_tag(self, account: ChannelAccount) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            emulator.state.last_customer_message["psid_7001"] = time.time() - 30 * 3600
            with pytest.raises(SendError) as exc:
                MessengerAdapter().send(account_info(account), self.outbound())
            assert not exc.value.retriable and "2018278" in str(exc.value)
            account.settings = {"human_agent_tag": True}
            result = MessengerAdapter().send(account_info(account), self.outbound())
            assert result.external_id
            sent = emulator.state.sent_messages[-1]
            assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
            emulator.state.last_customer_message["psid_7001"] = time.time() - 8 * 24 * 3600
            with pytest.raises(SendError):
                MessengerAdapter().send(account_info(account), self.outbound())

    def test_quick_replies(self, account: ChannelAccount) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            menu = OutboundMessage(idempotency_key="k2", text="How can we help?", visibility="private",
                                   thread_key="psid_7001",
                                   options={"quick_replies": ["Track order", {"title": "Refund", "payload": "REFUND"}]})
            MessengerAdapter().send(account_info(account), menu)
            assert emulator.state.sent_messages[0]["quick_replies"][1] == {
                "content_type": "text", "title": "Refund", "payload": "REFUND"}
            too_many = OutboundMessage(idempotency_key="k3", text="Pick", visibility="private",
                                       thread_key="psid_7001", options={"quick_replies": [f"o{i}" for i in range(14)]})
            with pytest.raises(SendError, match="at most 13"):
                MessengerAdapter().send(account_info(account), too_many)

    def test_automated_disclosure_for_german_audience(self, account: ChannelAccount) -> None:
        assert MessengerAdapter().rules(account_info(account)).automated_disclosure == ""
        account.settings = {"audience_includes_german_users": True}
        assert "Automatische Nachricht" in MessengerAdapter().rules(account_info(account)).automated_disclosure
