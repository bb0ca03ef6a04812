"""Send deliveries to a webhook with their recorded relative timing, compressed by a speed-up factor."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from socialcare.channels.connectors.x.adapter import SIGNATURE_HEADER, sign

from .plan import Delivery

logger = logging.getLogger(__name__)

# (body, headers) -> HTTP status; the command posts over HTTP, tests use Django's test client.
Transport = Callable[[bytes, dict[str, str]], int]


def http_transport(url: str, timeout: float = 15.0) -> Transport:
    client = httpx.Client(timeout=timeout)

    def post(body: bytes, headers: dict[str, str]) -> int:
        return client.post(url, content=body, headers=headers).status_code

    return post


@dataclass
class Replayer:
    """Signs each delivery with the consumer secret (as X does) and sends it.

    The wait before a delivery is the recorded gap to the previous one divided by ``speedup``, capped
    at ``max_gap`` seconds so years of silence do not stall a demo (``speedup=0`` sends at once)."""

    transport: Transport
    consumer_secret: str
    speedup: float = 0.0
    max_gap: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    sent: int = 0
    failed: list[tuple[tuple[str, ...], int]] = field(default_factory=list)

    def wait_before(self, previous: Delivery | None, delivery: Delivery) -> float:
        if previous is None or self.speedup <= 0:
            return 0.0
        gap = (delivery.at - previous.at).total_seconds() / self.speedup
        return max(0.0, min(gap, self.max_gap))

    def run(self, deliveries: Iterable[Delivery], progress: Callable[[int], None] | None = None) -> int:
        previous: Delivery | None = None
        for delivery in deliveries:
            pause = self.wait_before(previous, delivery)
            if pause:
                self.sleep(pause)
            headers = {"Content-Type": "application/json",
                       SIGNATURE_HEADER: sign(self.consumer_secret, delivery.body)}
            status = self.transport(delivery.body, headers)
            if status == 200:
                self.sent += 1
            else:
                self.failed.append((delivery.post_ids, status))
                logger.warning("replay.delivery_failed", extra={"posts": delivery.post_ids, "status": status})
            previous = delivery
            if progress:
                progress(self.sent)
        return self.sent
