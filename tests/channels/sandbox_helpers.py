"""Build and post signed sandbox deliveries in tests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.channels.models import ChannelAccount
from tests.helpers import committed


def post_event(id: str, text: str, *, author: str = "u1", handle: str | None = None, at: str = "2026-11-20T09:00:00Z",
               in_reply_to: str | None = None, thread_id: str | None = None, followers: int = 10) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "post", "id": id, "created_at": at, "text": text,
                             "author": {"id": author, "handle": handle or author, "name": (handle or author).title(),
                                        "followers": followers}}
    if in_reply_to:
        event["in_reply_to"] = in_reply_to
    if thread_id:
        event["thread_id"] = thread_id
    return event


def dm_event(id: str, text: str, *, author: str = "u1", at: str = "2026-11-20T09:00:00Z") -> dict[str, Any]:
    return {"type": "direct_message", "id": id, "created_at": at, "text": text,
            "author": {"id": author, "handle": author, "name": author.title()}}


def deliver(client: Client, account: ChannelAccount, events: list[dict[str, Any]], *, secret: str | None = None,
            body: bytes | None = None) -> Any:
    raw = body if body is not None else json.dumps({"events": events}).encode()
    signature = sign(secret if secret is not None else account.webhook_secret, raw)
    with committed():
        return client.post(f"/hooks/sandbox/{account.pk}", data=raw, content_type="application/json",
                           HTTP_X_SANDBOX_SIGNATURE=signature)
