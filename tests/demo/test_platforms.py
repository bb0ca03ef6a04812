from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.registry import get_adapter
from socialcare.channels.models import ChannelAccount
from socialcare.demo.loader import demo_load
from socialcare.demo.platforms import (
    ACCOUNTS,
    DemoEmulators,
    ScriptItem,
    demo_accounts,
    platform_script,
    point_accounts,
)
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Ticket
from socialcare.listening.models import Stream, StreamHit
from socialcare.listening.x_stream import XStreamRunner
from socialcare.message_templates.models import MessageTemplate
from tests.helpers import committed

pytestmark = pytest.mark.django_db
KINDS = {"x", "facebook", "messenger", "instagram", "whatsapp", "telegram", "bluesky", "mastodon"}


@pytest.fixture
def loaded() -> dict:
    return demo_load(sandbox_url="http://127.0.0.1:8765")


@pytest.fixture
def emulators(loaded: dict) -> Iterator[DemoEmulators]:
    with DemoEmulators(demo_accounts(), port_base=0) as running:
        point_accounts(running.urls())
        running.accounts = demo_accounts()
        yield running


def _post(client, emulators: DemoEmulators, item: ScriptItem):  # type: ignore[no-untyped-def]
    request = emulators.request(item)
    if request is None:
        return None
    body, headers = request
    headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    account = emulators.accounts[item.account]
    with committed():
        response = client.post(
            f"/hooks/{item.kind}/{account.pk}", data=body, content_type="application/json", headers=headers
        )
    assert response.status_code == 200, (item.kind, response.status_code, response.content[:200])
    return response


def test_seeding_is_idempotent_and_keeps_the_credentials_file(loaded: dict) -> None:
    first = {key: (a.pk, a.webhook_secret, dict(a.credentials)) for key, a in demo_accounts().items()}
    again = demo_load(sandbox_url="http://127.0.0.1:8765")
    second = {key: (a.pk, a.webhook_secret, dict(a.credentials)) for key, a in demo_accounts().items()}
    assert first == second
    kinds = Counter(ChannelAccount.objects.exclude(kind="sandbox").values_list("kind", flat=True))
    assert kinds == Counter(spec["kind"] for spec in ACCOUNTS.values())
    assert ChannelAccount.objects.filter(kind="sandbox").count() == 4
    facebook, messenger = demo_accounts()["radhaus_facebook"], demo_accounts()["radhaus_messenger"]
    assert facebook.settings["private_account_id"] == messenger.pk
    assert Stream.objects.filter(channel_account__kind="x").count() == 2
    assert set(Stream.objects.values_list("mode", flat=True)) == {"review", "auto_ticket"}
    assert MessageTemplate.objects.filter(channel_account__kind="whatsapp").count() == 2
    assert {"api_token", "webhooks", "sandbox_url", "logins"} <= set(again)
    assert set(again["platforms"]) == set(ACCOUNTS)
    stored = json.loads(open(again["file"]).read())
    assert stored["platforms"]["tulp_x"]["webhook_secret"] == demo_accounts()["tulp_x"].webhook_secret


def test_the_script_is_long_varied_and_parses_with_every_adapter(loaded: dict) -> None:
    script = platform_script()
    assert 80 <= len(script) <= 120
    assert max(item.at for item in script) <= 250
    assert {item.kind for item in script} == KINDS
    assert {item.channel for item in script} == {"webhook", "stream", "relay"}
    accounts = demo_accounts()
    actions: Counter[str] = Counter()
    for item in script:
        events = get_adapter(item.kind).parse(
            account_info(accounts[item.account]), json.dumps(item.payload).encode(), {}
        )
        assert events, item
        actions.update(f"{item.kind}:{e.action}" for e in events)
    assert actions["facebook:edit"] == 1 and actions["facebook:engagement"] == 2
    assert actions["telegram:edit"] == 1
    # a new run gets new platform ids, so a restarted demo is live again
    assert json.dumps(platform_script(run=1)[0].payload) != json.dumps(platform_script(run=2)[0].payload)


def test_delivered_traffic_makes_tickets_on_every_platform_and_replies_reach_x(client, emulators) -> None:
    script = platform_script()
    picked: list[ScriptItem] = []
    for kind in sorted(KINDS):
        picked += [i for i in script if i.kind == kind and i.channel != "stream"][:3]
    for item in sorted(picked, key=lambda i: i.at):
        _post(client, emulators, item)
    kinds = set(Ticket.objects.values_list("channel_account__kind", flat=True))
    assert KINDS <= kinds, KINDS - kinds

    # the listening stream: posts published into the X emulator become hits, auto-ticket ones tickets
    for item in [i for i in script if i.channel == "stream"][:6]:
        assert emulators.request(item) is None
    runner = XStreamRunner(emulators.accounts["tulp_x"])
    runner.sync_rules()
    assert len(emulators.x["tulp_x"].rules) == 2
    with committed():
        assert runner.backfill_all() >= 4
    assert StreamHit.objects.filter(stream__mode="review").exists()
    auto_hits = StreamHit.objects.filter(stream__mode="auto_ticket")
    assert auto_hits.exists()
    assert Ticket.objects.filter(
        messages__external_id__in=list(auto_hits.values_list("external_id", flat=True))
    )

    # an agent's reply on an X mention goes to the X emulator
    ticket = Ticket.objects.filter(
        channel_account__settings__demo_key="radhaus_x", messages__kind__in=["mention", "reply"]
    ).first()
    assert ticket is not None
    lead = get_user_model().objects.get(username="lead")
    with committed():
        inbox.reply_create(
            ticket=ticket,
            user=lead,
            text="Danke für die Nachricht, wir schauen sofort nach!",
            visibility="public",
        )
    published = emulators.x["radhaus_x"].published  # automation's away messages may be there too
    mine = [p for p in published if p["text"] == "Danke für die Nachricht, wir schauen sofort nach!"]
    assert len(mine) == 1
    inbound = set(ticket.messages.filter(direction="in").values_list("external_id", flat=True))
    assert mine[0]["referenced_tweets"][0]["id"] in inbound
