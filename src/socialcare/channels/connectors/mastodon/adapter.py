"""Mastodon connector.

Mastodon (as a user account) has no webhooks: ``socialcare.channels.connectors.mastodon.poller`` reads
``GET /api/v1/notifications`` (``min_id`` cursor) and timelines, and the listening app stores the response
bodies as raw events, which this adapter parses:

- a JSON array of notifications (``mention`` -> message, ``favourite``/``reblog`` -> engagement,
  ``update`` -> edit); direct-visibility mentions are private messages;
- a JSON array of statuses (hashtag/public timelines): listening-stream hits.

Pushes to ``/hooks/mastodon/<id>`` are rejected unless signed with the internal relay signature
(``X-Socialcare-Relay-Signature``, see docs/connectors/mastodon.md).
Replies: ``POST /api/v1/statuses`` with ``in_reply_to_id`` (``visibility=direct`` for private messages)
and an ``Idempotency-Key`` header, so a retried send never posts twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from socialcare.channels.rules import length_counters

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
from ..signing import hmac_sha256_hex, matches
from .common import DEFAULT_MAX_CHARACTERS, api, count_mastodon, html_to_text, rate_limit

RELAY_HEADER = "x-socialcare-relay-signature"
ENGAGEMENT_TYPES = {"favourite": "like", "reblog": "repost"}

if "mastodon" not in length_counters:
    length_counters.register("mastodon", count_mastodon)


def relay_sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac_sha256_hex(secret, body)


def _time(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ParseError(f"{where}.created_at is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ParseError(f"{where}.created_at: {exc}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat()


class MastodonAdapter:
    kind: ClassVar[str] = "mastodon"
    display_name: ClassVar[str] = "Mastodon"

    def rules(self, account: AccountInfo) -> ChannelRules:
        return ChannelRules(
            max_length=int(account.settings.get("max_characters") or DEFAULT_MAX_CHARACTERS),
            length_counter="mastodon",
            editable=True,  # Mastodon 3.5+ can edit statuses; Socialcare does not edit yet
            private_channel=True,
            confirm_before_public_post=False,
        )

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        return None

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        if not account.webhook_secret:
            raise SignatureError("Mastodon has no webhooks for user accounts; relay pushes need a webhook secret")
        if not matches(relay_sign(account.webhook_secret, request.body), request.headers.get(RELAY_HEADER)):
            raise SignatureError("X-Socialcare-Relay-Signature does not match the body")

    # --- parsing -------------------------------------------------------------------------------------

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"body is not JSON: {exc}") from exc
        if isinstance(doc, dict):
            doc = [doc]  # a single notification, as the streaming API sends it
        if not isinstance(doc, list):
            raise ParseError("expected a JSON array of notifications or statuses")
        events = []
        for n, item in enumerate(doc):
            if not isinstance(item, dict):
                raise ParseError(f"[{n}] is not an object")
            if "type" in item and "account" in item:
                event = self._notification(account, n, item)
            elif "content" in item:
                event = self._status(account, f"[{n}]", item, "post")
            else:
                raise ParseError(f"[{n}] is neither a notification nor a status")
            if event is not None:
                events.append(event)
        return events

    def _author(self, doc: Any, where: str) -> Author:
        if not isinstance(doc, dict) or not doc.get("id"):
            raise ParseError(f"{where}.account.id is missing")
        followers = doc.get("followers_count")
        return Author(
            external_id=str(doc["id"]),
            handle=str(doc.get("acct") or doc.get("username") or ""),
            display_name=str(doc.get("display_name") or ""),
            follower_count=followers if isinstance(followers, int) else None,
        )

    def _status(self, account: AccountInfo, where: str, status: Any, kind: str) -> InboundEvent:
        if not isinstance(status, dict) or not status.get("id") or not isinstance(status.get("content"), str):
            raise ParseError(f"{where}.status lacks id or content")
        author = self._author(status.get("account"), f"{where}.status")
        private = status.get("visibility") == "direct"
        in_reply_to = str(status.get("in_reply_to_id") or "")
        from_brand = bool(account.external_id) and author.external_id == account.external_id
        external_id = str(status["id"])
        text = html_to_text(status["content"])
        if status.get("spoiler_text"):
            text = f"[CW: {status['spoiler_text']}]\n{text}"
        if private:
            kind, thread_key = "direct", f"dm:{author.external_id}"
        else:
            if kind == "mention" and in_reply_to:
                kind = "reply"
            thread_key = "" if in_reply_to else external_id
        metrics = {name: status[key] for key, name in (("favourites_count", "likes"), ("reblogs_count", "reposts"),
                                                       ("replies_count", "replies"))
                   if isinstance(status.get(key), int)}
        return InboundEvent(
            external_id=external_id,
            kind=kind,
            visibility="private" if private else "public",
            direction="out" if from_brand else "in",
            text=text,
            author=author,
            occurred_at=_time(status.get("created_at"), where),
            thread_key=thread_key,
            in_reply_to=in_reply_to,
            metrics=metrics if not private else {},
            data={"url": str(status.get("url") or status.get("uri") or ""), "language": status.get("language") or ""},
        )

    def _notification(self, account: AccountInfo, n: int, item: dict[str, Any]) -> InboundEvent | None:
        where = f"[{n}]"
        kind = item.get("type")
        if kind == "mention":
            return self._status(account, where, item.get("status"), "mention")
        if kind in ENGAGEMENT_TYPES:
            status = item.get("status") or {}
            return InboundEvent(
                external_id=f"notification:{item.get('id')}", action=EventAction.ENGAGEMENT,
                author=self._author(item.get("account"), where), occurred_at=_time(item.get("created_at"), where),
                in_reply_to=str(status.get("id") or ""), data={"reaction": ENGAGEMENT_TYPES[kind]},
            )
        if kind == "update":
            status = item.get("status")
            edited = self._status(account, where, status, "mention")
            return InboundEvent(external_id=edited.external_id, action=EventAction.EDIT, text=edited.text,
                                author=edited.author,
                                occurred_at=_time((status or {}).get("edited_at") or item.get("created_at"), where))
        return None  # follows, polls, admin reports... are not care events

    # --- sending -------------------------------------------------------------------------------------

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        text = message.text
        if message.visibility == "private":
            target = str(api(account, "GET", f"/api/v1/accounts/{message.recipient_id}").json()["acct"])
            visibility = "direct"
        else:
            visibility = str(account.settings.get("reply_visibility", "public"))
            target = ""
            if message.in_reply_to:
                target = str(api(account, "GET", f"/api/v1/statuses/{message.in_reply_to}").json()["account"]["acct"])
        if target and f"@{target}".lower() not in text.lower():
            text = f"@{target} {text}"  # Mastodon only notifies (and only delivers DMs to) mentioned accounts
        body: dict[str, Any] = {"status": text, "visibility": visibility}
        if message.in_reply_to:
            body["in_reply_to_id"] = message.in_reply_to
        response = api(account, "POST", "/api/v1/statuses", json=body,
                       headers={"Idempotency-Key": message.idempotency_key})
        remaining, reset_at = rate_limit(response)
        return SendResult(external_id=str(response.json()["id"]), rate_limit_remaining=remaining,
                          rate_limit_reset_at=reset_at)
