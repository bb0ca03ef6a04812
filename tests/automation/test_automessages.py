"""Automatic messages: out-of-hours replies (once, in the customer's language, with the next opening
time), the welcome menu whose choice becomes a tag and drives routing, no repeats, none after an agent."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from socialcare.automation.models import AutoMessageConfig, AutoMessageLog
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Message, Ticket
from socialcare.routing.models import RoutingConfig
from socialcare.sla.services import calendar_save
from tests.automation.support import Clock, deliver, sandbox_post
from tests.factories import AgentFactory, TeamFactory
from tests.helpers import committed

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def hours(brand):  # type: ignore[no-untyped-def]
    brand.languages = ["de", "en"]
    brand.save()
    return calendar_save(brand_id=brand.pk, timezone_name="Europe/Berlin", weekly_hours=OFFICE, country="DE",
                         subdivision="BE")


def published(server) -> list[dict]:  # type: ignore[no-untyped-def]
    return list(server.state.published)


@pytest.mark.django_db
def test_out_of_hours_private_reply_states_next_opening_once(client, monkeypatch, hours, sandbox_account,
                                                             sandbox_server) -> None:  # type: ignore[no-untyped-def]
    clock = Clock(monkeypatch, berlin(2026, 4, 2, 19, 30))  # Thursday evening before Easter
    deliver(client, sandbox_account, sandbox_post(text="Hallo, wo ist mein Paket?", at=clock.at, dm=True))
    sent = published(sandbox_server)
    assert len(sent) == 1 and sent[0]["visibility"] == "private"
    # no enrichment yet: the brand's first language (German); Good Friday and Easter Monday are closed
    assert "Dienstag, 7. April, 09:00 Uhr (CEST)" in sent[0]["text"]
    clock.advance(minutes=20)
    deliver(client, sandbox_account, sandbox_post(text="Hallo??", at=clock.at, dm=True))
    assert len(published(sandbox_server)) == 1
    reply = Message.objects.get(direction="out")
    assert reply.metrics["automated"] == "out_of_hours"
    assert reply.ticket.first_response_at is None  # an automatic message is not a response; nor for SLA:
    from socialcare.sla.models import TicketSLA

    assert not TicketSLA.objects.filter(first_response_done_at__isnull=False).exists()


@pytest.mark.django_db
def test_out_of_hours_uses_enriched_language(client, monkeypatch, hours, sandbox_account, sandbox_server) -> None:  # type: ignore[no-untyped-def]
    from socialcare.channels import pipeline

    def tag_dutch(messages: list[Message]) -> None:
        for message in messages:
            message.enrichment = {"language": {"code": "nl"}}
            message.save(update_fields=["enrichment"])

    monkeypatch.setitem(pipeline.message_stages._items, "test-language", tag_dutch)
    clock = Clock(monkeypatch, berlin(2026, 3, 7, 12, 0))  # Saturday
    deliver(client, sandbox_account, sandbox_post(text="Waar blijft mijn bestelling?", at=clock.at))
    [sent] = published(sandbox_server)
    assert sent["visibility"] == "public"
    assert sent["text"] == "Bedankt! We zijn vanaf maandag 9 maart, 09:00 (CET) terug en reageren dan."


@pytest.mark.django_db
def test_public_out_of_hours_reply_once_per_thread(client, monkeypatch, hours, sandbox_account, sandbox_server) -> None:  # type: ignore[no-untyped-def]
    AutoMessageConfig.objects.create(brand=hours.brand, repeat_after_hours=0)
    clock = Clock(monkeypatch, berlin(2026, 3, 7, 12, 0))
    deliver(client, sandbox_account, sandbox_post(text="hello", at=clock.at, event_id="t1", thread_id="t1"))
    clock.advance(hours=3)
    deliver(client, sandbox_account, sandbox_post(text="anyone?", at=clock.at, in_reply_to="t1", thread_id="t1"))
    assert len(published(sandbox_server)) == 1
    assert AutoMessageLog.objects.get().thread_key == "t1"


@pytest.mark.django_db
def test_nothing_during_opening_hours_or_after_an_agent_answered(client, monkeypatch, hours, sandbox_account,
                                                                 sandbox_server, agent) -> None:  # type: ignore[no-untyped-def]
    AutoMessageConfig.objects.create(brand=hours.brand, repeat_after_hours=0)
    clock = Clock(monkeypatch, berlin(2026, 3, 6, 16, 50))  # Friday, open
    deliver(client, sandbox_account, sandbox_post(text="quick question", at=clock.at, dm=True))
    assert published(sandbox_server) == []
    ticket = Ticket.objects.get()
    with committed():
        inbox.reply_create(ticket=ticket, user=agent.user, text="Sure, go ahead", visibility="private")
    clock.set(berlin(2026, 3, 6, 18, 0))  # closed now, but an agent has answered
    deliver(client, sandbox_account, sandbox_post(text="so...", at=clock.at, dm=True))
    assert [p["text"] for p in published(sandbox_server)] == ["Sure, go ahead"]


@pytest.mark.django_db
def test_not_twice_to_the_same_customer_within_the_period(client, monkeypatch, hours, sandbox_account,
                                                          sandbox_server) -> None:  # type: ignore[no-untyped-def]
    AutoMessageConfig.objects.create(brand=hours.brand, repeat_after_hours=24)
    clock = Clock(monkeypatch, berlin(2026, 3, 6, 18, 0))
    deliver(client, sandbox_account, sandbox_post(text="one", at=clock.at, dm=True))
    Ticket.objects.update(status="closed")
    clock.advance(hours=20)
    deliver(client, sandbox_account, sandbox_post(text="two", at=clock.at, dm=True))
    assert Ticket.objects.count() == 2 and len(published(sandbox_server)) == 1
    Ticket.objects.update(status="closed")
    clock.advance(hours=5)
    deliver(client, sandbox_account, sandbox_post(text="three", at=clock.at, dm=True))
    assert len(published(sandbox_server)) == 2


@pytest.mark.django_db
def test_welcome_menu_choice_becomes_a_tag_and_drives_routing(client, monkeypatch, brand, sandbox_account,
                                                              sandbox_server) -> None:  # type: ignore[no-untyped-def]
    Clock(monkeypatch, berlin(2026, 3, 4, 10, 0))
    team = TeamFactory(name="Care")
    team.brands.add(brand)
    for name, skills in (("generalist", []), ("biller", ["billing"])):
        AgentFactory(user__username=name, skills=skills, presence="online").teams.add(team)
    RoutingConfig.objects.create(brand=brand, strategy="skills_first")
    AutoMessageConfig.objects.create(brand=brand, welcome_enabled=True, welcome_options=[
        {"title": "Billing", "payload": "billing"}, {"title": "Delivery", "payload": "delivery"}])
    deliver(client, sandbox_account, sandbox_post(text="hi", at=berlin(2026, 3, 4, 10, 0), dm=True))
    ticket = Ticket.objects.get()
    welcome = Message.objects.get(direction="out")
    assert welcome.metrics["options"] == {"quick_replies": [{"title": "Billing", "payload": "billing"},
                                                            {"title": "Delivery", "payload": "delivery"}]}
    assert welcome.text == "Hi! Thanks for reaching out. What is your message about?"
    assert ticket.assignee is None  # routing waits for the choice
    # the customer taps "Billing" (the sandbox delivers the option's title as text)
    deliver(client, sandbox_account, sandbox_post(text="Billing", at=berlin(2026, 3, 4, 10, 1), dm=True))
    ticket.refresh_from_db()
    assert "billing" in set(ticket.tags.values_list("name", flat=True))
    assert ticket.assignee.username == "biller"
    assert AutoMessageLog.objects.get(kind="welcome").choice == "billing"
    assert len(published(sandbox_server)) == 1


@pytest.mark.django_db
def test_quick_reply_payload_from_connector_metrics(brand, sandbox_account) -> None:  # type: ignore[no-untyped-def]
    from socialcare.automation.automessages import choice_in
    from tests.factories import MessageFactory

    options = [{"title": "Billing", "payload": "billing"}]
    assert choice_in(MessageFactory(text="💳", metrics={"quick_reply": {"payload": "billing"}}), options) == "billing"
    assert choice_in(MessageFactory(text="something else"), options) == ""
