"""Bluesky/Mastodon brand-account pollers: durable cursors (restart = no duplicate, no loss), health."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialcare.channels.connectors.bluesky.emulator import BlueskyEmulator
from socialcare.channels.connectors.mastodon.emulator import MastodonEmulator
from socialcare.channels.models import ChannelAccount, RawEvent
from socialcare.inbox.models import Message
from socialcare.listening import pollers, services
from socialcare.listening.health import account_health
from socialcare.listening.models import ChannelError
from tests.factories import ChannelAccountFactory
from tests.helpers import committed

BRAND_DID = "did:plc:acmebrand0000000000000"
BSKY = {"kind": "bluesky", "external_id": BRAND_DID, "handle": "acme.bsky.social", "webhook_secret": "",
        "credentials": {"identifier": "acme.bsky.social", "app_password": "app-pass-1234"}}
MASTO = {"kind": "mastodon", "handle": "acme", "webhook_secret": "", "credentials": {"access_token": "masto-token"}}


def poll(account: ChannelAccount) -> int:
    with committed():
        return pollers.poll_account(ChannelAccount.objects.get(pk=account.pk))


def texts() -> list[str]:
    return sorted(Message.objects.values_list("text", flat=True))


@pytest.mark.django_db
def test_bluesky_notifications_cursor_no_loss_no_duplicates(brand) -> None:  # type: ignore[no-untyped-def]
    with BlueskyEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **BSKY)
        emulator.notify(reason="mention", author_did="did:plc:a", handle="a.bsky.social", text="@acme first")
        emulator.notify(reason="mention", author_did="did:plc:b", handle="b.bsky.social", text="@acme second")
        assert poll(account) == 1
        assert texts() == ["@acme first", "@acme second"]
        assert poll(account) == 0  # nothing new: no raw event at all
        # a backlog larger than one page (50) arrives while we are down; two share one timestamp
        same = datetime(2030, 1, 1, tzinfo=UTC)
        for n in range(120):
            emulator.notify(reason="mention", author_did=f"did:plc:c{n}", text=f"@acme backlog {n:03d}")
        emulator.notify(reason="reply", author_did="did:plc:d", text="@acme tie one", at=same)
        poll(account)  # "restart": the poller only has the cursor in the database
        emulator.notify(reason="reply", author_did="did:plc:e", text="@acme tie two", at=same)
        poll(account)
        assert poll(account) == 0
    assert Message.objects.count() == 2 + 120 + 2
    assert len(set(texts())) == Message.objects.count()
    assert RawEvent.objects.filter(status="duplicate").count() == 0
    assert ChannelAccount.objects.get(pk=account.pk).last_handshake_ok is True


@pytest.mark.django_db
def test_bluesky_crash_before_commit_reads_the_same_items_again(brand, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with BlueskyEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **BSKY)
        emulator.notify(reason="mention", author_did="did:plc:a", text="@acme hello")
        real = RawEvent.objects.create

        def crash(**kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("worker died")

        monkeypatch.setattr(RawEvent.objects, "create", crash)
        with pytest.raises(RuntimeError):
            pollers.poll_account(account)
        monkeypatch.setattr(RawEvent.objects, "create", real)
        assert services.cursor_get(f"account:{account.pk}:notifications") == {}
        poll(account)
    assert texts() == ["@acme hello"]


@pytest.mark.django_db
def test_bluesky_direct_messages_are_polled(brand) -> None:  # type: ignore[no-untyped-def]
    with BlueskyEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **BSKY)
        emulator.dm(sender_did="did:plc:jonas", text="Hallo, meine Adresse ist falsch")
        poll(account)
        emulator.dm(sender_did="did:plc:jonas", text="Straße 5")
        poll(account)
        poll(account)
    messages = list(Message.objects.order_by("occurred_at"))
    assert [m.text for m in messages] == ["Hallo, meine Adresse ist falsch", "Straße 5"]
    assert {m.visibility for m in messages} == {"private"} and messages[0].ticket_id == messages[1].ticket_id


@pytest.mark.django_db
def test_mastodon_notifications_min_id_cursor_and_instance_limit(brand) -> None:  # type: ignore[no-untyped-def]
    with MastodonEmulator(max_characters=1000) as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url,
                                        external_id=emulator.state.brand_id, **MASTO)
        first = emulator.post(username="anna", domain="chaos.social", text="@acme my parcel is late")
        poll(account)
        assert ChannelAccount.objects.get(pk=account.pk).settings["max_characters"] == 1000
        for n in range(95):  # more than two pages of 40
            emulator.post(username=f"user{n}", text=f"@acme backlog {n:03d}")
        emulator.post(username="anna", domain="chaos.social", text="hello?", reply_to=first)  # no mention: no notif
        emulator.favourite(username="jonas", status_id=first)
        poll(account)
        assert poll(account) == 0
    assert Message.objects.count() == 1 + 95
    assert len(set(texts())) == 96


@pytest.mark.django_db
def test_failing_account_is_recorded_for_health(brand) -> None:  # type: ignore[no-untyped-def]
    with MastodonEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **{**MASTO, "credentials": {
            "access_token": "revoked"}})
        poll(account)
    account.refresh_from_db()
    assert account.last_handshake_ok is False and "401" in account.last_error
    assert ChannelError.objects.filter(channel_account=account).count() == 1
    health = account_health(account)
    assert not health.ok and health.errors_last_hour == 1


@pytest.mark.django_db
def test_concurrent_poller_that_lost_the_race_stores_nothing(brand) -> None:  # type: ignore[no-untyped-def]
    account = ChannelAccountFactory(brand=brand, **BSKY)
    services.cursor_set("k", {"indexed_at": "2026-01-01T00:00:00+00:00"})
    with pytest.raises(services.CursorMoved):
        services.raw_events_store(account=account, payloads=[b"{}"], source="t", cursor_key="k",
                                  cursor={"indexed_at": "x"}, expected={})
    assert RawEvent.objects.count() == 0


@pytest.mark.django_db
def test_listen_once_polls_accounts_and_streams(brand) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command

    from socialcare.listening.models import Stream, StreamHit

    with BlueskyEmulator() as emulator:
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **BSKY)
        Stream.objects.create(brand=brand, name="S", platform="bluesky", channel_account=account,
                              keywords=["router"])
        emulator.notify(reason="mention", author_did="did:plc:a", text="@acme help")
        emulator.add_post(author_did="did:plc:b", text="router trouble")
        out = StringIO()
        with committed():
            call_command("listen", "--once", stdout=out)
    assert "polled" in out.getvalue()
    assert texts() == ["@acme help"] and StreamHit.objects.get().text == "router trouble"
