"""Enqueue background work only after the surrounding transaction commits."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` with JSON-primitive arguments once the current transaction commits.

    With ``SOCIALCARE_TASKS_INLINE`` (tests) the task runs in-process after the commit, with its
    arguments passed through a JSON round trip so that nothing but primitives can sneak through.
    """
    payload = json.dumps({"args": args, "kwargs": kwargs})

    def _send() -> None:
        data = json.loads(payload)
        if getattr(settings, "SOCIALCARE_TASKS_INLINE", False):
            task.apply(args=data["args"], kwargs=data["kwargs"], throw=True)
        else:
            task.apply_async(args=data["args"], kwargs=data["kwargs"])

    transaction.on_commit(_send)
