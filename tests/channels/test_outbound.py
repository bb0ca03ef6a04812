from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from socialcare.channels.models import OutboundDelivery
from socialcare.channels.outbound import delivery_attempt
from socialcare.channels.tasks import retry_due_deliveries
from socialcare.core.errors import DomainError
from socialcare.inbox import services
from socialcare.inbox.models import Ticket, TicketEvent
from tests.channels.sandbox_helpers import deliver, dm_event, post_event
from tests.helpers import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(client, sandbox_account):
    deliver(client, sandbox_account, [post_event("p1", "my order is late", author="u1")])
    return Ticket.objects.get()


def published(server):
    return httpx.get(f"{server.url}/api/v1/messages").json()["messages"]


def test_public_reply_is_delivered_and_sets_first_response(ticket, agent, sandbox_server):
    with committed():
        message = services.reply_create(ticket=ticket, user=agent.user, text="Sorry! Checking now.")
    message.refresh_from_db()
    ticket.refresh_from_db()
    assert message.delivery_status == "sent"
    assert message.external_id and message.external_id.startswith("sbx_out_")
    (sent,) = published(sandbox_server)
    assert sent["in_reply_to"] == "p1" and sent["visibility"] == "public" and sent["text"] == "Sorry! Checking now."
    assert ticket.first_response_at is not None and ticket.status == "open"
    assert TicketEvent.objects.filter(ticket=ticket, kind="reply.sent").exists()


def test_private_reply_goes_to_the_customer(client, sandbox_account, agent, sandbox_server):
    deliver(client, sandbox_account, [dm_event("d1", "my IBAN is wrong on the invoice", author="u7")])
    ticket = Ticket.objects.get()
    with committed():
        services.reply_create(ticket=ticket, user=agent.user, text="Please send the correct one here.")
    (sent,) = published(sandbox_server)
    assert sent["visibility"] == "private" and sent["recipient_id"] == "u7" and sent["conversation_id"] == "dm:u7"


def test_too_long_reply_is_refused_before_anything_is_sent(ticket, agent, sandbox_server):
    with pytest.raises(DomainError) as refused:
        with committed():
            services.reply_create(ticket=ticket, user=agent.user, text="x" * 501)
    assert "501" in refused.value.message and "500" in refused.value.message
    assert OutboundDelivery.objects.count() == 0
    assert published(sandbox_server) == []


def test_rate_limited_send_is_retried_later_and_posts_once(ticket, agent, sandbox_server):
    httpx.post(f"{sandbox_server.url}/_control/fail", json={"status": 429, "count": 1})
    with committed():
        message = services.reply_create(ticket=ticket, user=agent.user, text="On it")
    delivery = OutboundDelivery.objects.get()
    message.refresh_from_db()
    assert delivery.status == "pending" and message.delivery_status == "retrying"
    assert delivery.next_attempt_at is not None and "429" in delivery.last_error
    OutboundDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert retry_due_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.attempts == 2
    assert len(published(sandbox_server)) == 1
    assert retry_due_deliveries() == 0  # nothing left; never posted twice


def test_rejected_send_fails_with_the_platform_reason(ticket, agent, sandbox_server):
    httpx.post(f"{sandbox_server.url}/_control/fail", json={"status": 400, "count": 1})
    with committed():
        message = services.reply_create(ticket=ticket, user=agent.user, text="Hello")
    message.refresh_from_db()
    delivery = OutboundDelivery.objects.get()
    assert delivery.status == "failed" and "400" in delivery.last_error
    assert message.delivery_status == "failed"
    assert TicketEvent.objects.filter(kind="reply.failed").exists()


def test_retry_after_a_lost_response_does_not_post_twice(ticket, agent, sandbox_server):
    with committed():
        services.reply_create(ticket=ticket, user=agent.user, text="Once only")
    delivery = OutboundDelivery.objects.get()
    # Pretend the worker died after the platform accepted the post but before we recorded it.
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status="pending", external_id="",
                                                           in_flight_since=timezone.now() - timedelta(minutes=5))
    assert delivery_attempt(delivery.pk) == "sent"
    assert len(published(sandbox_server)) == 1  # the idempotency key made the platform answer with the same post


def test_delivery_in_flight_is_not_sent_concurrently(ticket, agent, sandbox_server):
    with committed():
        services.reply_create(ticket=ticket, user=agent.user, text="Hi")
    delivery = OutboundDelivery.objects.get()
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status="pending", in_flight_since=timezone.now())
    assert delivery_attempt(delivery.pk) == "in-flight"


def test_unreachable_platform_is_retriable(ticket, agent, sandbox_account):
    sandbox_account.api_base_url = "http://127.0.0.1:9"  # nothing listens on the discard port
    sandbox_account.save(update_fields=["api_base_url"])
    with committed():
        message = services.reply_create(ticket=ticket, user=agent.user, text="Hi")
    message.refresh_from_db()
    assert message.delivery_status == "retrying"
    assert "network error" in OutboundDelivery.objects.get().last_error


def test_external_api_hosts_are_refused_unless_allowed(ticket, agent, sandbox_account):
    sandbox_account.api_base_url = "https://api.example.com"
    sandbox_account.save(update_fields=["api_base_url"])
    with committed():
        message = services.reply_create(ticket=ticket, user=agent.user, text="Hi")
    message.refresh_from_db()
    assert message.delivery_status == "failed"
    assert "loopback" in OutboundDelivery.objects.get().last_error
