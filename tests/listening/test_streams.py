"""Bluesky/Mastodon keyword streams, review-mode conversion, cost meter and the monthly cap."""

from __future__ import annotations

from decimal import Decimal

import pytest

from socialcare.channels.connectors.bluesky.emulator import BlueskyEmulator
from socialcare.channels.connectors.mastodon.emulator import MastodonEmulator
from socialcare.inbox.models import Message, Ticket
from socialcare.listening import pollers, services
from socialcare.listening.models import PAUSED_BY_CAP, Stream, StreamHit
from socialcare.listening.query import matches, x_rule
from tests.factories import ChannelAccountFactory
from tests.helpers import committed
from tests.listening.test_pollers import BSKY, MASTO


def run(stream: Stream) -> int:
    with committed():
        return pollers.poll_stream(Stream.objects.get(pk=stream.pk))


@pytest.mark.django_db
def test_bluesky_keyword_stream_review_then_one_click_ticket(brand, agent) -> None:  # type: ignore[no-untyped-def]
    with BlueskyEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **BSKY)
        stream = Stream.objects.create(brand=brand, name="Router", platform="bluesky", channel_account=account,
                                       keywords=["router"], exclusions=["giveaway"], mode="review")
        emulator.add_post(author_did="did:plc:mia", handle="mia.bsky.social", text="My Acme router keeps rebooting")
        emulator.add_post(author_did="did:plc:bot", text="router giveaway! click here")
        emulator.add_post(author_did="did:plc:x", text="nothing to see")
        assert run(stream) == 1
        assert run(stream) == 0  # restart: the cursor is durable, nothing is recorded twice
        emulator.add_post(author_did="did:plc:tim", text="router dead again")
        assert run(stream) == 1
    assert Message.objects.count() == 0  # review mode: nothing became a ticket yet
    hit = StreamHit.objects.get(text="My Acme router keeps rebooting")
    assert hit.url.startswith("https://bsky.app/profile/mia.bsky.social/post/")
    with committed():
        services.hit_convert(hit=hit, user=agent.user)
        services.hit_convert(hit=hit, user=agent.user)  # a double click changes nothing
    message = Message.objects.get()
    assert message.external_id == hit.external_id and message.kind == "post"
    assert Ticket.objects.count() == 1 and services.hit_message(hit) == message


@pytest.mark.django_db
def test_mastodon_hashtag_stream_auto_tickets(brand) -> None:  # type: ignore[no-untyped-def]
    with MastodonEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url,
                                        external_id=emulator.state.brand_id, **MASTO)
        stream = Stream.objects.create(brand=brand, name="Tag", platform="mastodon", channel_account=account,
                                       hashtags=["AcmeRouter"], keywords=["acme fiber"], languages=["en"],
                                       mode="auto_ticket")
        emulator.post(username="jonas", text="My #AcmeRouter keeps rebooting")
        emulator.post(username="lea", text="Is acme fiber down?")
        emulator.post(username="kai", text="acme fiber ist kaputt", language="de")
        emulator.post(username="ola", text="unrelated")
        assert run(stream) == 2
        assert run(stream) == 0
        emulator.post(username="jonas", text="still #acmerouter trouble")
        assert run(stream) == 1
    assert sorted(Message.objects.values_list("text", flat=True)) == [
        "Is acme fiber down?", "My #AcmeRouter keeps rebooting", "still #acmerouter trouble"]
    assert Ticket.objects.count() == 2  # jonas's second post joins his open ticket
    usage = services.usage_of(stream)
    assert usage.hits == 3 and usage.cost == 0


@pytest.mark.django_db
def test_cost_meter_and_monthly_cap_pause(brand) -> None:  # type: ignore[no-untyped-def]
    with BlueskyEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **BSKY)
        stream = Stream.objects.create(brand=brand, name="Paid", platform="bluesky", channel_account=account,
                                       keywords=["acme"], cost_per_post=Decimal("0.005"),
                                       monthly_cap=Decimal("0.02"))
        for n in range(3):
            emulator.add_post(author_did=f"did:plc:{n}", text=f"acme post {n}")
        run(stream)
        usage = services.usage_of(stream)
        assert (usage.posts_read, usage.cost) == (3, Decimal("0.015"))
        assert Stream.objects.get(pk=stream.pk).paused_reason == ""
        emulator.add_post(author_did="did:plc:9", text="acme post 9")
        run(stream)
        assert Stream.objects.get(pk=stream.pk).paused_reason == PAUSED_BY_CAP
        emulator.add_post(author_did="did:plc:10", text="acme post 10")
        assert run(stream) == 0  # paused: nothing read, nothing billed
        usage = services.usage_of(stream)
        assert (usage.posts_read, usage.cost) == (4, Decimal("0.020"))
    assert services.streams_resume_new_month() == []  # same month: stays paused


def test_query_semantics() -> None:
    stream = Stream(keywords=["late delivery", "refund"], hashtags=["acmefail"], handles=["acme"],
                    exclusions=["job"], languages=["en", "de"], platform="x")
    assert x_rule(stream) == ('("late delivery" OR refund OR #acmefail OR @acme OR from:acme) -job '
                              '(lang:en OR lang:de)')
    assert matches(stream, text="I want a REFUND now", language="en")
    assert not matches(stream, text="refund job offer", language="en")
    assert not matches(stream, text="refund", language="fr")
    assert matches(stream, text="so #AcmeFail", tags=[])
    assert matches(stream, text="hi", author_handle="acme@social.example")
    assert not matches(stream, text="refunded")  # whole words only
