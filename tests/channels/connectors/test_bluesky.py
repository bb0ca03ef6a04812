from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import Author, EventAction, InboundEvent, OutboundMessage
from socialcare.channels.connectors.bluesky.adapter import relay_sign, tid_for
from socialcare.channels.connectors.bluesky.emulator import BlueskyEmulator
from socialcare.channels.models import ChannelAccount, RawEvent
from socialcare.inbox.models import Message, Ticket
from tests.channels.contract import ConnectorContract
from tests.factories import ChannelAccountFactory
from tests.helpers import committed

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/bluesky/fixtures"
BRAND_DID = "did:plc:acmebrand0000000000000"
ANNA = "did:plc:anna00000000000000000000"
ACCOUNT = {"webhook_secret": "relay-secret", "external_id": BRAND_DID, "handle": "acme.bsky.social",
           "credentials": {"identifier": "acme.bsky.social", "app_password": "app-pass-1234"}}


class TestBlueskyConnector(ConnectorContract):
    kind = "bluesky"
    account_kwargs = ACCOUNT

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {"X-Socialcare-Relay-Signature": relay_sign(account.webhook_secret, body)}

    def message_fixture(self) -> bytes:
        return (FIXTURES / "list_notifications.json").read_bytes()

    def expected_events(self) -> list[InboundEvent]:
        anna = Author(external_id=ANNA, handle="anna.bsky.social", display_name="Anna K.")
        mention = f"at://{ANNA}/app.bsky.feed.post/3lbqa2mention1"
        brand_post = f"at://{BRAND_DID}/app.bsky.feed.post/3lbqa5brand01"
        return [
            InboundEvent(external_id=mention, kind="mention", text="@acme.bsky.social my order 4711 never arrived",
                         author=anna, occurred_at="2026-11-20T09:15:00+00:00", thread_key=mention,
                         data={"url": "https://bsky.app/profile/anna.bsky.social/post/3lbqa2mention1"}),
            InboundEvent(external_id=f"at://{ANNA}/app.bsky.feed.post/3lbqa9reply002", kind="reply",
                         text="still waiting...", author=anna, occurred_at="2026-11-20T09:40:00+00:00",
                         thread_key=mention, in_reply_to=brand_post,
                         data={"url": "https://bsky.app/profile/anna.bsky.social/post/3lbqa9reply002"}),
            InboundEvent(external_id="at://did:plc:jonas0000000000000000000/app.bsky.feed.post/3lbqb1quote003",
                         kind="mention", text="Der neue Tarif ist teurer als angekündigt",
                         author=Author(external_id="did:plc:jonas0000000000000000000", handle="jonas.example.com"),
                         occurred_at="2026-11-20T10:00:00+00:00",
                         thread_key="at://did:plc:jonas0000000000000000000/app.bsky.feed.post/3lbqb1quote003",
                         data={"url": "https://bsky.app/profile/jonas.example.com/post/3lbqb1quote003"}),
            InboundEvent(external_id="at://did:plc:lena00000000000000000000/app.bsky.feed.like/3lbqb4like0004",
                         action=EventAction.ENGAGEMENT,
                         author=Author(external_id="did:plc:lena00000000000000000000", handle="lena.bsky.social",
                                       display_name="Lena"),
                         occurred_at="2026-11-20T10:05:00.300000+00:00", in_reply_to=brand_post,
                         data={"reaction": "like"}),
        ]

    def unknown_fixture(self) -> bytes:
        return (FIXTURES / "follow_only.json").read_bytes()

    @contextmanager
    def emulator(self) -> Iterator[BlueskyEmulator]:
        with BlueskyEmulator() as emulator:
            emulator.add_post(author_did=ANNA, text="my order never arrived")
            yield emulator

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="Sorry to hear that!", visibility="public")


def test_pushes_without_relay_signature_are_rejected(client, brand) -> None:  # type: ignore[no-untyped-def]
    account = ChannelAccountFactory(brand=brand, kind="bluesky", **{**ACCOUNT, "webhook_secret": ""})
    body = (FIXTURES / "list_notifications.json").read_bytes()
    with committed():
        response = client.post(f"/hooks/bluesky/{account.pk}", data=body, content_type="application/json",
                               HTTP_X_SOCIALCARE_RELAY_SIGNATURE=relay_sign("", body))
    assert response.status_code == 401  # no secret on the account: no push path at all
    assert RawEvent.objects.count() == 0


@pytest.mark.django_db
def test_parses_search_and_chat_shapes(brand) -> None:  # type: ignore[no-untyped-def]
    from socialcare.channels.connectors.registry import get_adapter

    info = account_info(ChannelAccountFactory(brand=brand, kind="bluesky", **ACCOUNT))
    adapter = get_adapter("bluesky")
    [post] = adapter.parse(info, (FIXTURES / "search_posts.json").read_bytes(), {})
    assert post.kind == "post" and post.metrics == {"likes": 5, "reposts": 0, "replies": 2, "quotes": 0}
    [dm] = adapter.parse(info, (FIXTURES / "chat_get_log.json").read_bytes(), {})
    assert (dm.kind, dm.visibility, dm.thread_key) == ("direct", "private", "convo:3lbqconvo0001")
    assert dm.external_id == "chat:3lbqconvo0001:3lbqmsg000001"


@pytest.mark.django_db
def test_reply_carries_root_and_parent_refs_and_is_never_posted_twice(brand) -> None:  # type: ignore[no-untyped-def]
    from socialcare.channels.connectors.registry import get_adapter

    with BlueskyEmulator() as emulator:
        root = emulator.add_post(author_did=ANNA, text="my order never arrived")
        brand_reply = emulator.add_post(author_did=BRAND_DID, text="Sorry! Which order?", reply_to=root)
        follow_up = emulator.add_post(author_did=ANNA, text="4711", reply_to=brand_reply)
        account = ChannelAccountFactory(brand=brand, kind="bluesky", api_base_url=emulator.url, **ACCOUNT)
        message = OutboundMessage(idempotency_key="reply-1", text="Thanks, checking 4711 now 🙏",
                                  visibility="public", in_reply_to=follow_up)
        first = get_adapter("bluesky").send(account_info(account), message)
        again = get_adapter("bluesky").send(account_info(account), message)
        records = emulator.created()
    assert first.external_id == again.external_id == f"at://{BRAND_DID}/app.bsky.feed.post/{tid_for('reply-1')}"
    assert len(records) == 1
    reply = records[0]["value"]["reply"]
    assert reply["root"]["uri"] == root and reply["parent"]["uri"] == follow_up
    assert first.rate_limit_remaining is not None


@pytest.mark.django_db
def test_direct_message_goes_through_chat(brand) -> None:  # type: ignore[no-untyped-def]
    from socialcare.channels.connectors.registry import get_adapter

    with BlueskyEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, kind="bluesky", api_base_url=emulator.url, **ACCOUNT)
        result = get_adapter("bluesky").send(account_info(account), OutboundMessage(
            idempotency_key="dm-1", text="Please send us your address", visibility="private", recipient_id=ANNA))
        sent = [r for r in emulator.created() if "convoId" in r]
    assert result.external_id.startswith("chat:convo")
    assert sent[0]["text"] == "Please send us your address"


def test_rules_count_graphemes() -> None:
    from socialcare.channels.connectors.base import AccountInfo
    from socialcare.channels.connectors.registry import get_adapter
    from socialcare.channels.rules import measure

    rules = get_adapter("bluesky").rules(AccountInfo(id=1, kind="bluesky"))
    assert rules.max_length == 300 and rules.length_counter == "graphemes"
    assert measure(rules, "👩‍👩‍👧 ok") == 4


@pytest.mark.django_db
def test_relay_push_from_emulator_creates_tickets(live_server, brand) -> None:  # type: ignore[no-untyped-def]
    with BlueskyEmulator() as emulator:
        emulator.notify(reason="mention", author_did=ANNA, handle="anna.bsky.social", text="@acme help")
        account = ChannelAccountFactory(brand=brand, kind="bluesky", api_base_url=emulator.url, **ACCOUNT)
        response = emulator.relay(f"{live_server.url}/hooks/bluesky/{account.pk}", account.webhook_secret)
    assert response.status_code == 200
    raw = RawEvent.objects.get()  # stored, then processed after commit (inline in tests)
    raw.refresh_from_db()
    assert raw.status == "processed"
    assert Ticket.objects.count() == 1 and json.loads(bytes(raw.payload))["notifications"]
    assert Message.objects.get().text == "@acme help"
