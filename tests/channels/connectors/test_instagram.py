from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.test import Client

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import Author, InboundEvent, OutboundMessage, SendError
from socialcare.channels.connectors.instagram.adapter import InstagramAdapter
from socialcare.channels.connectors.meta.common import sign_body
from socialcare.channels.connectors.meta.emulator import GraphEmulator
from socialcare.channels.models import ChannelAccount
from socialcare.inbox import services
from socialcare.inbox.models import Message
from tests.channels.contract import ConnectorContract

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/instagram/fixtures"
IG = "17841400000000001"


class TestInstagramConnector(ConnectorContract):
    kind = "instagram"
    account_kwargs = {"webhook_secret": "app-secret", "external_id": IG, "handle": "acme",
                      "credentials": {"access_token": "graph-token", "verify_token": "vt-123"}}

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {"X-Hub-Signature-256": sign_body(account.webhook_secret, body)}

    def message_fixture(self) -> bytes:
        return (FIXTURES / "comments_mentions_dm.json").read_bytes()

    def expected_events(self) -> list[InboundEvent]:
        feed = {"media_product_type": "FEED"}
        return [
            InboundEvent(external_id="17900000001", kind="comment", text="Where is my order 4711?",
                         author=Author(external_id="178414501", handle="lena.fischer"),
                         occurred_at="2025-11-20T09:13:20+00:00", thread_key="18000000001",
                         in_reply_to="18000000001", metrics=feed),
            InboundEvent(external_id="17900000002", kind="reply", direction="out",
                         text="@lena.fischer please check your DMs", author=Author(external_id=IG, handle="acme"),
                         occurred_at="2025-11-20T09:13:50+00:00", thread_key="18000000001",
                         in_reply_to="17900000001", metrics=feed),
            InboundEvent(external_id="17900000009", kind="mention", author=Author(external_id="unknown:18000000077"),
                         occurred_at="2025-11-20T09:15:00+00:00", thread_key="18000000077",
                         in_reply_to="18000000077"),
            InboundEvent(external_id="aWdfZAG1", kind="direct", visibility="private",
                         text="Hallo, hier meine Bestellnummer 4711", author=Author(external_id="igsid_501"),
                         occurred_at="2025-11-20T09:15:20+00:00", thread_key="igsid_501"),
        ]

    def unknown_fixture(self) -> bytes:
        return json.dumps({"object": "instagram", "entry": [{"id": IG, "time": 1763630000, "changes": [
            {"field": "story_insights", "value": {"media_id": "1", "reach": 5}}]}]}).encode()

    @contextmanager
    def emulator(self) -> Iterator[GraphEmulator]:
        with GraphEmulator(access_token="graph-token") as emulator:
            yield emulator

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="Sorry! We sent you a DM.", visibility="public",
                               in_reply_to="17900000001")

    def test_dm_limit_is_1000(self, account: ChannelAccount) -> None:
        assert InstagramAdapter().rules(account_info(account)).max_length == 1000
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            long_dm = OutboundMessage(idempotency_key="k", text="x" * 1001, visibility="private", thread_key="igsid_501")
            with pytest.raises(SendError, match="1000"):
                InstagramAdapter().send(account_info(account), long_dm)
            ok = InstagramAdapter().send(account_info(account), OutboundMessage(
                idempotency_key="k2", text="Danke!", visibility="private", thread_key="igsid_501"))
            assert ok.external_id == emulator.state.sent_messages[0]["message_id"]

    def test_reply_hide_delete_private_reply_reach_the_emulator(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        self.post(client, account, body, self.sign_headers(account, body))
        comment = Message.objects.get(external_id="17900000001")
        with self.emulator() as emulator:
            ChannelAccount.objects.filter(pk=account.pk).update(api_base_url=emulator.url)
            comment.refresh_from_db()
            emulator.learn(json.loads(body))
            InstagramAdapter().send(account_info(comment.channel_account), self.outbound())
            services.message_act(message=comment, action="hide", user=None)
            services.message_act(message=comment, action="private_reply", user=None, params={"text": "Hi Lena"})
            services.message_act(message=comment, action="delete", user=None)
            assert emulator.state.comments[0]["edge"] == "replies"
            assert emulator.state.hidden["17900000001"] is True
            assert "17900000001" in emulator.state.deleted
            assert emulator.state.sent_messages[0]["recipient"] == {"comment_id": "17900000001"}
        comment.refresh_from_db()
        assert comment.platform_state["hidden"] is True and comment.platform_state["deleted_by_brand"] is True
