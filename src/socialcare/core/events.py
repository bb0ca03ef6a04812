"""Domain events: published after commit, dispatched in a task to ordered subscribers.

Events carry JSON primitives and an ``actor`` (``user:<id>``, ``rule:<id>``, ``system``). Subscribers
are registered at app start (``AppConfig.ready``) with an ``order``: lower runs first, so enrichment
and the noise filter (10-20) run before automation rules (50), routing (70) and SLA clocks (80).

Events:
- ``message.received``: {ticket_id, message_id, ticket_created, actor}
- ``ticket.changed``: {ticket_id, fields: [...], actor}
- ``reply.sent``: {ticket_id, message_id, actor}
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.db import transaction

from .tasks import enqueue_on_commit

logger = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    order: int
    handler: Handler


_subscribers: dict[str, list[Subscriber]] = {}


def subscribe(event: str, *, name: str, order: int = 100) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        existing = _subscribers.setdefault(event, [])
        if any(s.name == name for s in existing):
            raise ValueError(f"{name!r} already subscribes to {event!r}")
        existing.append(Subscriber(name=name, order=order, handler=handler))
        existing.sort(key=lambda s: (s.order, s.name))
        return handler

    return decorator


def subscribers(event: str) -> list[Subscriber]:
    return list(_subscribers.get(event, []))


def publish(event: str, payload: dict[str, Any]) -> None:
    """Dispatch ``event`` after the current transaction commits."""
    payload.setdefault("actor", "system")
    enqueue_on_commit(dispatch_event, event, payload)


def publish_many(items: list[tuple[str, dict[str, Any]]]) -> None:
    """Dispatch several events after commit in ONE task (the pipeline publishes a batch at a time)."""
    for _event, payload in items:
        payload.setdefault("actor", "system")
    enqueue_on_commit(dispatch_events, [[event, payload] for event, payload in items])


def _run(event: str, payload: dict[str, Any]) -> int:
    ran = 0
    for subscriber in subscribers(event):
        try:
            with transaction.atomic():  # a savepoint per subscriber: one failing reaction spoils nothing else
                subscriber.handler(payload)
            ran += 1
        except Exception:  # logged with the event and the subscriber; the others still run
            logger.exception("events.subscriber_failed", extra={"event": event, "subscriber": subscriber.name,
                                                                "payload": payload})
    return ran


@shared_task(name="core.dispatch_event", acks_late=True)
def dispatch_event(event: str, payload: dict[str, Any]) -> int:
    with transaction.atomic():
        return _run(event, payload)


@shared_task(name="core.dispatch_events", acks_late=True)
def dispatch_events(items: list[list[Any]]) -> int:
    with transaction.atomic():
        return sum(_run(str(event), dict(payload)) for event, payload in items)
