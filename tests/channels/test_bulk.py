"""The set-based fast path must give exactly what the per-event path gives."""

from __future__ import annotations

import json
import random

import pytest
from django.utils import timezone

from socialcare.channels import bulk
from socialcare.channels.models import RawEvent
from socialcare.channels.pipeline import raw_events_process_batch
from socialcare.crm.models import Identity
from socialcare.inbox.models import Message, TicketEvent
from tests.channels.sandbox_helpers import dm_event, post_event
from tests.factories import ChannelAccountFactory

pytestmark = pytest.mark.django_db


def traffic(seed: int, n: int = 60) -> list[list[dict]]:
    """Deliveries of 1-3 events: posts, replies (also to other customers' posts), DMs, redeliveries,
    replies that arrive before their parent."""
    rng = random.Random(seed)
    events: list[dict] = []
    for i in range(n):
        author = f"u{rng.randint(0, 12)}"
        at = f"2026-11-20T09:{i // 60:02d}:{i % 60:02d}Z"
        roll = rng.random()
        posts = [e for e in events if e["type"] == "post"]
        if roll < 0.25 and posts:
            parent = rng.choice(posts)
            events.append(post_event(f"e{i}", f"reply {i}", author=author, at=at, in_reply_to=parent["id"],
                                     thread_id=parent.get("thread_id") or parent["id"], followers=i))
        elif roll < 0.45:
            events.append(dm_event(f"e{i}", f"dm {i}", author=author, at=at))
        else:
            events.append(post_event(f"e{i}", f"post {i}", author=author, at=at, followers=i))
    deliveries: list[list[dict]] = []
    i = 0
    while i < len(events):
        size = rng.randint(1, 3)
        deliveries.append(events[i:i + size])
        i += size
    for _ in range(6):  # redeliveries
        deliveries.insert(rng.randint(0, len(deliveries)), rng.choice(deliveries))
    for _ in range(4):  # a few out of order
        a, b = rng.randrange(len(deliveries)), rng.randrange(len(deliveries))
        deliveries[a], deliveries[b] = deliveries[b], deliveries[a]
    return deliveries


def outcome(account) -> dict:
    tickets: dict[int, set[str]] = {}
    for external_id, ticket_id in Message.objects.filter(channel_account=account).values_list("external_id",
                                                                                             "ticket_id"):
        tickets.setdefault(ticket_id, set()).add(external_id)
    statuses = {frozenset(ids): status for ids, status in (
        (tickets[t.pk], t.status) for t in account.tickets.all() if t.pk in tickets)}
    kinds = sorted(TicketEvent.objects.filter(ticket__channel_account=account).values_list("kind", flat=True))
    raw = sorted(RawEvent.objects.filter(channel_account=account).values_list("status", flat=True))
    identities = sorted(Identity.objects.filter(channel_account=account).values_list("external_user_id",
                                                                                    "follower_count"))
    return {"tickets": statuses, "events": kinds, "raw": raw, "identities": identities}


def run(account, deliveries, batch: int) -> None:
    for events in deliveries:
        RawEvent.objects.create(channel_account=account, payload=json.dumps({"events": events}).encode(),
                                received_at=timezone.now())
    while RawEvent.objects.filter(channel_account=account, status="received").exists():
        raw_events_process_batch(limit=batch)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_bulk_and_per_event_paths_give_the_same_tickets(brand, settings, seed):
    deliveries = traffic(seed)
    fast, slow = ChannelAccountFactory(brand=brand), ChannelAccountFactory(brand=brand)
    settings.SOCIALCARE_INGEST_BULK = True
    run(fast, deliveries, batch=10)
    settings.SOCIALCARE_INGEST_BULK = False
    run(slow, deliveries, batch=10)
    assert outcome(fast) == outcome(slow)


def test_bulk_path_is_taken_for_plain_messages_and_refused_for_others(brand, monkeypatch):
    account = ChannelAccountFactory(brand=brand)
    taken = []
    real = bulk._bulk

    def spy(batch):
        try:
            result = real(batch)
        except bulk.Bail:
            taken.append(False)
            raise
        taken.append(True)
        return result

    monkeypatch.setattr(bulk, "_bulk", spy)
    run(account, [[post_event("a", "hello", author="u1")], [post_event("b", "again", author="u2")]], batch=10)
    run(account, [[{"type": "delete", "id": "a", "created_at": "2026-11-20T10:00:00Z"}]], batch=10)
    assert taken == [True, False]
    assert Message.objects.get(external_id="a").deleted_at is not None
