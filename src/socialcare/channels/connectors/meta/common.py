"""What every Meta webhook and Graph API call has in common.

- ``meta_handshake``: the ``hub.mode=subscribe`` / ``hub.verify_token`` / ``hub.challenge`` GET that Meta
  sends when a webhook is registered. The verify token lives in ``account.credentials["verify_token"]``.
- ``meta_verify``: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``; the app
  secret is the account's ``webhook_secret``.
- ``graph_call``: one Graph API request with Meta's error bodies mapped to ``SendError``. Throttling
  (error codes 4, 17, 32, 613, the 80001-80014 business-use-case codes, HTTP 429) and transient errors
  (1, 2, 5xx) are retriable with a backoff taken from ``X-Business-Use-Case-Usage`` /
  ``X-App-Usage`` when the platform tells us how long to wait.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ..base import AccountInfo, HandshakeResponse, SendError, SignatureError, WebhookRequest
from ..http import DEFAULT_TIMEOUT, check_base_url
from ..signing import hmac_sha256_hex, matches

SIGNATURE_HEADER = "x-hub-signature-256"

#: Graph error codes that mean "slow down": app (4), user (17), page (32), generic rate limit (613).
THROTTLING_CODES = frozenset({4, 17, 32, 613}) | frozenset(range(80001, 80015))
#: Graph error codes that mean "temporary problem, try again".
TRANSIENT_CODES = frozenset({1, 2})
#: Expired, revoked or invalid access token.
TOKEN_CODES = frozenset({190, 102})
#: Seconds to wait after a throttling error when the headers do not say.
DEFAULT_THROTTLE_BACKOFF = 60.0


def sign_body(app_secret: str, body: bytes) -> str:
    """The value Meta puts in ``X-Hub-Signature-256`` for ``body``."""
    return "sha256=" + hmac_sha256_hex(app_secret, body)


def meta_handshake(account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
    """Answer Meta's subscription check, or None when the GET is not one."""
    mode = request.query.get("hub.mode")
    if mode is None and "hub.challenge" not in request.query:
        return None
    if mode != "subscribe":
        raise SignatureError(f"unexpected hub.mode {mode!r}")
    expected = str(account.credentials.get("verify_token") or "")
    if not expected:
        raise SignatureError("the channel account has no verify token configured")
    if not matches(expected, request.query.get("hub.verify_token")):
        raise SignatureError("hub.verify_token does not match")
    challenge = request.query.get("hub.challenge") or ""
    return HandshakeResponse(status=200, body=challenge.encode())


def meta_verify(account: AccountInfo, request: WebhookRequest) -> None:
    """Raise SignatureError unless X-Hub-Signature-256 matches the raw body."""
    if not account.webhook_secret:
        raise SignatureError("the channel account has no app secret (webhook secret)")
    given = request.headers.get(SIGNATURE_HEADER)
    if not given:
        raise SignatureError("X-Hub-Signature-256 is missing")
    if not matches(sign_body(account.webhook_secret, request.body), given.strip().lower()):
        raise SignatureError("X-Hub-Signature-256 does not match the body")


# --- Graph API calls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraphUsage:
    """Highest usage percentage reported in the usage headers and the wait Meta asks for, if any."""

    percent: float | None = None
    regain_seconds: float | None = None

    @property
    def remaining(self) -> int | None:
        return None if self.percent is None else max(0, int(100 - self.percent))


def usage_from_headers(headers: Mapping[str, str]) -> GraphUsage:
    """Read ``X-Business-Use-Case-Usage``, ``X-App-Usage`` and ``X-Page-Usage`` (all JSON)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    percents: list[float] = []
    regain: list[float] = []

    def take(doc: Any) -> None:
        if not isinstance(doc, dict):
            return
        for key in ("call_count", "total_cputime", "total_time", "acc_id_util_pct"):
            value = doc.get(key)
            if isinstance(value, int | float):
                percents.append(float(value))
        minutes = doc.get("estimated_time_to_regain_access")
        if isinstance(minutes, int | float) and minutes > 0:
            regain.append(float(minutes) * 60.0)

    for name in ("x-app-usage", "x-page-usage", "x-ad-account-usage"):
        if name in lowered:
            try:
                take(json.loads(lowered[name]))
            except ValueError:
                pass
    if "x-business-use-case-usage" in lowered:
        try:
            doc = json.loads(lowered["x-business-use-case-usage"])
        except ValueError:
            doc = {}
        if isinstance(doc, dict):
            for entries in doc.values():
                for entry in entries if isinstance(entries, list) else [entries]:
                    take(entry)
    return GraphUsage(percent=max(percents) if percents else None, regain_seconds=max(regain) if regain else None)


def graph_error(response: httpx.Response) -> SendError:
    """Turn a failed Graph response into a SendError, retriable when waiting can help."""
    usage = usage_from_headers(response.headers)
    code: int | None = None
    subcode: int | None = None
    message = response.text[:300]
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):
        err = doc["error"]
        code = err.get("code") if isinstance(err.get("code"), int) else None
        subcode = err.get("error_subcode") if isinstance(err.get("error_subcode"), int) else None
        message = str(err.get("message") or message)[:300]
        if err.get("is_transient") is True and code not in THROTTLING_CODES:
            return SendError(f"temporary Graph error {code}: {message}", retriable=True)
    label = f"Graph error {code}" + (f"/{subcode}" if subcode else "") if code is not None else "Graph error"
    if code in THROTTLING_CODES or response.status_code == 429:
        wait = usage.regain_seconds or _retry_after(response) or DEFAULT_THROTTLE_BACKOFF
        return SendError(f"throttled by Meta ({label}): {message}; retrying in {int(wait)} s",
                         retriable=True, retry_after=wait)
    if code in TOKEN_CODES:
        return SendError(f"the access token is expired or revoked ({label}): {message}", retriable=False)
    if code in TRANSIENT_CODES or response.status_code >= 500:
        return SendError(f"temporary platform error {response.status_code} ({label}): {message}", retriable=True)
    return SendError(f"rejected by Meta ({response.status_code}, {label}): {message}", retriable=False)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def graph_call(account: AccountInfo, method: str, path: str, *, token: str | None = None,
               params: Mapping[str, Any] | None = None, json_body: Any = None) -> httpx.Response:
    """Call ``<api_base_url>/<path>`` with the account's access token; raise SendError on failure."""
    base = check_base_url(account.api_base_url)
    access_token = token if token is not None else str(account.credentials.get("access_token", ""))
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    try:
        response = httpx.request(method, f"{base}/{path.lstrip('/')}", params=dict(params or {}), json=json_body,
                                 headers=headers, timeout=DEFAULT_TIMEOUT)
    except httpx.TransportError as exc:
        raise SendError(f"network error: {exc.__class__.__name__}: {exc}", retriable=True) from exc
    if response.status_code >= 400:
        raise graph_error(response)
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict) and isinstance(doc.get("error"), dict):  # an error wrapped in a 200
        raise graph_error(response)
    return response
