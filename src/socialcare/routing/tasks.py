from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="routing.drain_queue")
def drain_queue() -> int:
    return services.queue_drain()


@shared_task(name="routing.presence_and_queue")
def presence_and_queue() -> int:
    """Periodic: automatic away after inactivity, then hand waiting tickets to whoever is free."""
    services.presence_auto_away()
    return services.queue_drain()
