"""Celery tasks: thin wrappers that load by id and call a service."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import outbound, pipeline
from .models import RawEvent, RawEventStatus

logger = logging.getLogger(__name__)


@shared_task(name="channels.process_raw_event", acks_late=True)
def process_raw_event(raw_event_id: int) -> str:
    """Process this raw event and a batch of others waiting (see pipeline.raw_events_process_batch)."""
    return pipeline.raw_event_process(raw_event_id)


@shared_task(name="channels.sweep_raw_events")
def sweep_raw_events(older_than_seconds: float | None = None, limit: int = 5000) -> int:
    """Process raw events still 'received' (a worker died, a broker message was lost)."""
    age = settings.SOCIALCARE_RAW_EVENT_SWEEP_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=age)
    ids = list(
        RawEvent.objects.filter(status=RawEventStatus.RECEIVED, received_at__lte=cutoff)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    for raw_event_id in ids:
        if RawEvent.objects.filter(pk=raw_event_id, status=RawEventStatus.RECEIVED).exists():
            pipeline.raw_events_process_batch(raw_event_id)
    if ids:
        logger.info("ingest.swept", extra={"count": len(ids)})
    return len(ids)


@shared_task(name="channels.deliver_outbound", acks_late=True)
def deliver_outbound(delivery_id: int) -> str:
    return outbound.delivery_attempt(delivery_id)


@shared_task(name="channels.retry_due_deliveries")
def retry_due_deliveries() -> int:
    ids = outbound.deliveries_due()
    for delivery_id in ids:
        outbound.delivery_attempt(delivery_id)
    return len(ids)
