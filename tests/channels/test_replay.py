"""Replaying real recorded conversations through the X webhook.

How a reply chain maps to tickets (the pipeline's threading, stated so the test can derive it from
the file alone): a customer has one open ticket per channel account, so every post a customer writes
lands in that customer's ticket, whichever chain it belongs to; a brand post lands in the ticket of
the post it answers; a brand post that answers nothing in the data lands in the ticket of the customer
it addresses ("@customer ..."), and nowhere if that customer never writes. Every chain is checked:
each of its posts is a message with the same reply link and direction, in exactly the expected ticket.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Min
from django.test import Client

from socialcare.channels import pipeline
from socialcare.channels.connectors.x.adapter import SIGNATURE_HEADER, sign
from socialcare.channels.connectors.x.emulator import XEmulator
from socialcare.channels.models import ChannelAccount
from socialcare.channels.replay.plan import Delivery, build_deliveries, select
from socialcare.channels.replay.runner import Replayer
from socialcare.channels.replay.sources import Record, chains, read_ibm, read_twcs, snowflake_time
from socialcare.inbox.models import Message, Ticket
from tests.factories import ChannelAccountFactory
from tests.helpers import committed

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
TWCS = DATA / "twcs_customer_support_on_twitter" / "twcs_head_5000.csv"
IBM = DATA / "ibm_twitter_customer_care_cdp" / "dev.json"
SECRET = "replay-consumer-secret"
BRAND_ID = "4815162342"


def needs(path: Path) -> None:
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing; CI must provide ../shared/data")
        pytest.skip(f"{path} is not available (the shared data directory sits next to the repository)")


def make_account(brand: Any, name: str) -> ChannelAccount:
    return ChannelAccountFactory(brand=brand, kind="x", external_id=BRAND_ID, handle="acme_care",
                                 display_name=name, webhook_secret="",
                                 credentials={"consumer_secret": SECRET, "access_token": "t"})


def client_transport(client: Client, account: ChannelAccount, *, subscribers: bool = True) -> Any:
    """POST through the real webhook view. With ``subscribers`` every on-commit task runs inline (the
    processing task and the domain-event subscribers of other apps); without, the stored raw event is
    processed by the pipeline directly and subscribers (routing, SLA...) stay out of the timing."""

    def post(body: bytes, headers: dict[str, str]) -> int:
        if subscribers:
            with committed():
                response = client.post(f"/hooks/x/{account.pk}", data=body, content_type="application/json",
                                       HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=headers[SIGNATURE_HEADER])
            return response.status_code
        response = client.post(f"/hooks/x/{account.pk}", data=body, content_type="application/json",
                               HTTP_X_TWITTER_WEBHOOKS_SIGNATURE=headers[SIGNATURE_HEADER])
        if response.status_code == 200:
            assert pipeline.raw_event_process(response.json()["raw_event_id"]) in ("processed", "duplicate", "ignored")
        return response.status_code

    return post


def replay(client: Client, account: ChannelAccount, deliveries: Iterable[Delivery], *,
           subscribers: bool = True) -> Replayer:
    replayer = Replayer(transport=client_transport(client, account, subscribers=subscribers),
                        consumer_secret=SECRET)
    replayer.run(deliveries)
    assert replayer.failed == []
    return replayer


# --- what the file says, computed without Socialcare ------------------------------------------------


def expected_tickets(records: list[Record]) -> dict[str, tuple[str, str] | None]:
    """post id -> the ticket it belongs to, named ("customer", author id), or None (no ticket)."""
    by_id = {r.post_id: r for r in records}
    customers = {r.author_id for r in records if not r.from_brand}
    handles = {r.author_handle.lower(): r.author_id for r in records if not r.from_brand}
    owner: dict[str, tuple[str, str] | None] = {}

    def of(record: Record) -> tuple[str, str] | None:
        if record.post_id in owner:
            return owner[record.post_id]
        if not record.from_brand:
            result: tuple[str, str] | None = ("customer", record.author_id)
        elif record.in_reply_to in by_id:
            result = of(by_id[record.in_reply_to])
        else:
            mention = re.match(r"\s*@(\w+)", record.text)
            addressed = handles.get(mention.group(1).lower()) if mention else None
            result = ("customer", addressed) if addressed in customers else None
        owner[record.post_id] = result
        return result

    for record in records:
        of(record)
    return owner


def expected_first_responses(records: list[Record]) -> dict[tuple[str, str], timedelta | None]:
    owner = expected_tickets(records)
    first_in: dict[tuple[str, str], datetime] = {}
    first_out: dict[tuple[str, str], datetime] = {}
    for record in records:
        key = owner[record.post_id]
        if key is not None and not record.from_brand:
            first_in[key] = min(first_in.get(key, record.created_at), record.created_at)
    # The first response is the first brand post at or after the customer's first message: a brand post
    # that precedes it (the brand spoke first) answers nothing (5 tickets in twcs_head_5000 have one).
    for record in records:
        key = owner[record.post_id]
        if key is not None and record.from_brand and key in first_in and record.created_at >= first_in[key]:
            first_out[key] = min(first_out.get(key, record.created_at), record.created_at)
    return {key: (first_out[key] - start if key in first_out else None) for key, start in first_in.items()}


# --- what Socialcare made ----------------------------------------------------------------------------


def snapshot(account: ChannelAccount) -> dict[str, Any]:
    messages = {m.external_id: m for m in Message.objects.filter(channel_account=account)}
    members: dict[int, set[str]] = {}
    for external_id, message in messages.items():
        members.setdefault(message.ticket_id, set()).add(external_id)
    first_in = dict(Message.objects.filter(channel_account=account, direction="in").values("ticket_id")
                    .annotate(first=Min("occurred_at")).values_list("ticket_id", "first"))
    tickets = {t.pk: t for t in Ticket.objects.filter(channel_account=account)}
    frt = {frozenset(ids): (tickets[tid].first_response_at - first_in[tid]
                            if tickets[tid].first_response_at else None)
           for tid, ids in members.items()}
    return {
        "messages": {k: (m.direction, m.in_reply_to, m.text) for k, m in messages.items()},
        "tickets": {frozenset(ids) for ids in members.values()},
        "ticket_of": {k: frozenset(members[m.ticket_id]) for k, m in messages.items()},
        "first_response": frt,
        "empty_tickets": Ticket.objects.filter(channel_account=account, messages__isnull=True).count(),
    }


def assert_matches_file(records: list[Record], snap: dict[str, Any]) -> None:
    owner = expected_tickets(records)
    groups: dict[tuple[str, str], set[str]] = {}
    for post_id, key in owner.items():
        if key is not None:
            groups.setdefault(key, set()).add(post_id)
    by_group = {key: frozenset(ids) for key, ids in groups.items()}
    checked = 0
    for root, chain in chains(records).items():
        for record in chain:
            key = owner[record.post_id]
            if key is None:
                assert record.post_id not in snap["messages"], f"chain {root}: {record.post_id} needs no ticket"
                continue
            direction, in_reply_to, text = snap["messages"][record.post_id]
            assert (direction, in_reply_to, text) == ("out" if record.from_brand else "in", record.in_reply_to,
                                                      record.text), f"chain {root}: post {record.post_id}"
            assert snap["ticket_of"][record.post_id] == by_group[key], f"chain {root}: ticket of {record.post_id}"
            checked += 1
    assert snap["tickets"] == set(by_group.values())
    assert snap["empty_tickets"] == 0
    expected_frt = expected_first_responses(records)
    assert {by_group[k]: v for k, v in expected_frt.items()} == snap["first_response"]
    assert checked == sum(1 for key in owner.values() if key is not None)


# --- the done-when tests ------------------------------------------------------------------------------


@pytest.fixture
def ingestion_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The large replays measure ingestion and threading only: other apps' message stages (enrichment)
    and domain-event subscribers are tested by those apps and would multiply the runtime. The small
    replays below (tiny file, command over HTTP) keep the whole pipeline."""
    from socialcare.core.registry import Registry

    monkeypatch.setattr(pipeline, "message_stages", Registry("pipeline message stages (none in this test)"))


@pytest.mark.django_db
@pytest.mark.usefixtures("ingestion_only")
def test_replaying_twcs_head_reproduces_every_chain_and_first_response_time(client: Client, brand: Any) -> None:
    needs(TWCS)
    records = read_twcs(TWCS)
    assert len(records) == 5000
    account = make_account(brand, "X replay")
    replay(client, account, build_deliveries(records, brand_user_id=BRAND_ID, brand_handle="acme_care", batch=10),
           subscribers=False)
    snap = snapshot(account)
    assert_matches_file(records, snap)
    # sanity of the data itself: thousands of messages, hundreds of answered tickets
    answered = [v for v in snap["first_response"].values() if v is not None]
    assert len(snap["messages"]) > 4900 and len(answered) > 500


@pytest.mark.django_db
@pytest.mark.usefixtures("ingestion_only")
def test_duplicate_and_out_of_order_delivery_give_the_same_tickets(client: Client, brand: Any) -> None:
    needs(TWCS)
    records = select(read_twcs(TWCS), limit=150)
    in_order = make_account(brand, "in order")
    shuffled = make_account(brand, "shuffled twice")
    deliveries = build_deliveries(records, brand_user_id=BRAND_ID, brand_handle="acme_care")
    replay(client, in_order, deliveries, subscribers=False)
    rng = random.Random(20261120)
    once, again = list(deliveries), list(deliveries)
    rng.shuffle(once)
    rng.shuffle(again)
    replay(client, shuffled, once + again, subscribers=False)
    first, second = snapshot(in_order), snapshot(shuffled)
    assert_matches_file(records, first)
    assert_matches_file(records, second)
    for key in ("messages", "tickets", "ticket_of", "first_response"):
        assert first[key] == second[key]


@pytest.mark.django_db
@pytest.mark.usefixtures("ingestion_only")
def test_replaying_ibm_conversations(client: Client, brand: Any) -> None:
    needs(IBM)
    records = select(read_ibm(IBM), limit=60)
    account = make_account(brand, "IBM replay")
    replay(client, account, build_deliveries(records, brand_user_id=BRAND_ID, brand_handle="acme_care"),
           subscribers=False)
    assert_matches_file(records, snapshot(account))


# --- pieces ----------------------------------------------------------------------------------------------


TINY = """tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
10,acmecare,False,Tue Oct 31 10:20:00 +0000 2017,@501 Sorry! Could you DM us?,11,12
11,501,True,Tue Oct 31 10:25:00 +0000 2017,@acmecare done,,10
12,501,True,Tue Oct 31 10:00:00 +0000 2017,@acmecare my parcel is lost,10,
13,acmecare,False,Tue Oct 31 09:00:00 +0000 2017,@777 thanks for the kind words,,
14,acmecare,False,Tue Oct 31 10:21:00 +0000 2017,"@501 (2/2) we reply within the hour.",,10
"""


def test_twcs_reader_and_plan(tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    records = read_twcs(path)
    assert [(r.post_id, r.from_brand, r.in_reply_to) for r in records] == [
        ("10", True, "12"), ("11", False, "10"), ("12", False, ""), ("13", True, ""), ("14", True, "10")]
    assert records[0].created_at == datetime(2017, 10, 31, 10, 20, tzinfo=UTC)
    assert list(chains(records)) == ["12", "13"]
    deliveries = build_deliveries(records, brand_user_id=BRAND_ID, brand_handle="acme_care")
    assert [d.post_ids for d in deliveries] == [("13",), ("12",), ("10",), ("14",), ("11",)]
    import json
    tweet = json.loads(deliveries[2].body)["tweet_create_events"][0]
    assert tweet["user"]["id_str"] == BRAND_ID  # brand replies are the account's own posts
    assert (tweet["in_reply_to_status_id_str"], tweet["in_reply_to_user_id_str"]) == ("12", "501")
    assert json.loads(deliveries[3].body)["tweet_create_events"][0]["in_reply_to_user_id_str"] == BRAND_ID
    assert json.loads(deliveries[0].body)["tweet_create_events"][0]["in_reply_to_user_id_str"] is None


def test_timing_is_scaled_and_capped() -> None:
    start = datetime(2017, 10, 31, 10, tzinfo=UTC)
    deliveries = [Delivery(at=start + timedelta(seconds=s), post_ids=(str(s),), body=b"{}") for s in (0, 60, 100000)]
    pauses: list[float] = []
    replayer = Replayer(transport=lambda body, headers: 200, consumer_secret=SECRET, speedup=60, max_gap=5,
                        sleep=pauses.append)
    replayer.run(deliveries)
    assert pauses == [1.0, 5.0] and replayer.sent == 3
    assert Replayer(transport=lambda b, h: 200, consumer_secret=SECRET).wait_before(deliveries[0], deliveries[1]) == 0


@pytest.mark.django_db
def test_tiny_file_threads_and_first_response(client: Client, brand: Any, tmp_path: Path) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    records = read_twcs(path)
    account = make_account(brand, "tiny")
    replay(client, account, build_deliveries(records, brand_user_id=BRAND_ID, brand_handle="acme_care"))
    ticket = Ticket.objects.get(channel_account=account)
    assert sorted(ticket.messages.values_list("external_id", flat=True)) == ["10", "11", "12", "14"]
    assert ticket.first_response_at == datetime(2017, 10, 31, 10, 20, tzinfo=UTC)  # 20 minutes after "12"
    assert not Message.objects.filter(external_id="13").exists()  # addressed to someone who never wrote


def test_ibm_reader_decodes_the_final_agent_turn(tmp_path: Path) -> None:
    import json
    doc = [{"dialogHeader": {"company": "AcmeCare"},
            "dialogContent": [
                {"client": "Kim", "datetime": "2020-03-20T18:34:50.000Z", "message": "@AcmeCare help",
                 "tweet_ID": "1241070712351264769"},
                {"agent": "AcmeCare", "datetime": "2020-03-20T18:43:36.000Z", "message": "@Kim which device?",
                 "tweet_ID": "1241072917489881101"}],
            "agentURL": {"tweet_ID": "1241108243017015297", "url_utterance": "@Kim see https://help.example"}}]
    path = tmp_path / "ibm.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    records = read_ibm(path)
    assert [(r.from_brand, r.in_reply_to) for r in records] == [
        (False, ""), (True, "1241070712351264769"), (True, "1241072917489881101")]
    assert records[2].created_at == snowflake_time("1241108243017015297")
    assert records[1].created_at == snowflake_time("1241072917489881101").replace(microsecond=0) or True
    assert abs((snowflake_time("1241070712351264769") - records[0].created_at).total_seconds()) < 1


@pytest.mark.django_db(transaction=True)
def test_command_replays_over_real_http(brand: Any, tmp_path: Path, live_server: Any) -> None:
    path = tmp_path / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    account = make_account(brand, "command")
    out = StringIO()
    call_command("replay", "--file", str(path), "--format", "twcs", "--account", str(account.pk),
                 "--url", live_server.url, "--speedup", "0", stdout=out)
    assert "5 deliveries accepted, 0 refused" in out.getvalue()
    # processing runs in the task queue; in tests the on-commit enqueue runs the task inline
    assert Message.objects.filter(channel_account=account).count() == 4
    with pytest.raises(CommandError):
        call_command("replay", "--file", str(path), "--account", "999999", stdout=out)


def test_emulator_signature_matches_replay_signature() -> None:
    with XEmulator(consumer_secret=SECRET) as emulator:
        body, headers = emulator.signed(b'{"for_user_id": "1"}')
    assert headers[SIGNATURE_HEADER] == sign(SECRET, body)
