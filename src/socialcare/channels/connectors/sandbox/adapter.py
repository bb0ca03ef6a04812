"""The sandbox: a loopback fake social network for the demo and the tests.

Webhook: ``POST /hooks/sandbox/<account id>`` with ``X-Sandbox-Signature: sha256=<hex HMAC-SHA256 of
the raw body keyed with the account's webhook secret>``. The body format is documented in
``docs/connectors/sandbox.md``. Replies go to ``POST <api_base_url>/api/v1/messages``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from ..base import (
    AccountInfo,
    Author,
    ChannelRules,
    EventAction,
    HandshakeResponse,
    InboundEvent,
    OutboundMessage,
    ParseError,
    SendResult,
    SignatureError,
    WebhookRequest,
)
from ..http import check_base_url, request
from ..signing import hmac_sha256_hex, matches

SIGNATURE_HEADER = "x-sandbox-signature"
MAX_LENGTH = 500


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac_sha256_hex(secret, body)


class SandboxAdapter:
    kind: ClassVar[str] = "sandbox"
    display_name: ClassVar[str] = "Sandbox"

    def rules(self, account: AccountInfo) -> ChannelRules:
        return ChannelRules(
            max_length=int(account.settings.get("max_length", MAX_LENGTH)),
            editable=False,
            private_channel=True,
            confirm_before_public_post=True,
        )

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        challenge = request.query.get("challenge")
        if challenge is None:
            return None
        if not matches(sign(account.webhook_secret, challenge.encode()), request.query.get("signature")):
            raise SignatureError("sandbox handshake signature does not match")
        return HandshakeResponse(status=200, body=challenge.encode())

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        if not account.webhook_secret:
            raise SignatureError("the channel account has no webhook secret")
        if not matches(sign(account.webhook_secret, request.body), request.headers.get(SIGNATURE_HEADER)):
            raise SignatureError("X-Sandbox-Signature does not match the body")

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"body is not JSON: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
            raise ParseError("expected an object with an 'events' list")
        return [event for n, item in enumerate(doc["events"]) if (event := self._event(account, n, item))]

    def _event(self, account: AccountInfo, n: int, item: Any) -> InboundEvent | None:
        if not isinstance(item, dict):
            raise ParseError(f"events[{n}] is not an object")
        kind = item.get("type")
        if kind not in ("post", "direct_message", "delete", "like"):
            return None  # unknown types are ignored, not failures
        try:
            external_id = str(item["id"])
            occurred = _parse_time(item["created_at"])
        except KeyError as exc:
            raise ParseError(f"events[{n}] lacks {exc.args[0]!r}") from None
        except ValueError as exc:
            raise ParseError(f"events[{n}].created_at: {exc}") from None
        if kind == "delete":
            return InboundEvent(external_id=external_id, action=EventAction.DELETE, occurred_at=occurred)
        author_doc = item.get("author")
        if not isinstance(author_doc, dict) or not author_doc.get("id"):
            raise ParseError(f"events[{n}].author.id is missing")
        author = Author(
            external_id=str(author_doc["id"]),
            handle=str(author_doc.get("handle") or ""),
            display_name=str(author_doc.get("name") or ""),
            follower_count=_int_or_none(author_doc.get("followers")),
            verified=bool(author_doc.get("verified", False)),
        )
        if kind == "like":
            return InboundEvent(
                external_id=external_id,
                action=EventAction.ENGAGEMENT,
                author=author,
                occurred_at=occurred,
                in_reply_to=str(item.get("target_id") or ""),
                data={"reaction": "like"},
            )
        text = item.get("text")
        if not isinstance(text, str):
            raise ParseError(f"events[{n}].text must be a string")
        from_brand = bool(account.external_id) and author.external_id == account.external_id
        in_reply_to = str(item.get("in_reply_to") or "")
        if kind == "direct_message":
            conversation = str(item.get("conversation_id") or f"dm:{author.external_id}")
            return InboundEvent(
                external_id=external_id,
                kind="direct",
                visibility="private",
                direction="out" if from_brand else "in",
                text=text,
                author=author,
                occurred_at=occurred,
                thread_key=conversation,
                in_reply_to=in_reply_to,
            )
        return InboundEvent(
            external_id=external_id,
            kind="reply" if in_reply_to else "mention",
            visibility="public",
            direction="out" if from_brand else "in",
            text=text,
            author=author,
            occurred_at=occurred,
            thread_key=str(item.get("thread_id") or (external_id if not in_reply_to else "")),
            in_reply_to=in_reply_to,
            metrics={k: v for k, v in (item.get("metrics") or {}).items() if isinstance(v, int | float)},
        )

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        base = check_base_url(account.api_base_url)
        body = {
            "text": message.text,
            "visibility": message.visibility,
            "in_reply_to": message.in_reply_to or None,
            "recipient_id": message.recipient_id or None,
            "conversation_id": message.thread_key or None,
            "idempotency_key": message.idempotency_key,
        }
        token = str(account.credentials.get("api_token", ""))
        response = request(
            "POST", f"{base}/api/v1/messages", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        doc = response.json()
        remaining = response.headers.get("x-rate-limit-remaining")
        return SendResult(external_id=str(doc["id"]), rate_limit_remaining=int(remaining) if remaining else None)


def _parse_time(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.isoformat()


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
