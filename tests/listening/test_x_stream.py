"""X listening against the X emulator: rules, filtered stream, dropped connection, restart, cost, cap."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from socialcare.channels.connectors.x.emulator import XEmulator
from socialcare.inbox.models import Message
from socialcare.listening import services
from socialcare.listening.models import PAUSED_BY_CAP, Stream, StreamHit
from socialcare.listening.x_stream import XStreamRunner, x_poll_fallback
from tests.factories import ChannelAccountFactory

X = {"kind": "x", "external_id": "1000", "handle": "acme", "webhook_secret": "",
     "credentials": {"bearer_token": "x-app-bearer", "consumer_secret": "x-consumer-secret"}}


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:  # generous: CI shares 2 cores
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def emulator() -> Iterator[XEmulator]:
    with XEmulator(heartbeat_seconds=0.2) as server:
        server.add_user("2001", "anna", name="Anna")
        server.add_user("2002", "ben", name="Ben")
        yield server


_started: list[tuple[XStreamRunner, threading.Thread]] = []


@pytest.fixture(autouse=True)
def _stop_runners() -> Iterator[None]:
    yield
    while _started:  # a failed assertion must not leave a runner writing into the next test's database
        runner, thread = _started.pop()
        runner.stop()
        thread.join(timeout=10)


def running(runner: XStreamRunner) -> threading.Thread:
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    _started.append((runner, thread))
    return thread


def stop(runner: XStreamRunner, thread: threading.Thread) -> None:
    runner.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_keyword_stream_survives_drop_and_restart_without_gaps_or_duplicates(brand, emulator) -> None:  # type: ignore[no-untyped-def]
    account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **X)
    stream = Stream.objects.create(brand=brand, name="Refunds", platform="x", channel_account=account,
                                   keywords=["refund"], exclusions=["giveaway"], mode="auto_ticket")
    runner = XStreamRunner(account, heartbeat_timeout=2.0, backoff_base=0.05, backoff_max=0.2)
    thread = running(runner)
    wait_for(lambda: emulator.open_streams == 1)
    assert [r["value"] for r in emulator.rules] == ["refund -giveaway"]
    assert emulator.rules[0]["tag"] == f"socialcare-stream-{stream.pk}"
    expected = []
    for n in range(3):
        expected.append(emulator.publish(f"I want a refund {n}", author_id="2001")["id"])
    emulator.publish("refund giveaway!!!", author_id="2002")
    emulator.publish("nice weather", author_id="2002")
    wait_for(lambda: StreamHit.objects.count() == 3)

    emulator.drop_streams()  # the connection drops mid-stream; posts keep coming
    for n in range(3, 6):
        expected.append(emulator.publish(f"refund please {n}", author_id="2002")["id"])
    wait_for(lambda: StreamHit.objects.count() == 6)
    wait_for(lambda: runner.connections >= 2)  # reconnected after the drop
    stop(runner, thread)

    # restart: posts published while nothing ran are fetched by recent search since the cursor
    expected.append(emulator.publish("refund while down", author_id="2001")["id"])
    runner = XStreamRunner(account, heartbeat_timeout=2.0, backoff_base=0.05, backoff_max=0.2)
    thread = running(runner)
    wait_for(lambda: StreamHit.objects.count() == 7)
    wait_for(lambda: emulator.open_streams == 1)
    expected.append(emulator.publish("one more refund", author_id="2001")["id"])
    wait_for(lambda: StreamHit.objects.count() == 8)
    stop(runner, thread)

    hits = list(StreamHit.objects.values_list("external_id", flat=True))
    assert sorted(hits) == sorted(expected)  # every matching post exactly once
    assert services.cursor_get(f"stream:{stream.pk}:x") == {"since_id": max(expected, key=int)}
    usage = services.usage_of(stream)
    assert usage.posts_read == 8 and usage.cost == Decimal("0.040")
    wait_for(lambda: Message.objects.count() == 8)  # auto-ticket: through the X adapter and pipeline
    assert sorted(Message.objects.values_list("external_id", flat=True)) == sorted(expected)


@pytest.mark.django_db(transaction=True)
def test_silent_stream_is_reconnected(brand) -> None:  # type: ignore[no-untyped-def]
    with XEmulator(heartbeat_seconds=30) as emulator:  # heartbeats far apart: the runner sees silence
        account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **X)
        Stream.objects.create(brand=brand, name="S", platform="x", channel_account=account, keywords=["acme"])
        runner = XStreamRunner(account, heartbeat_timeout=0.3, backoff_base=0.05, backoff_max=0.1)
        thread = running(runner)
        wait_for(lambda: runner.connections >= 3)
        stop(runner, thread)
    account.refresh_from_db()
    assert "StreamSilent" in account.last_error


@pytest.mark.django_db(transaction=True)
def test_monthly_cap_pauses_stream_and_removes_its_rule(brand, emulator) -> None:  # type: ignore[no-untyped-def]
    account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **X)
    stream = Stream.objects.create(brand=brand, name="Capped", platform="x", channel_account=account,
                                   keywords=["acme"], monthly_cap=Decimal("0.01"), mode="review")
    assert stream.cost_per_post == Decimal("0.005")
    runner = XStreamRunner(account, heartbeat_timeout=2.0, backoff_base=0.05, backoff_max=0.2)
    thread = running(runner)
    wait_for(lambda: emulator.open_streams == 1)
    emulator.publish("acme one", author_id="2001")
    emulator.publish("acme two", author_id="2001")
    wait_for(lambda: Stream.objects.get(pk=stream.pk).paused_reason == PAUSED_BY_CAP)
    wait_for(lambda: emulator.rules == [])
    emulator.publish("acme three", author_id="2001")
    time.sleep(0.5)
    stop(runner, thread)
    assert StreamHit.objects.count() == 2
    assert services.usage_of(stream).cost == Decimal("0.010")


@pytest.mark.django_db
def test_recent_search_fallback_polls_when_no_stream_is_connected(brand, emulator) -> None:  # type: ignore[no-untyped-def]
    account = ChannelAccountFactory(brand=brand, api_base_url=emulator.url, **X)
    stream = Stream.objects.create(brand=brand, name="F", platform="x", channel_account=account,
                                   handles=["acme"], mode="review")
    emulator.publish("@acme where is my order", author_id="2001")
    assert x_poll_fallback() == 1
    assert x_poll_fallback() == 0
    emulator.publish("@acme hello?", author_id="2001")
    assert x_poll_fallback() == 1
    assert services.usage_of(stream).posts_read == 2
