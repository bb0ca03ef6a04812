"""Outbound HTTP for adapters: loopback-only unless allowed, platform errors mapped to SendError."""

from __future__ import annotations

import ipaddress
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from .base import SendError

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    if not url:
        raise SendError("this channel account has no API base URL configured", retriable=False)
    if not _is_loopback(url) and not getattr(settings, "SOCIALCARE_ALLOW_EXTERNAL_API_URLS", False):
        raise SendError(
            f"refusing to call {urlsplit(url).hostname}: only loopback emulators are allowed "
            "(set SOCIALCARE_ALLOW_EXTERNAL_API_URLS=1 in production)",
            retriable=False,
        )
    return url.rstrip("/")


def request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Make one HTTP call; turn transport errors, 429 and 5xx into retriable SendErrors."""
    try:
        response = httpx.request(method, url, timeout=DEFAULT_TIMEOUT, **kwargs)
    except httpx.TransportError as exc:
        raise SendError(f"network error: {exc.__class__.__name__}: {exc}", retriable=True) from exc
    if response.status_code == 429:
        raise SendError("rate limited (429)", retriable=True, retry_after=retry_after_seconds(response))
    if response.status_code >= 500:
        raise SendError(f"platform error {response.status_code}: {response.text[:200]}", retriable=True)
    if response.status_code >= 400:
        raise SendError(f"rejected by platform ({response.status_code}): {response.text[:300]}", retriable=False)
    return response


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds to wait, from Retry-After or an x-rate-limit-reset epoch header."""
    header = response.headers.get("retry-after")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            return None
    reset = response.headers.get("x-rate-limit-reset")
    if reset:
        try:
            return max(0.0, float(reset) - time.time())
        except ValueError:
            return None
    return None
