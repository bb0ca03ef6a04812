from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="sla.check_deadlines")
def check_deadlines() -> dict[str, int]:
    """Periodic: warnings before and events at breach."""
    return services.sla_check()
