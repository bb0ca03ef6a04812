"""Bluesky (AT Protocol) connector.

Bluesky has no webhooks. Ingestion is polling (``socialcare.channels.connectors.bluesky.poller``,
driven by ``socialcare listen`` or the Celery beat task): the poller stores the documented XRPC
response shapes as raw events and this adapter's ``parse`` reads them:

- ``app.bsky.notification.listNotifications`` output (``{"notifications": [...]}``): mentions, replies,
  quotes become messages; likes and reposts of the brand's posts become engagement.
- ``app.bsky.feed.searchPosts`` output (``{"posts": [...]}``): listening-stream hits.
- ``chat.bsky.convo.getLog`` output (``{"logs": [...]}``): direct messages.

Pushes to ``/hooks/bluesky/<id>`` are rejected unless they carry the internal relay signature
(``X-Socialcare-Relay-Signature: sha256=<hex HMAC-SHA256 of the body keyed with the account's webhook
secret>``), which lets a poller on another host hand over the same payloads. See docs/connectors/bluesky.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from socialcare.channels.connectors.base import as_dict

from ..base import (
    AccountInfo,
    Author,
    ChannelRules,
    EventAction,
    HandshakeResponse,
    InboundEvent,
    OutboundMessage,
    ParseError,
    SendError,
    SendResult,
    SignatureError,
    WebhookRequest,
)
from ..signing import hmac_sha256_hex, matches
from .common import iso, parse_time, rate_limit, xrpc

MAX_GRAPHEMES = 300
RELAY_HEADER = "x-socialcare-relay-signature"
CHAT_PROXY = {"atproto-proxy": "did:web:api.bsky.chat#bsky_chat"}
POST_COLLECTION = "app.bsky.feed.post"
MESSAGE_REASONS = {"mention": "mention", "reply": "reply", "quote": "mention"}
ENGAGEMENT_REASONS = {"like": "like", "repost": "repost"}
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_EPOCH_MICROS = 1_704_067_200_000_000  # 2024-01-01: keeps derived record keys in a plausible range


def relay_sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac_sha256_hex(secret, body)


def tid_for(key: str) -> str:
    """A deterministic record key (TID syntax: 13 base32-sortable characters) for an idempotency key.

    Writing the same reply twice targets the same record key, so the PDS refuses the second create and
    the adapter answers with the record created the first time."""
    digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")
    micros = TID_EPOCH_MICROS + (digest >> 19) % (1 << 45)
    clock = digest & 0x3FF
    value = (micros << 10) | clock
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def post_url(uri: str, handle: str = "") -> str:
    """https://bsky.app link for an at:// post uri."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3:
        return ""
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


class BlueskyAdapter:
    kind: ClassVar[str] = "bluesky"
    display_name: ClassVar[str] = "Bluesky"

    def rules(self, account: AccountInfo) -> ChannelRules:
        return ChannelRules(
            max_length=int(account.settings.get("max_graphemes", MAX_GRAPHEMES)),
            length_counter="graphemes",
            editable=False,
            private_channel=True,
            confirm_before_public_post=True,
        )

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        return None  # Bluesky never calls us

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        if not account.webhook_secret:
            raise SignatureError("Bluesky has no webhooks; relay pushes need a webhook secret on the account")
        if not matches(relay_sign(account.webhook_secret, request.body), request.headers.get(RELAY_HEADER)):
            raise SignatureError("Bluesky has no webhooks; X-Socialcare-Relay-Signature does not match")

    # --- parsing -------------------------------------------------------------------------------------

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"body is not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ParseError("expected a JSON object")
        events: list[InboundEvent] = []
        if isinstance(doc.get("notifications"), list):
            for n, item in enumerate(doc["notifications"]):
                if (event := self._notification(account, n, item)) is not None:
                    events.append(event)
        elif isinstance(doc.get("posts"), list):
            for n, item in enumerate(doc["posts"]):
                events.append(self._post_view(account, n, item))
        elif isinstance(doc.get("logs"), list):
            for n, item in enumerate(doc["logs"]):
                if (event := self._chat_log(account, n, item)) is not None:
                    events.append(event)
        else:
            raise ParseError("expected 'notifications', 'posts' or 'logs'")
        return events

    def _author(self, doc: Any, where: str) -> Author:
        if not isinstance(doc, dict) or not doc.get("did"):
            raise ParseError(f"{where}.author.did is missing")
        followers = doc.get("followersCount")
        return Author(
            external_id=str(doc["did"]),
            handle=str(doc.get("handle") or ""),
            display_name=str(doc.get("displayName") or ""),
            follower_count=followers if isinstance(followers, int) else None,
        )

    def _post_event(self, account: AccountInfo, where: str, uri: str, author: Author, record: Any,
                    indexed_at: Any, kind: str, metrics: Mapping[str, Any] | None = None) -> InboundEvent:
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            raise ParseError(f"{where}.record.text is missing")
        try:
            occurred = parse_time(record.get("createdAt") or indexed_at)
        except ValueError as exc:
            raise ParseError(f"{where}.record.createdAt: {exc}") from None
        reply = as_dict(record.get("reply"))
        parent = str((reply.get("parent") or {}).get("uri") or "")
        root = str((reply.get("root") or {}).get("uri") or "")
        if kind == "mention" and parent:
            kind = "reply"
        from_brand = bool(account.external_id) and author.external_id == account.external_id
        return InboundEvent(
            external_id=uri,
            kind=kind,
            visibility="public",
            direction="out" if from_brand else "in",
            text=record["text"],
            author=author,
            occurred_at=iso(occurred),
            thread_key=root or uri,
            in_reply_to=parent,
            metrics=dict(metrics or {}),
            data={"url": post_url(uri, author.handle)},
        )

    def _notification(self, account: AccountInfo, n: int, item: Any) -> InboundEvent | None:
        where = f"notifications[{n}]"
        if not isinstance(item, dict):
            raise ParseError(f"{where} is not an object")
        reason = item.get("reason")
        if reason not in MESSAGE_REASONS and reason not in ENGAGEMENT_REASONS:
            return None  # follows, starterpack joins, verification... are not care events
        uri = item.get("uri")
        if not isinstance(uri, str) or not uri.startswith("at://"):
            raise ParseError(f"{where}.uri is missing")
        author = self._author(item.get("author"), where)
        if reason in ENGAGEMENT_REASONS:
            try:
                occurred = parse_time(item.get("indexedAt"))
            except ValueError as exc:
                raise ParseError(f"{where}.indexedAt: {exc}") from None
            return InboundEvent(
                external_id=uri, action=EventAction.ENGAGEMENT, author=author, occurred_at=iso(occurred),
                in_reply_to=str(item.get("reasonSubject") or ""), data={"reaction": ENGAGEMENT_REASONS[reason]},
            )
        return self._post_event(account, where, uri, author, item.get("record"), item.get("indexedAt"),
                                MESSAGE_REASONS[reason])

    def _post_view(self, account: AccountInfo, n: int, item: Any) -> InboundEvent:
        where = f"posts[{n}]"
        if not isinstance(item, dict) or not isinstance(item.get("uri"), str):
            raise ParseError(f"{where}.uri is missing")
        metrics = {name: item[key] for key, name in (("likeCount", "likes"), ("repostCount", "reposts"),
                                                     ("replyCount", "replies"), ("quoteCount", "quotes"))
                   if isinstance(item.get(key), int)}
        return self._post_event(account, where, item["uri"], self._author(item.get("author"), where),
                                item.get("record"), item.get("indexedAt"), "post", metrics)

    def _chat_log(self, account: AccountInfo, n: int, item: Any) -> InboundEvent | None:
        where = f"logs[{n}]"
        if not isinstance(item, dict):
            raise ParseError(f"{where} is not an object")
        if item.get("$type") != "chat.bsky.convo.defs#logCreateMessage":
            return None
        message = item.get("message")
        if not isinstance(message, dict) or message.get("$type", "chat.bsky.convo.defs#messageView") != (
                "chat.bsky.convo.defs#messageView"):
            return None  # deleted message views carry no text
        sender = str((message.get("sender") or {}).get("did") or "")
        if not sender or not message.get("id") or not isinstance(message.get("text"), str):
            raise ParseError(f"{where}.message lacks id, text or sender")
        try:
            occurred = parse_time(message.get("sentAt"))
        except ValueError as exc:
            raise ParseError(f"{where}.message.sentAt: {exc}") from None
        convo = str(item.get("convoId") or "")
        from_brand = bool(account.external_id) and sender == account.external_id
        return InboundEvent(
            external_id=f"chat:{convo}:{message['id']}",
            kind="direct",
            visibility="private",
            direction="out" if from_brand else "in",
            text=message["text"],
            author=Author(external_id=sender),
            occurred_at=iso(occurred),
            thread_key=f"convo:{convo}",
        )

    # --- sending -------------------------------------------------------------------------------------

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        if message.visibility == "private":
            return self._send_direct(account, message)
        repo = account.external_id or account.handle
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": message.text,
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        if message.in_reply_to:
            record["reply"] = self._reply_refs(account, message.in_reply_to)
        rkey = tid_for(message.idempotency_key)
        try:
            response = xrpc(account, "POST", "com.atproto.repo.createRecord",
                            json={"repo": repo, "collection": POST_COLLECTION, "rkey": rkey, "record": record})
        except SendError as exc:
            if exc.retriable:
                raise
            existing = self._existing(account, repo, rkey)  # a retry of a reply that was already created
            if existing is None:
                raise
            return SendResult(external_id=existing)
        remaining, reset_at = rate_limit(response)
        return SendResult(external_id=str(response.json()["uri"]), rate_limit_remaining=remaining,
                          rate_limit_reset_at=reset_at)

    def _reply_refs(self, account: AccountInfo, parent_uri: str) -> dict[str, Any]:
        response = xrpc(account, "GET", "app.bsky.feed.getPosts", params={"uris": parent_uri})
        posts = response.json().get("posts") or []
        if not posts:
            raise SendError(f"the post being answered ({parent_uri}) no longer exists", retriable=False)
        parent = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
        root = ((posts[0].get("record") or {}).get("reply") or {}).get("root") or parent
        return {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent}

    def _existing(self, account: AccountInfo, repo: str, rkey: str) -> str | None:
        try:
            response = xrpc(account, "GET", "com.atproto.repo.getRecord",
                            params={"repo": repo, "collection": POST_COLLECTION, "rkey": rkey})
        except SendError:
            return None
        return str(response.json().get("uri") or "") or None

    def _send_direct(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        convo_id = message.thread_key.removeprefix("convo:") if message.thread_key.startswith("convo:") else ""
        if not convo_id:
            if not message.recipient_id:
                raise SendError("a Bluesky direct message needs a recipient DID", retriable=False)
            response = xrpc(account, "GET", "chat.bsky.convo.getConvoForMembers",
                            params={"members": message.recipient_id}, headers=CHAT_PROXY)
            convo_id = str(response.json()["convo"]["id"])
        response = xrpc(account, "POST", "chat.bsky.convo.sendMessage", headers=CHAT_PROXY,
                        json={"convoId": convo_id, "message": {"text": message.text}})
        remaining, reset_at = rate_limit(response)
        return SendResult(external_id=f"chat:{convo_id}:{response.json()['id']}", rate_limit_remaining=remaining,
                          rate_limit_reset_at=reset_at)
