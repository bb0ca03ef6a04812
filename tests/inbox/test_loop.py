from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from socialcare.channels.connectors.meta.common import sign_body
from socialcare.channels.connectors.meta.emulator import GraphEmulator
from socialcare.channels.models import ChannelAccount
from socialcare.core.errors import DomainError
from socialcare.crm.models import Identity
from socialcare.inbox import loop, services
from socialcare.inbox.models import Message, Ticket, TicketStatus
from tests.factories import ChannelAccountFactory
from tests.helpers import committed

FIXTURES = Path(__file__).resolve().parents[2] / "src/socialcare/channels/connectors/facebook/fixtures"
PAGE = "1122334455"
CREDS = {"access_token": "graph-token", "verify_token": "vt-123"}


@pytest.fixture
def graph() -> Iterator[GraphEmulator]:
    with GraphEmulator(access_token="graph-token") as emulator:
        yield emulator


@pytest.fixture
def accounts(brand: Any, graph: GraphEmulator) -> tuple[ChannelAccount, ChannelAccount]:
    messenger = ChannelAccountFactory(brand=brand, kind="messenger", external_id=PAGE, webhook_secret="app-secret",
                                      credentials=CREDS, api_base_url=graph.url)
    page = ChannelAccountFactory(brand=brand, kind="facebook", external_id=PAGE, webhook_secret="app-secret",
                                 credentials=CREDS, api_base_url=graph.url,
                                 settings={"private_account_id": messenger.pk})
    return page, messenger


def post(client: Client, account: ChannelAccount, doc: Any) -> None:
    body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    with committed():
        response = client.post(f"/hooks/{account.kind}/{account.pk}", data=body, content_type="application/json",
                               HTTP_X_HUB_SIGNATURE_256=sign_body("app-secret", body))
    assert response.status_code == 200


def dm(mid: str, sender: str, recipient: str, text: str, *, echo: bool = False) -> dict[str, Any]:
    now = int(time.time() * 1000)
    message: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        message["is_echo"] = True
    return {"object": "page", "entry": [{"id": PAGE, "time": now, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": now, "message": message}]}]}


@pytest.mark.django_db
def test_public_private_public_loop_keeps_one_ticket(client: Client, accounts: Any, graph: GraphEmulator,
                                                       agent: Any) -> None:
    page, messenger = accounts
    feed = (FIXTURES / "feed_batch.json").read_bytes()
    graph.learn(json.loads(feed))
    post(client, page, feed)
    ticket = Message.objects.get(external_id="900_501").ticket
    tickets_before = Ticket.objects.count()

    with committed():
        loop.ticket_move_to_private(ticket=ticket, user=agent.user, ack_text="Sorry Lena, we sent you a DM.")
    ticket.refresh_from_db()
    assert ticket.moved_private_at is not None
    assert graph.state.comments[0]["message"] == "Sorry Lena, we sent you a DM."  # public acknowledgement
    private_reply = graph.state.sent_messages[0]
    assert private_reply["recipient"] == {"comment_id": "900_502"}
    psid = private_reply["recipient_id"]
    assert Identity.objects.get(channel_account=messenger, external_user_id=psid).customer_id == ticket.customer_id

    # The customer answers in Messenger; the echo of our private reply comes too.
    post(client, messenger, dm("m_in_1", psid, PAGE, "My address is Hauptstr. 1, Berlin"))
    post(client, messenger, dm(private_reply["message_id"], PAGE, psid, private_reply["text"], echo=True))
    assert Message.objects.get(external_id="m_in_1").ticket_id == ticket.pk
    assert Ticket.objects.count() == tickets_before
    assert ticket.messages.filter(external_id=private_reply["message_id"]).count() == 1

    # A private answer from the ticket goes to the Messenger conversation; its echo is not duplicated.
    with committed():
        answer = services.reply_create(ticket=ticket, user=agent.user, text="Thanks, fixed!", visibility="private")
    answer.refresh_from_db()
    assert graph.state.sent_messages[-1]["recipient"] == {"id": psid}
    post(client, messenger, dm(answer.external_id, PAGE, psid, "Thanks, fixed!", echo=True))
    assert ticket.messages.filter(text="Thanks, fixed!").count() == 1

    # Resolved but never closed publicly: reported.
    services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor="system")
    assert list(loop.tickets_with_open_loop(resolved_only=True)) == [ticket]
    with committed():
        loop.ticket_close_loop(ticket=ticket, user=agent.user, text="Solved in DM, thanks for your patience!")
    ticket.refresh_from_db()
    assert ticket.public_followup_at is not None
    assert graph.state.comments[-1]["message"] == "Solved in DM, thanks for your patience!"
    assert graph.state.comments[-1]["parent_id"] == "900_502"
    assert not loop.tickets_with_open_loop().exists()
    with pytest.raises(DomainError):
        loop.ticket_close_loop(ticket=ticket, user=agent.user, text="again")


@pytest.mark.django_db
def test_unpaired_private_message_opens_its_own_ticket(client: Client, accounts: Any, graph: GraphEmulator) -> None:
    page, messenger = accounts
    post(client, page, (FIXTURES / "feed_batch.json").read_bytes())
    post(client, messenger, dm("m_other", "psid_9999", PAGE, "Hello?"))
    assert Message.objects.get(external_id="m_other").ticket.channel_account_id == messenger.pk


@pytest.mark.django_db
def test_close_loop_needs_a_move_first(client: Client, accounts: Any) -> None:
    page, _ = accounts
    post(client, page, (FIXTURES / "feed_batch.json").read_bytes())
    ticket = Message.objects.get(external_id="900_501").ticket
    with pytest.raises(DomainError):
        loop.ticket_close_loop(ticket=ticket, user=None, text="Solved")


@pytest.mark.django_db
def test_panel_and_api(client: Client, accounts: Any, graph: GraphEmulator, agent: Any) -> None:
    page, _ = accounts
    feed = (FIXTURES / "feed_batch.json").read_bytes()
    graph.learn(json.loads(feed))
    post(client, page, feed)
    ticket = Message.objects.get(external_id="900_501").ticket
    client.force_login(agent.user)
    detail = client.get(f"/tickets/{ticket.pk}/")
    assert detail.status_code == 200 and b"Move to private" in detail.content
    with committed():
        moved = client.post(f"/loop/tickets/{ticket.pk}/move-to-private/", {"ack_text": "We sent you a DM"})
    assert moved.status_code == 302
    ticket.refresh_from_db()
    assert ticket.moved_private_at is not None
    services.ticket_set_status(ticket=ticket, status=TicketStatus.RESOLVED, actor="system")
    assert b"Post public follow-up" in client.get(f"/tickets/{ticket.pk}/").content
    listing = client.get("/loop/unclosed/")
    assert listing.status_code == 200 and str(ticket.pk).encode() in listing.content


@pytest.mark.django_db
def test_api_move_close_and_unclosed(client: Client, accounts: Any, graph: GraphEmulator, agent: Any) -> None:
    from socialcare.accounts.services import api_token_create

    page, _ = accounts
    feed = (FIXTURES / "feed_batch.json").read_bytes()
    graph.learn(json.loads(feed))
    post(client, page, feed)
    ticket = Message.objects.get(external_id="900_501").ticket
    auth = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=agent.user, name='test')[1]}"}
    with committed():
        moved = client.post(f"/api/loop/tickets/{ticket.pk}/move-to-private", data={"ack_text": "DM sent"},
                            content_type="application/json", **auth)
    assert moved.status_code == 200 and moved.json()["moved_private_at"]
    assert [t["id"] for t in client.get("/api/loop/unclosed", **auth).json()] == [ticket.pk]
    with committed():
        closed = client.post(f"/api/loop/tickets/{ticket.pk}/close-loop", data={"text": "Solved in DM"},
                             content_type="application/json", **auth)
    assert closed.status_code == 200 and closed.json()["public_followup_at"]
    assert client.get("/api/loop/unclosed", **auth).json() == []
    again = client.post(f"/api/loop/tickets/{ticket.pk}/close-loop", data={"text": "x"},
                        content_type="application/json", **auth)
    assert again.status_code == 400
