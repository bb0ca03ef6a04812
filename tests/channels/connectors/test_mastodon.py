from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import (
    AccountInfo,
    Author,
    EventAction,
    InboundEvent,
    OutboundMessage,
)
from socialcare.channels.connectors.mastodon.adapter import relay_sign
from socialcare.channels.connectors.mastodon.common import count_mastodon, html_to_text
from socialcare.channels.connectors.mastodon.emulator import MastodonEmulator
from socialcare.channels.connectors.mastodon.poller import instance_max_characters
from socialcare.channels.connectors.registry import get_adapter
from socialcare.channels.models import ChannelAccount
from socialcare.channels.rules import measure
from tests.channels.contract import ConnectorContract
from tests.factories import ChannelAccountFactory

FIXTURES = Path(__file__).resolve().parents[3] / "src/socialcare/channels/connectors/mastodon/fixtures"
ACCOUNT = {"webhook_secret": "relay-secret", "external_id": "109000000000000001", "handle": "acme",
           "credentials": {"access_token": "masto-token"}}


class TestMastodonConnector(ConnectorContract):
    kind = "mastodon"
    account_kwargs = ACCOUNT

    def sign_headers(self, account: ChannelAccount, body: bytes) -> dict[str, str]:
        return {"X-Socialcare-Relay-Signature": relay_sign(account.webhook_secret, body)}

    def message_fixture(self) -> bytes:
        return (FIXTURES / "notifications.json").read_bytes()

    def expected_events(self) -> list[InboundEvent]:
        anna = Author(external_id="109876543210000001", handle="anna@chaos.social", display_name="Anna K.",
                      follower_count=230)
        jonas = Author(external_id="109876543210000002", handle="jonas", display_name="Jonas", follower_count=15)
        zero = {"likes": 0, "reposts": 0, "replies": 0}
        return [
            InboundEvent(external_id="notification:113500000000000204", action=EventAction.ENGAGEMENT, author=jonas,
                         occurred_at="2026-11-20T10:05:00+00:00", in_reply_to="113500000000000102",
                         data={"reaction": "like"}),
            InboundEvent(external_id="113500000000000104", kind="direct", visibility="private",
                         text="@acme Hallo, meine Adresse ist falsch & die Lieferung kommt nicht", author=jonas,
                         occurred_at="2026-11-20T10:00:00+00:00", thread_key="dm:109876543210000002",
                         data={"url": "https://social.example/@jonas/113500000000000104", "language": "de"}),
            InboundEvent(external_id="113500000000000103", kind="reply", text="@acme still waiting...\nany news?",
                         author=anna, occurred_at="2026-11-20T09:40:00+00:00", in_reply_to="113500000000000102",
                         metrics=zero,
                         data={"url": "https://chaos.social/@anna/113500000000000103", "language": "en"}),
            InboundEvent(external_id="113500000000000101", kind="mention",
                         text="@acme my order 4711 never arrived, tracking says https://track.example/parcel/4711",
                         author=anna, occurred_at="2026-11-20T09:15:00+00:00", thread_key="113500000000000101",
                         metrics=zero,
                         data={"url": "https://chaos.social/@anna/113500000000000101", "language": "en"}),
        ]

    def unknown_fixture(self) -> bytes:
        return (FIXTURES / "follow_only.json").read_bytes()

    @contextmanager
    def emulator(self) -> Iterator[MastodonEmulator]:
        with MastodonEmulator() as emulator:
            yield emulator

    def outbound(self) -> OutboundMessage:
        return OutboundMessage(idempotency_key="k1", text="Sorry to hear that!", visibility="public")


@pytest.mark.django_db
def test_timeline_statuses_are_posts(brand) -> None:  # type: ignore[no-untyped-def]
    info = account_info(ChannelAccountFactory(brand=brand, kind="mastodon", **ACCOUNT))
    [post] = get_adapter("mastodon").parse(info, (FIXTURES / "tag_timeline.json").read_bytes(), {})
    assert (post.kind, post.text) == ("post", "My #AcmeRouter keeps rebooting every night")
    assert post.metrics["likes"] == 3


@pytest.mark.django_db
def test_replies_mention_the_author_and_are_idempotent(brand) -> None:  # type: ignore[no-untyped-def]
    with MastodonEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, kind="mastodon", api_base_url=emulator.url, **ACCOUNT)
        customer = emulator.post(username="anna", domain="chaos.social", text="@acme where is my parcel?")
        adapter = get_adapter("mastodon")
        message = OutboundMessage(idempotency_key="r-1", text="Checking now!", visibility="public",
                                  in_reply_to=customer)
        first = adapter.send(account_info(account), message)
        again = adapter.send(account_info(account), message)
        dm = adapter.send(account_info(account), OutboundMessage(
            idempotency_key="d-1", text="Your address please", visibility="private",
            recipient_id=emulator.state.statuses[customer]["account"]["id"]))
        created = emulator.brand_statuses()
    assert first.external_id == again.external_id and len(created) == 2
    assert created[0]["in_reply_to_id"] == customer
    assert "@anna@chaos.social Checking now!" in created[0]["content"]
    assert created[1]["visibility"] == "direct" and dm.external_id == created[1]["id"]
    assert first.rate_limit_remaining is not None


@pytest.mark.django_db
def test_instance_limit_is_read_and_used_by_rules(brand) -> None:  # type: ignore[no-untyped-def]
    with MastodonEmulator(max_characters=1000) as emulator:
        account = ChannelAccountFactory(brand=brand, kind="mastodon", api_base_url=emulator.url, **ACCOUNT)
        assert instance_max_characters(account_info(account)) == 1000
    rules = get_adapter("mastodon").rules(AccountInfo(id=1, kind="mastodon", settings={"max_characters": 1000}))
    assert rules.max_length == 1000
    assert get_adapter("mastodon").rules(AccountInfo(id=1, kind="mastodon")).max_length == 500


def test_counting_and_html() -> None:
    assert count_mastodon("see https://example.com/a/very/long/path/indeed?x=1") == 4 + 23
    assert count_mastodon("hi @anna@chaos.social") == len("hi @anna")
    rules = get_adapter("mastodon").rules(AccountInfo(id=1, kind="mastodon"))
    assert measure(rules, "x" * 10) == 10
    assert html_to_text("<p>a &amp; b</p><p>c<br>d</p>") == "a & b\n\nc\nd"
