"""Test helpers."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from django.test import TestCase


def committed() -> AbstractContextManager[Any]:
    """Run what was queued with transaction.on_commit (task enqueues) when the block ends, as a real
    commit would; tasks queued by those tasks run too."""
    return TestCase.captureOnCommitCallbacks(execute=True)
