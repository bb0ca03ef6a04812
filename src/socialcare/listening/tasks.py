"""Celery beat tasks for the polled sources (Bluesky, Mastodon) and the X recent-search fallback."""

from __future__ import annotations

from celery import shared_task

from . import pollers
from .x_stream import x_poll_fallback


@shared_task(name="listening.poll")
def poll() -> dict[str, int]:
    counts = pollers.poll_all()
    counts["x_fallback_hits"] = x_poll_fallback()
    return counts
