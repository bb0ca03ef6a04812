from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from socialcare.channels import pipeline
from socialcare.channels.connectors.base import ParseError
from socialcare.channels.connectors.sandbox.adapter import SandboxAdapter
from socialcare.channels.models import RawEvent
from socialcare.channels.tasks import sweep_raw_events
from socialcare.crm.models import Customer, Identity
from socialcare.inbox.models import Message, Ticket, TicketEvent
from tests.channels.sandbox_helpers import deliver, dm_event, post_event

pytestmark = pytest.mark.django_db


def test_mention_becomes_ticket_with_customer_identity_and_audit_trail(client, sandbox_account):
    response = deliver(client, sandbox_account, [post_event("p1", "@acme where is my order?", author="u1",
                                                            handle="mia", followers=1200)])
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.status == "new" and ticket.brand == sandbox_account.brand
    identity = Identity.objects.get()
    assert (identity.handle, identity.follower_count, identity.customer_id) == ("mia", 1200, ticket.customer_id)
    message = ticket.messages.get()
    assert message.text == "@acme where is my order?" and message.kind == "mention"
    assert RawEvent.objects.get().status == "processed"
    kinds = list(TicketEvent.objects.values_list("kind", flat=True))
    assert kinds[:2] == ["ticket.created", "message.received"]


def test_follow_up_from_same_customer_joins_the_open_ticket(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", "hello?", author="u1")])
    deliver(client, sandbox_account, [post_event("p2", "anyone?", author="u1", in_reply_to="p1", thread_id="p1")])
    deliver(client, sandbox_account, [dm_event("d1", "here is my address", author="u1")])
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(ticket=Ticket.objects.get()).count() == 3


def test_other_customers_in_the_same_public_thread_get_their_own_tickets(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", "train late again", author="u1")])
    deliver(client, sandbox_account, [post_event("p2", "same here!", author="u2", in_reply_to="p1", thread_id="p1")])
    assert Ticket.objects.count() == 2
    assert Customer.objects.count() == 2


@pytest.mark.parametrize("order", [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]])
def test_events_arriving_out_of_order_thread_into_one_ticket(client, sandbox_account, order):
    chain = [
        post_event("p1", "my bike arrived broken", author="u1", at="2026-11-20T09:00:00Z"),
        post_event("p2", "the wheel is bent", author="u1", in_reply_to="p1", thread_id="p1", at="2026-11-20T09:01:00Z"),
        post_event("p3", "hello??", author="u1", in_reply_to="p2", thread_id="p1", at="2026-11-20T09:05:00Z"),
    ]
    for index in order:
        deliver(client, sandbox_account, [chain[index]])
    tickets = Ticket.objects.exclude(status="closed")
    assert tickets.count() == 1
    ticket = tickets.get()
    assert list(ticket.messages.values_list("external_id", flat=True)) == ["p1", "p2", "p3"]  # by occurred_at


def test_reply_chain_out_of_order_without_thread_ids_is_merged(client, sandbox_account):
    # a reply that carries only in_reply_to arrives before its parent: it opens a ticket, and the parent
    # (same customer) then finds it; no ticket is left open twice.
    deliver(client, sandbox_account, [post_event("c2", "follow-up", author="u9", in_reply_to="c1")])
    deliver(client, sandbox_account, [post_event("c1", "original", author="u9")])
    open_tickets = Ticket.objects.exclude(status="closed")
    assert open_tickets.count() == 1
    assert open_tickets.get().messages.count() == 2


def test_same_event_delivered_twice_makes_one_message(client, sandbox_account):
    events = [post_event("p1", "hi", author="u1"), dm_event("d1", "psst", author="u2")]
    deliver(client, sandbox_account, events)
    deliver(client, sandbox_account, list(reversed(events)))
    assert Message.objects.count() == 2
    assert list(RawEvent.objects.order_by("id").values_list("status", flat=True)) == ["processed", "duplicate"]


def test_bad_signature_creates_nothing(client, sandbox_account):
    response = deliver(client, sandbox_account, [post_event("p1", "hi")], secret="wrong")
    assert response.status_code == 401
    assert "signature" in response.json()["error"].lower()
    assert RawEvent.objects.count() == 0 and Ticket.objects.count() == 0 and Customer.objects.count() == 0


def test_unknown_account_is_404(client, sandbox_account):
    response = client.post("/hooks/sandbox/999999", data=b"{}", content_type="application/json")
    assert response.status_code == 404


def test_unparsable_payload_is_kept_as_failed_and_replayable(client, sandbox_account, monkeypatch):
    # A parser bug makes a valid delivery fail; after the fix, replay-failed processes it.
    def broken(self, account, body, headers):
        raise ParseError("parser bug: field 'author' moved")

    monkeypatch.setattr(SandboxAdapter, "parse", broken)
    deliver(client, sandbox_account, [post_event("p1", "hello", author="u1")])
    raw = RawEvent.objects.get()
    assert raw.status == "failed" and "author" in raw.error
    assert Message.objects.count() == 0
    monkeypatch.undo()
    out = StringIO()
    call_command("replay_failed", stdout=out)
    assert "1 processed" in out.getvalue()
    raw.refresh_from_db()
    assert raw.status == "processed" and raw.error == ""
    assert Message.objects.get().text == "hello"


def test_garbage_body_failed_with_reason(client, sandbox_account):
    deliver(client, sandbox_account, [], body=b"not json at all")
    raw = RawEvent.objects.get()
    assert raw.status == "failed"
    assert "not JSON" in raw.error
    out = StringIO()
    call_command("replay_failed", "--list", stdout=out)
    assert str(raw.pk) in out.getvalue()


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so no handler in our code can swallow it."""


def test_worker_killed_mid_batch_loses_nothing(client, sandbox_account, monkeypatch):
    events = [post_event(f"p{i}", f"message {i}", author=f"u{i}") for i in range(5)]
    calls = {"n": 0}

    def dying_stage(messages):
        calls["n"] += 1
        raise WorkerKilled()  # after the messages were written, before the commit

    monkeypatch.setitem(pipeline.message_stages._items, "dies", dying_stage)
    with pytest.raises(WorkerKilled):
        deliver(client, sandbox_account, events)
    assert calls["n"] == 1
    raw = RawEvent.objects.get()
    assert raw.status == "received"  # stored before processing, and nothing half-done was committed
    assert Message.objects.count() == 0 and Ticket.objects.count() == 0
    monkeypatch.delitem(pipeline.message_stages._items, "dies")
    assert sweep_raw_events(older_than_seconds=0) == 1
    raw.refresh_from_db()
    assert raw.status == "processed"
    assert sorted(Message.objects.values_list("external_id", flat=True)) == [f"p{i}" for i in range(5)]


def test_worker_killed_on_the_per_event_path_loses_nothing(client, sandbox_account, monkeypatch, settings):
    settings.SOCIALCARE_INGEST_BULK = False
    events = [post_event(f"p{i}", f"message {i}", author=f"u{i}") for i in range(5)]
    calls = {"n": 0}
    real_apply = pipeline._apply

    def dying_apply(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise WorkerKilled()
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_apply", dying_apply)
    with pytest.raises(WorkerKilled):
        deliver(client, sandbox_account, events)
    assert RawEvent.objects.get().status == "received"
    assert Message.objects.count() == 0 and Ticket.objects.count() == 0
    monkeypatch.setattr(pipeline, "_apply", real_apply)
    assert sweep_raw_events(older_than_seconds=0) == 1
    assert Message.objects.count() == 5


def test_delete_event_marks_message_deleted_but_keeps_text(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", "rude words", author="u1")])
    deliver(client, sandbox_account, [{"type": "delete", "id": "p1", "created_at": "2026-11-20T10:00:00Z"}])
    message = Message.objects.get()
    assert message.deleted_at is not None and message.text == "rude words"


def test_likes_are_counted_not_tickets(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", "love it", author="u1")])
    like = {"type": "like", "id": "l1", "created_at": "2026-11-20T10:00:00Z", "target_id": "p1",
            "author": {"id": "u5", "handle": "fan"}}
    deliver(client, sandbox_account, [like])
    deliver(client, sandbox_account, [like])  # redelivered
    assert Ticket.objects.count() == 1
    assert Message.objects.get().metrics["reactions"] == {"like": 1}


def test_blocked_sender_is_dropped_at_intake_but_raw_event_kept(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", "BUY FOLLOWERS", author="spam")])
    Identity.objects.filter(external_user_id="spam").update(blocked_at="2026-11-20T10:00:00Z")
    deliver(client, sandbox_account, [post_event("p2", "BUY MORE FOLLOWERS", author="spam")])
    assert Message.objects.count() == 1
    assert RawEvent.objects.order_by("id").last().status == "ignored"


def test_inbound_event_json_is_frozen_and_round_trips(sandbox_account):
    from socialcare.channels.accounts import account_info

    body = json.dumps({"events": [post_event("p1", "hi ✨", author="u1")]}).encode()
    (event,) = SandboxAdapter().parse(account_info(sandbox_account), body, {})
    with pytest.raises(AttributeError):
        event.text = "changed"  # type: ignore[misc]
    assert type(event).from_json(event.to_json()) == event


def test_one_bad_raw_event_in_a_batch_fails_alone(sandbox_account):
    from django.utils import timezone

    from socialcare.channels.pipeline import raw_events_process_batch

    good = [json.dumps({"events": [post_event(f"g{i}", "fine", author=f"u{i}")]}).encode() for i in range(3)]
    bodies = [good[0], b"{broken", good[1], json.dumps({"events": [{"type": "post"}]}).encode(), good[2]]
    ids = [RawEvent.objects.create(channel_account=sandbox_account, payload=body, received_at=timezone.now()).pk
           for body in bodies]
    statuses = raw_events_process_batch(ids[0], limit=10)
    assert [statuses[i] for i in ids] == ["processed", "failed", "processed", "failed", "processed"]
    assert "lacks 'id'" in RawEvent.objects.get(pk=ids[3]).error
    assert Message.objects.count() == 3
