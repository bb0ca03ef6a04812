from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import Client

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import Author, InboundEvent, OutboundMessage, SendError
from socialcare.channels.connectors.meta.common import sign_body
from socialcare.channels.connectors.meta.emulator import GraphEmulator
from socialcare.channels.connectors.threads.adapter import ThreadsAdapter
from socialcare.channels.models import ChannelAccount
from socialcare.inbox import services
from socialcare.inbox.models import Message, Ticket
from tests.channels.contract import ConnectorContract

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/threads/fixtures"


class TestThreadsConnector(ConnectorContract):
    kind = "threads"
    account_kwargs = {"webhook_secret": "app-secret", "external_id": "2400001", "handle": "acme",
                      "credentials": {"access_token": "graph-token", "verify_token": "vt-123"}}

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {"X-Hub-Signature-256": sign_body(account.webhook_secret, body)}

    def message_fixture(self) -> bytes:
        return (FIXTURES / "replies_mentions.json").read_bytes()

    def expected_events(self) -> list[InboundEvent]:
        return [
            InboundEvent(external_id="18100000001", kind="reply", text="@acme my order never arrived",
                         author=Author(external_id="lena_f", handle="lena_f"), occurred_at="2025-11-20T09:13:20+00:00",
                         thread_key="18000000500", in_reply_to="18000000500",
                         metrics={"permalink": "https://www.threads.net/@lena_f/post/Pp1"}),
            InboundEvent(external_id="18100000002", kind="reply", direction="out", text="Sorry! Which order number?",
                         author=Author(external_id="acme", handle="acme"), occurred_at="2025-11-20T09:20:00+00:00",
                         thread_key="18000000500", in_reply_to="18100000001"),
            InboundEvent(external_id="18100000003", kind="mention", text="@acme the app is down again",
                         author=Author(external_id="max_w", handle="max_w"), occurred_at="2025-11-20T09:25:00+00:00",
                         thread_key="18100000003"),
        ]

    def unknown_fixture(self) -> bytes:
        return json.dumps({"app_id": "1", "topic": "moderate", "target_id": "2400001", "time": 1763630000,
                           "values": {"field": "publish", "value": {"id": "1"}}}).encode()

    @contextmanager
    def emulator(self) -> Iterator[GraphEmulator]:
        with GraphEmulator(access_token="graph-token") as emulator:
            yield emulator

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="Sorry! Please tell us more.", visibility="public",
                               in_reply_to="18100000001")

    def test_reply_is_published_in_two_steps(self, account: ChannelAccount) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            result = ThreadsAdapter().send(account_info(account), self.outbound())
            published = emulator.state.threads_published[0]
            assert published["id"] == result.external_id and published["reply_to_id"] == "18100000001"
            assert [c["path"] for c in emulator.state.calls] == [
                "2400001/threads_publishing_limit", "2400001/threads", "2400001/threads_publish"]

    def test_reply_quota_is_respected(self, account: ChannelAccount) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            emulator.state.threads_quota = 2
            ThreadsAdapter().send(account_info(account), self.outbound())
            ThreadsAdapter().send(account_info(account), self.outbound())
            with pytest.raises(SendError, match="2 replies published through the API per 24 hours") as exc:
                ThreadsAdapter().send(account_info(account), self.outbound())
            assert not exc.value.retriable
            assert len(emulator.state.threads_published) == 2

    def test_no_private_channel(self, account: ChannelAccount) -> None:
        assert ThreadsAdapter().rules(account_info(account)).private_channel is False

    def test_hide_reaches_the_emulator(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        self.post(client, account, body, self.sign_headers(account, body))
        assert Ticket.objects.count() == 2
        reply = Message.objects.get(external_id="18100000001")
        with self.emulator() as emulator:
            ChannelAccount.objects.filter(pk=account.pk).update(api_base_url=emulator.url)
            reply.refresh_from_db()
            services.message_act(message=reply, action="hide", user=None)
            assert emulator.state.hidden["18100000001"] is True
            assert emulator.state.calls[0]["path"] == "18100000001/manage_reply"
