"""Helpers shared by the Bluesky adapter and poller: sessions, XRPC calls, time parsing.

Authentication: ``com.atproto.server.createSession`` with the account's handle (or DID) and an app
password gives an ``accessJwt``; it is cached per process and renewed when the PDS answers 401.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from ..base import AccountInfo, SendError
from ..http import check_base_url, request

SESSION_LIFETIME = 60 * 60  # seconds we trust a cached accessJwt (the PDS issues ~2 h tokens)
_sessions: dict[tuple[str, str], tuple[str, float]] = {}
_lock = threading.Lock()


def base_url(account: AccountInfo) -> str:
    return check_base_url(account.api_base_url)


def _identifier(account: AccountInfo) -> str:
    return str(account.credentials.get("identifier") or account.handle or account.external_id)


def access_token(account: AccountInfo, *, fresh: bool = False) -> str:
    """A bearer token for the account: a fixed ``access_jwt`` credential, or a session from an app password."""
    fixed = account.credentials.get("access_jwt")
    if fixed:
        return str(fixed)
    base = base_url(account)
    key = (base, _identifier(account))
    with _lock:
        cached = _sessions.get(key)
        if cached and not fresh and cached[1] > time.monotonic():
            return cached[0]
    password = account.credentials.get("app_password")
    if not password:
        raise SendError("the Bluesky account has no app password configured", retriable=False)
    response = request("POST", f"{base}/xrpc/com.atproto.server.createSession",
                       json={"identifier": _identifier(account), "password": str(password)})
    token = str(response.json()["accessJwt"])
    with _lock:
        _sessions[key] = (token, time.monotonic() + SESSION_LIFETIME)
    return token


def forget_session(account: AccountInfo) -> None:
    with _lock:
        _sessions.pop((account.api_base_url.rstrip("/"), _identifier(account)), None)


def xrpc(account: AccountInfo, method: str, nsid: str, *, headers: dict[str, str] | None = None,
         **kwargs: Any) -> httpx.Response:
    """Call ``/xrpc/<nsid>`` with the session token; on 401 renew the session once and retry."""
    base = base_url(account)
    for attempt in (0, 1):
        token = access_token(account, fresh=attempt == 1)
        all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        try:
            return request(method, f"{base}/xrpc/{nsid}", headers=all_headers, **kwargs)
        except SendError as exc:
            if attempt == 0 and "(401)" in str(exc) and not account.credentials.get("access_jwt"):
                continue
            raise
    raise AssertionError("unreachable")


def rate_limit(response: httpx.Response) -> tuple[int | None, datetime | None]:
    """Bluesky's ``ratelimit-remaining`` and ``ratelimit-reset`` (epoch seconds) headers."""
    remaining = response.headers.get("ratelimit-remaining")
    reset = response.headers.get("ratelimit-reset")
    try:
        left = int(remaining) if remaining is not None else None
    except ValueError:
        left = None
    try:
        at = datetime.fromtimestamp(int(reset), tz=UTC) if reset is not None else None
    except (ValueError, OverflowError):
        at = None
    return left, at


def parse_time(value: Any) -> datetime:
    if not isinstance(value, str) or not value:
        raise ValueError("must be an ISO 8601 string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()
