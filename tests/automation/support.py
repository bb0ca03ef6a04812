"""Shared helpers for the automation, routing, SLA and access tests: a frozen clock and sandbox deliveries."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.channels.models import ChannelAccount
from tests.helpers import committed

_ids = itertools.count(1)


class Clock:
    """Freezes ``django.utils.timezone.now`` (which every service uses) at a settable moment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
        self.at = at
        monkeypatch.setattr(timezone, "now", lambda: self.at)

    def set(self, at: datetime) -> None:
        self.at = at

    def advance(self, **kwargs: float) -> datetime:
        self.at = self.at + timedelta(**kwargs)
        return self.at


def sandbox_post(*, text: str, at: datetime, author: str = "u_anna", followers: int | None = None,
                 verified: bool = False, dm: bool = False, event_id: str = "", in_reply_to: str = "",
                 **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "direct_message" if dm else "post",
        "id": event_id or f"evt_{next(_ids)}",
        "created_at": at.isoformat(),
        "text": text,
        "author": {"id": author, "handle": author.removeprefix("u_"), "name": author, "verified": verified,
                   **({"followers": followers} if followers is not None else {})},
    }
    if in_reply_to:
        event["in_reply_to"] = in_reply_to
    event.update(extra)
    return event


def deliver(client: Client, account: ChannelAccount, *events: dict[str, Any]) -> Any:
    """Deliver signed sandbox events to the webhook; everything queued after commit runs inline."""
    body = json.dumps({"events": list(events)}).encode()
    with committed():
        response = client.post(f"/hooks/sandbox/{account.pk}", data=body, content_type="application/json",
                               HTTP_X_SANDBOX_SIGNATURE=sign(account.webhook_secret, body))
    assert response.status_code == 200, response.content
    return response
