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
from socialcare.channels.connectors.facebook.adapter import FacebookAdapter
from socialcare.channels.connectors.meta.common import graph_call, sign_body, usage_from_headers
from socialcare.channels.connectors.meta.emulator import GraphEmulator, deliver
from socialcare.channels.models import ChannelAccount, RawEvent
from socialcare.inbox import services
from socialcare.inbox.models import Message, Ticket
from tests.channels.contract import ConnectorContract
from tests.helpers import committed

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/facebook/fixtures"
PAGE = "1122334455"
ACCOUNT = {"webhook_secret": "app-secret", "external_id": PAGE, "handle": "acme",
           "credentials": {"access_token": "graph-token", "verify_token": "vt-123"}}


class TestFacebookConnector(ConnectorContract):
    kind = "facebook"
    account_kwargs = ACCOUNT

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {"X-Hub-Signature-256": sign_body(account.webhook_secret, body)}

    def message_fixture(self) -> bytes:
        return (FIXTURES / "feed_batch.json").read_bytes()

    def expected_events(self) -> list[InboundEvent]:
        lena = Author(external_id="7001", display_name="Lena Fischer")
        post = f"{PAGE}_900"
        return [
            InboundEvent(external_id="900_501", kind="comment", text="My parcel 4711 is late", author=lena,
                         occurred_at="2025-11-20T09:13:20+00:00", thread_key=post, in_reply_to=post),
            InboundEvent(external_id="900_502", kind="reply", text="Any news?", author=lena,
                         occurred_at="2025-11-20T09:14:20+00:00", thread_key=post, in_reply_to="900_501"),
            InboundEvent(external_id="reaction:900_501:7002:love", action=EventAction.ENGAGEMENT,
                         author=Author(external_id="7002", display_name="Tom Berg"),
                         occurred_at="2025-11-20T09:14:30+00:00", in_reply_to="900_501", data={"reaction": "love"}),
            InboundEvent(external_id="900_503", kind="reply", direction="out", text="Sorry Lena, we are on it",
                         author=Author(external_id=PAGE, display_name="Acme"), occurred_at="2025-11-20T09:15:50+00:00",
                         thread_key=post, in_reply_to="900_501"),
            InboundEvent(external_id=f"{PAGE}_950", kind="post", text="Your app logs me out all the time",
                         author=Author(external_id="7003", display_name="Max Weber"),
                         occurred_at="2025-11-20T09:16:20+00:00", thread_key=f"{PAGE}_950"),
        ]

    def unknown_fixture(self) -> bytes:
        return json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1763630000, "changes": [
            {"field": "ratings", "value": {"item": "rating", "verb": "add"}}]}]}).encode()

    @contextmanager
    def emulator(self) -> Iterator[GraphEmulator]:
        with GraphEmulator(access_token="graph-token") as emulator:
            yield emulator

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="Sorry to hear that!", visibility="public",
                               in_reply_to="900_501")

    # --- Facebook specifics --------------------------------------------------------------------------
    def test_handshake_echoes_challenge_and_rejects_wrong_token(self, client: Client, account: ChannelAccount) -> None:
        url = f"/hooks/facebook/{account.pk}"
        ok = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "vt-123", "hub.challenge": "1158201444"})
        assert ok.status_code == 200 and ok.content == b"1158201444"
        bad = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
        assert bad.status_code == 403
        account.refresh_from_db()
        assert account.last_handshake_ok is False

    def test_batch_threads_comments_under_the_post(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        self.post(client, account, body, self.sign_headers(account, body))
        lena_ticket = Message.objects.get(external_id="900_501").ticket
        assert set(lena_ticket.messages.values_list("external_id", flat=True)) == {"900_501", "900_502", "900_503"}
        assert lena_ticket.messages.get(external_id="900_503").direction == "out"
        assert Ticket.objects.count() == 2  # Lena's comments, Max's visitor post; the reaction opens none
        assert Message.objects.get(external_id="900_501").metrics["reactions"] == {"love": 1}

    def test_edit_and_remove_keep_the_archive(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        self.post(client, account, body, self.sign_headers(account, body))
        change = (FIXTURES / "feed_edit_remove.json").read_bytes()
        self.post(client, account, change, self.sign_headers(account, change))
        edited = Message.objects.get(external_id="900_501")
        assert edited.text == "My parcel 4711 is two weeks late"
        assert edited.metrics["edits"][0]["text"] == "My parcel 4711 is late"
        removed = Message.objects.get(external_id="900_502")
        assert removed.deleted_at is not None and removed.text == "Any news?"

    def test_actions_reach_the_emulator(self, client: Client, account: ChannelAccount) -> None:
        body = self.message_fixture()
        self.post(client, account, body, self.sign_headers(account, body))
        comment = Message.objects.get(external_id="900_501")
        with GraphEmulator(access_token="graph-token") as emulator:
            ChannelAccount.objects.filter(pk=account.pk).update(api_base_url=emulator.url)
            comment.refresh_from_db()
            emulator.learn(json.loads(body))
            services.message_act(message=comment, action="like", user=None)
            services.message_act(message=comment, action="hide", user=None)
            assert emulator.state.hidden["900_501"] is True
            services.message_act(message=comment, action="unhide", user=None)
            services.message_act(message=comment, action="private_reply", user=None, params={"text": "Hi Lena, DM us"})
            services.message_act(message=comment, action="delete", user=None)
            assert "900_501" in emulator.state.liked
            assert emulator.state.hidden["900_501"] is False
            assert "900_501" in emulator.state.deleted
            sent = emulator.state.sent_messages[0]
            assert sent["recipient"] == {"comment_id": "900_501"} and sent["recipient_id"] == "psid_7001"
            hide_call = [c for c in emulator.state.calls if c["path"] == "900_501" and c["method"] == "POST"][0]
            assert hide_call["params"]["is_hidden"] == "true"
        comment.refresh_from_db()
        assert comment.platform_state["deleted_by_brand"] is True
        assert comment.platform_state["private_reply_recipient_id"] == "psid_7001"
        assert comment.text == "My parcel 4711 is late"  # our archive keeps the text
        assert set(comment.ticket.events.values_list("kind", flat=True)) >= {"message.like", "message.delete"}

    def test_public_reply_posts_under_the_comment(self, account: ChannelAccount) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            result = FacebookAdapter().send(account_info(account), self.outbound())
            assert emulator.state.comments[0]["parent_id"] == "900_501"
            assert result.external_id == emulator.state.comments[0]["id"]
            assert result.rate_limit_remaining == 95

    @pytest.mark.parametrize("code", [4, 17, 32, 613])
    def test_throttling_codes_are_retriable_with_backoff(self, account: ChannelAccount, code: int) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            emulator.fail_next(400, code)
            with pytest.raises(SendError) as exc:
                FacebookAdapter().send(account_info(account), self.outbound())
        assert exc.value.retriable and exc.value.retry_after and exc.value.retry_after >= 60
        assert f"{code}" in str(exc.value)

    def test_business_use_case_header_sets_the_wait(self, account: ChannelAccount) -> None:
        header = json.dumps({PAGE: [{"type": "pages", "call_count": 100, "total_cputime": 30, "total_time": 40,
                                     "estimated_time_to_regain_access": 7}]})
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            emulator.fail_next(400, 80001, headers={"X-Business-Use-Case-Usage": header})
            with pytest.raises(SendError) as exc:
                graph_call(account_info(account), "POST", "900_501/likes")
        assert exc.value.retriable and exc.value.retry_after == 420
        assert usage_from_headers({"X-Business-Use-Case-Usage": header}).remaining == 0

    def test_expired_token_is_not_retried(self, account: ChannelAccount) -> None:
        with self.emulator() as emulator:
            account.api_base_url = emulator.url
            account.credentials = {**account.credentials, "access_token": "old"}
            with pytest.raises(SendError) as exc:
                FacebookAdapter().send(account_info(account), self.outbound())
        assert not exc.value.retriable and "expired or revoked" in str(exc.value)

    def test_deliver_signs_like_meta(self, account: ChannelAccount, live_server) -> None:  # type: ignore[no-untyped-def]
        body = self.message_fixture()
        url = f"{live_server.url}/hooks/facebook/{account.pk}"
        with committed():
            assert deliver(url, "app-secret", body).status_code == 200
            assert deliver(url, "wrong-secret", body).status_code == 401
        assert RawEvent.objects.count() == 1
        assert httpx  # the helper posts over real HTTP on loopback
