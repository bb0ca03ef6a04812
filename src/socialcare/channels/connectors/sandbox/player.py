"""Plays scripted sandbox traffic: signed webhook deliveries to a Socialcare instance."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from .adapter import SIGNATURE_HEADER, sign


@dataclass(frozen=True)
class ScriptedEvent:
    """One line of a script: ``at`` seconds after the start, delivered to ``account`` (a key)."""

    at: float
    account: str
    event: dict[str, Any]


def deliver(client: httpx.Client, url: str, secret: str, events: list[dict[str, Any]],
            delivery_id: str = "") -> httpx.Response:
    body = json.dumps({"delivery_id": delivery_id, "events": events}).encode()
    return client.post(
        url, content=body, headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body)}
    )


def stamp(events: Iterable[ScriptedEvent], start: datetime) -> Iterator[ScriptedEvent]:
    """Give every event a created_at relative to ``start`` unless it has one."""
    for item in events:
        event = dict(item.event)
        event.setdefault("created_at", (start + timedelta(seconds=item.at)).astimezone(UTC).isoformat())
        yield ScriptedEvent(at=item.at, account=item.account, event=event)


def play(
    script: list[ScriptedEvent],
    targets: dict[str, tuple[str, str]],
    *,
    speedup: float = 1.0,
    start: datetime | None = None,
    sleep: Any = time.sleep,
) -> int:
    """Deliver ``script`` to ``targets`` (account key -> (webhook URL, secret)) keeping relative timing."""
    start = start or datetime.now(UTC)
    t0 = time.monotonic()
    sent = 0
    with httpx.Client(timeout=10.0) as client:
        for item in stamp(sorted(script, key=lambda s: s.at), start):
            wait = item.at / speedup - (time.monotonic() - t0)
            if wait > 0:
                sleep(wait)
            url, secret = targets[item.account]
            response = deliver(client, url, secret, [item.event], delivery_id=str(item.event.get("id")))
            response.raise_for_status()
            sent += 1
    return sent
