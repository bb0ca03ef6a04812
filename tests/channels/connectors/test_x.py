from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import (
    Author,
    EventAction,
    InboundEvent,
    OutboundMessage,
    SendError,
    WebhookRequest,
)
from socialcare.channels.connectors.registry import get_adapter
from socialcare.channels.connectors.x.adapter import SIGNATURE_HEADER, sign
from socialcare.channels.connectors.x.emulator import XEmulator
from socialcare.channels.connectors.x.length import weighted_length
from socialcare.channels.connectors.x.query import QueryError, compile_query
from socialcare.channels.models import ChannelAccount
from socialcare.channels.rules import measure, reply_violations
from socialcare.inbox.models import Message, Ticket
from tests.channels.contract import ConnectorContract
from tests.factories import ChannelAccountFactory
from tests.helpers import committed

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/x/fixtures"
BRAND = "4815162342"
SECRET = "x-consumer-secret"
TOKEN = "x-user-token"
ACCOUNT_KWARGS: dict[str, Any] = {
    "external_id": BRAND, "handle": "acme_care", "webhook_secret": "",
    "credentials": {"consumer_secret": SECRET, "access_token": TOKEN},
}
ANNA = Author(external_id="7001", handle="anna_k", display_name="Anna K.", follower_count=230)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class _Emulator:
    def __init__(self, server: XEmulator) -> None:
        self.server = server
        self.url = server.url

    def fail_next(self, status: int) -> None:
        self.server.fail_next(status)


class TestXConnector(ConnectorContract):
    kind = "x"
    account_kwargs = ACCOUNT_KWARGS

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {SIGNATURE_HEADER: sign(SECRET, body)}

    def message_fixture(self) -> bytes:
        return fixture("aa_mentions.json")

    def expected_events(self) -> list[InboundEvent]:
        return [
            InboundEvent(external_id="1991234567890000001", kind="mention", text="@acme_care my order 4711 never arrived",
                         author=ANNA, occurred_at="2026-11-20T09:15:00+00:00", thread_key="1991234567890000001",
                         metrics={"retweet_count": 0, "favorite_count": 1}),
            InboundEvent(external_id="1991234567890000002", kind="reply", text="@acme_care still waiting...",
                         author=Author(external_id="7001", handle="anna_k", display_name="Anna K.", follower_count=231),
                         occurred_at="2026-11-20T09:40:00+00:00", in_reply_to="1991234567890000001"),
            InboundEvent(external_id="1991234567890000003", kind="mention", text="Same here, two weeks now",
                         author=Author(external_id="7002", handle="jonas_b", display_name="Jonas",
                                       follower_count=12000, verified=True),
                         occurred_at="2026-11-20T10:05:00+00:00", thread_key="1991234567890000003",
                         data={"quoted_id": "1991234567890000001"}),
        ]

    def unknown_fixture(self) -> bytes:
        return fixture("aa_follow.json")

    @contextmanager
    def emulator(self) -> Iterator[_Emulator]:
        with XEmulator(consumer_secret=SECRET, access_token=TOKEN, brand_id=BRAND) as server:
            yield _Emulator(server)

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="Sorry to hear that!", visibility="public",
                               in_reply_to="1991234567890000001")


# --- specific behaviour -----------------------------------------------------------------------------------


@pytest.fixture
def x_account(brand: Any) -> ChannelAccount:
    return ChannelAccountFactory(brand=brand, kind="x", **ACCOUNT_KWARGS)


@pytest.fixture
def emulator() -> Iterator[XEmulator]:
    with XEmulator(consumer_secret=SECRET, access_token=TOKEN, brand_id=BRAND, brand_username="acme_care",
                   heartbeat_seconds=0.2) as server:
        yield server


def post_signed(client: Client, account: ChannelAccount, body: bytes) -> Any:
    with committed():
        return client.post(f"/hooks/x/{account.pk}", data=body, content_type="application/json",
                           HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=sign(SECRET, body))


def parse(account: ChannelAccount, name: str) -> list[InboundEvent]:
    return get_adapter("x").parse(account_info(account), fixture(name), {})


@pytest.mark.django_db
class TestWebhook:
    def test_crc_answers_with_base64_hmac(self, client: Client, x_account: ChannelAccount) -> None:
        response = client.get(f"/hooks/x/{x_account.pk}", {"crc_token": "challenge-123"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        # independently computed: base64(HMAC-SHA256(consumer secret, token))
        import base64
        import hashlib
        import hmac
        digest = hmac.new(SECRET.encode(), b"challenge-123", hashlib.sha256).digest()
        assert response.json() == {"response_token": "sha256=" + base64.b64encode(digest).decode()}
        x_account.refresh_from_db()
        assert x_account.last_handshake_ok is True

    def test_get_without_crc_token_is_not_a_handshake(self, client: Client, x_account: ChannelAccount) -> None:
        assert client.get(f"/hooks/x/{x_account.pk}").status_code == 400

    def test_signature_is_checked_on_the_raw_body(self, x_account: ChannelAccount) -> None:
        adapter = get_adapter("x")
        body = fixture("aa_mentions.json")
        good = WebhookRequest("POST", {SIGNATURE_HEADER: sign(SECRET, body)}, {}, body)
        adapter.verify(account_info(x_account), good)
        from socialcare.channels.connectors.base import SignatureError
        for headers, raw in (({SIGNATURE_HEADER: sign("other-secret", body)}, body),
                             ({SIGNATURE_HEADER: sign(SECRET, body)}, body + b" "),
                             ({}, body)):
            with pytest.raises(SignatureError):
                adapter.verify(account_info(x_account), WebhookRequest("POST", headers, {}, raw))

    def test_emulator_signs_and_runs_crc_against_a_live_url(self, emulator: XEmulator) -> None:
        body, headers = emulator.signed({"for_user_id": BRAND})
        assert headers[SIGNATURE_HEADER] == sign(SECRET, body)


@pytest.mark.django_db
class TestParsing:
    def test_brand_reply_is_an_outbound_echo(self, x_account: ChannelAccount) -> None:
        [event] = parse(x_account, "aa_brand_reply_echo.json")
        assert event.direction == "out"
        assert event.in_reply_to == "1991234567890000002"
        assert event.data == {"recipient_id": "7001"}

    def test_direct_messages_in_and_out(self, x_account: ChannelAccount) -> None:
        inbound, outbound = parse(x_account, "aa_direct_messages.json")
        assert inbound == InboundEvent(
            external_id="1991234567890000100", kind="direct", visibility="private", text="Order 4711, shipped to Berlin",
            author=ANNA.__class__(external_id="7001", handle="anna_k", display_name="Anna K.", follower_count=231),
            occurred_at="2026-11-20T10:20:00+00:00", thread_key="dm:7001",
        )
        assert outbound.direction == "out"
        assert outbound.thread_key == "dm:7001"
        assert outbound.data == {"recipient_id": "7001"}

    def test_favorite_is_engagement(self, x_account: ChannelAccount) -> None:
        [event] = parse(x_account, "aa_favorite.json")
        assert event.action == EventAction.ENGAGEMENT
        assert event.in_reply_to == "1991234567890000010"
        assert event.data == {"reaction": "like"}

    def test_delete_event(self, x_account: ChannelAccount) -> None:
        [event] = parse(x_account, "aa_delete.json")
        assert event.action == EventAction.DELETE
        assert event.external_id == "1991234567890000002"
        assert event.occurred_at == "2026-11-20T10:36:40+00:00"

    def test_activity_api_mention(self, x_account: ChannelAccount) -> None:
        [event] = parse(x_account, "xaa_post_mention.json")
        assert event == InboundEvent(
            external_id="1991234567890000200", kind="mention", text="@acme_care is the outage in Hamburg fixed yet?",
            author=Author(external_id="7004", handle="mia_hh", display_name="Mia", follower_count=87),
            occurred_at="2026-11-20T11:00:00+00:00", thread_key="1991234567890000200",
        )

    def test_activity_api_dms(self, x_account: ChannelAccount) -> None:
        [received] = parse(x_account, "xaa_dm_received.json")
        [sent] = parse(x_account, "xaa_dm_sent.json")
        assert (received.direction, received.thread_key, received.author.external_id) == ("in", "dm:7004", "7004")
        assert (sent.direction, sent.thread_key, sent.data) == ("out", "dm:7004", {"recipient_id": "7004"})

    def test_delivery_for_another_user_is_ignored(self, x_account: ChannelAccount) -> None:
        doc = json.loads(fixture("aa_mentions.json"))
        doc["for_user_id"] = "999"
        assert get_adapter("x").parse(account_info(x_account), json.dumps(doc).encode(), {}) == []

    def test_every_fixture_parses_and_round_trips(self, x_account: ChannelAccount) -> None:
        for path in FIXTURES.glob("*.json"):
            for event in get_adapter("x").parse(account_info(x_account), path.read_bytes(), {}):
                assert InboundEvent.from_json(event.to_json()) == event


@pytest.mark.django_db
class TestPipeline:
    def test_echo_attaches_as_outbound_and_sets_first_response(self, client: Client, x_account: ChannelAccount) -> None:
        post_signed(client, x_account, fixture("aa_mentions.json"))
        post_signed(client, x_account, fixture("aa_brand_reply_echo.json"))
        echo = Message.objects.get(external_id="1991234567890000010")
        assert echo.direction == "out"
        anna_ticket = Message.objects.get(external_id="1991234567890000001").ticket
        assert echo.ticket == anna_ticket
        anna_ticket.refresh_from_db()
        assert anna_ticket.first_response_at == echo.occurred_at

    def test_echo_before_its_parent_waits_and_then_attaches(self, client: Client, x_account: ChannelAccount) -> None:
        post_signed(client, x_account, fixture("aa_brand_reply_echo.json"))
        assert not Message.objects.filter(external_id="1991234567890000010").exists()
        post_signed(client, x_account, fixture("aa_mentions.json"))
        echo = Message.objects.get(external_id="1991234567890000010")
        assert echo.ticket == Message.objects.get(external_id="1991234567890000002").ticket
        # a redelivery of the echo is a duplicate
        post_signed(client, x_account, fixture("aa_brand_reply_echo.json"))
        assert Message.objects.filter(external_id="1991234567890000010").count() == 1

    def test_delete_marks_deleted_and_keeps_text(self, client: Client, x_account: ChannelAccount) -> None:
        post_signed(client, x_account, fixture("aa_mentions.json"))
        post_signed(client, x_account, fixture("aa_delete.json"))
        message = Message.objects.get(external_id="1991234567890000002")
        assert message.deleted_at is not None
        assert message.text == "@acme_care still waiting..."

    def test_like_counts_on_the_target(self, client: Client, x_account: ChannelAccount) -> None:
        post_signed(client, x_account, fixture("aa_mentions.json"))
        post_signed(client, x_account, fixture("aa_brand_reply_echo.json"))
        post_signed(client, x_account, fixture("aa_favorite.json"))
        post_signed(client, x_account, fixture("aa_favorite.json"))
        assert Message.objects.get(external_id="1991234567890000010").metrics["reactions"] == {"like": 1}
        assert Ticket.objects.count() == 2  # Anna's and Jonas's; a like never opens a ticket

    def test_dm_echo_joins_the_customer_ticket(self, client: Client, x_account: ChannelAccount) -> None:
        post_signed(client, x_account, fixture("aa_direct_messages.json"))
        inbound = Message.objects.get(external_id="1991234567890000100")
        outbound = Message.objects.get(external_id="1991234567890000101")
        assert (inbound.direction, outbound.direction) == ("in", "out")
        assert inbound.ticket_id == outbound.ticket_id


# --- length ----------------------------------------------------------------------------------------------


class TestWeightedLength:
    @pytest.mark.parametrize(("text", "expected"), [
        ("hello", 5),
        ("Grüße, Köln", 11),
        ("日本語", 6),
        ("한국어", 6),
        ("👍", 2),
        ("👍🏽", 2),
        ("👨\u200d👩\u200d👧", 2),
        ("🇩🇪", 2),
        ("1\ufe0f\u20e3", 2),
        ("https://example.com/a/very/long/path/that/goes/on?and=on", 23),
        ("see https://example.com/x.", 4 + 23 + 1),
        ("visit www.acme.com now", 6 + 23 + 4),
        ("a\u0301", 1),  # NFC folds the combining accent
        ("“quoted” – dash", 15),
    ])
    def test_weights(self, text: str, expected: int) -> None:
        assert weighted_length(text) == expected

    def test_rules_use_the_weighted_counter(self, db: Any, brand: Any) -> None:
        account = ChannelAccountFactory(brand=brand, kind="x", **ACCOUNT_KWARGS)
        rules = get_adapter("x").rules(account_info(account))
        assert (rules.max_length, rules.length_counter, rules.editable) == (280, "x_weighted", False)
        assert rules.confirm_before_public_post and rules.private_channel
        cjk = "界" * 141  # 141 characters but 282 weighted
        assert measure(rules, cjk) == 282
        from django.utils import timezone
        problems = reply_violations(rules, text=cjk, visibility="public", last_customer_message_at=None,
                                    now=timezone.now())
        assert [p.code for p in problems] == ["too_long"]
        assert not reply_violations(rules, text="界" * 140, visibility="public", last_customer_message_at=None,
                                    now=timezone.now())


# --- sending --------------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestSending:
    def _info(self, account: ChannelAccount, emulator: XEmulator) -> Any:
        account.api_base_url = emulator.url
        return account_info(account)

    def test_public_reply_and_rate_limit_headers(self, x_account: ChannelAccount, emulator: XEmulator) -> None:
        result = get_adapter("x").send(self._info(x_account, emulator), OutboundMessage(
            idempotency_key="r1", text="We are on it!", visibility="public", in_reply_to="555"))
        [post] = emulator.published
        assert result.external_id == post["id"]
        assert post["referenced_tweets"] == [{"type": "replied_to", "id": "555"}]
        assert result.rate_limit_remaining == 199
        assert result.rate_limit_reset_at is not None

    def test_direct_message(self, x_account: ChannelAccount, emulator: XEmulator) -> None:
        result = get_adapter("x").send(self._info(x_account, emulator), OutboundMessage(
            idempotency_key="d1", text="Hi Anna", visibility="private", thread_key="dm:7001"))
        [dm] = emulator.dms
        assert (dm["id"], dm["recipient_id"], dm["text"]) == (result.external_id, "7001", "Hi Anna")

    def test_429_is_retriable_with_reset_time(self, x_account: ChannelAccount, emulator: XEmulator) -> None:
        emulator.set_rate_limit("tweets", remaining=0, reset_in=120)
        with pytest.raises(SendError) as info:
            get_adapter("x").send(self._info(x_account, emulator), OutboundMessage(
                idempotency_key="r2", text="hello", visibility="public"))
        assert info.value.retriable
        assert info.value.retry_after is not None and 100 < info.value.retry_after <= 121
        assert emulator.published == []

    def test_lost_response_then_retry_posts_once(self, x_account: ChannelAccount, emulator: XEmulator) -> None:
        adapter = get_adapter("x")
        message = OutboundMessage(idempotency_key="delivery-7", text="Fixed!", visibility="public", in_reply_to="9")
        emulator.drop_response_next()
        with pytest.raises(SendError) as info:
            adapter.send(self._info(x_account, emulator), message)
        assert info.value.retriable  # a transport error: the outbound layer retries with the same key
        result = adapter.send(self._info(x_account, emulator), message)
        assert len(emulator.published) == 1
        assert result.external_id == emulator.published[0]["id"]

    def test_too_long_is_refused_before_calling_x(self, x_account: ChannelAccount, emulator: XEmulator) -> None:
        with pytest.raises(SendError) as info:
            get_adapter("x").send(self._info(x_account, emulator), OutboundMessage(
                idempotency_key="r3", text="🙂" * 141, visibility="public"))
        assert not info.value.retriable
        assert emulator.state.calls == []

    def test_like_action(self, x_account: ChannelAccount, emulator: XEmulator) -> None:
        adapter = get_adapter("x")
        assert "like" in adapter.actions  # type: ignore[attr-defined]
        result = adapter.perform(self._info(x_account, emulator), "like", "1991234567890000001", {})  # type: ignore[attr-defined]
        assert result.state == {"liked": True}
        assert emulator.liked() == {"1991234567890000001"}
        adapter.perform(self._info(x_account, emulator), "unlike", "1991234567890000001", {})  # type: ignore[attr-defined]
        assert emulator.liked() == set()


# --- emulator endpoints used by listening streams ---------------------------------------------------------


class TestEmulatorStreams:
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}

    def test_rules_search_and_stream(self, emulator: XEmulator) -> None:
        base = emulator.url
        added = httpx.post(f"{base}/2/tweets/search/stream/rules", headers=self.auth(),
                           json={"add": [{"value": "acme (refund OR broken) -giveaway", "tag": "complaints"}]})
        assert added.status_code == 201
        rule_id = added.json()["data"][0]["id"]
        assert httpx.get(f"{base}/2/tweets/search/stream/rules", headers=self.auth()).json()["data"][0]["id"] == rule_id
        emulator.add_user("7010", "kai", name="Kai", followers=5)
        lines: list[bytes] = []
        with httpx.stream("GET", f"{base}/2/tweets/search/stream", headers=self.auth(), timeout=5) as stream:
            assert stream.headers["x-rate-limit-remaining"]
            deadline = time.monotonic() + 3
            for line in stream.iter_lines():
                lines.append(line.encode())
                if len([x for x in lines if x.strip()]) == 0 and len(lines) == 1:
                    emulator.publish("my acme blender arrived broken", author_id="7010")
                    emulator.publish("acme giveaway broken promise", author_id="7010")  # excluded
                    emulator.publish("unrelated post", author_id="7010")
                if any(x.strip() for x in lines) or time.monotonic() > deadline:
                    break
        hits = [json.loads(x) for x in lines if x.strip()]
        assert lines[0].strip() == b""  # the first line is a heartbeat
        assert hits[0]["data"]["text"] == "my acme blender arrived broken"
        assert hits[0]["includes"]["users"][0]["username"] == "kai"
        assert hits[0]["matching_rules"] == [{"id": rule_id, "tag": "complaints"}]
        found = httpx.get(f"{base}/2/tweets/search/recent", headers=self.auth(),
                          params={"query": "acme broken -giveaway"}).json()
        assert [p["text"] for p in found["data"]] == ["my acme blender arrived broken"]
        assert found["meta"]["newest_id"] == hits[0]["data"]["id"]
        newer = httpx.get(f"{base}/2/tweets/search/recent", headers=self.auth(),
                          params={"query": "acme", "since_id": found["meta"]["newest_id"]}).json()
        assert [p["text"] for p in newer["data"]] == ["acme giveaway broken promise"]
        deleted = httpx.post(f"{base}/2/tweets/search/stream/rules", headers=self.auth(),
                             json={"delete": {"ids": [rule_id]}})
        assert deleted.json()["meta"]["summary"] == {"deleted": 1, "not_deleted": 0}

    def test_drop_streams_ends_the_connection(self, emulator: XEmulator) -> None:
        with httpx.stream("GET", f"{emulator.url}/2/tweets/search/stream", headers=self.auth(), timeout=5) as stream:
            lines = stream.iter_lines()
            next(lines)  # heartbeat
            emulator.drop_streams()
            assert list(lines) in ([], [""])

    def test_query_language(self) -> None:
        post = {"text": "Hallo @acme_care, #refund please", "author_id": "1", "lang": "de"}
        assert compile_query('@acme_care #refund lang:de')(post, {})
        assert compile_query('"refund please" OR nothing')(post, {})
        assert not compile_query('refund -please')(post, {})
        assert compile_query('from:anna')(post, {"username": "Anna"})
        with pytest.raises(QueryError):
            compile_query("(unclosed")
