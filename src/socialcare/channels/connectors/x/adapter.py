"""X (Twitter) connector: Account Activity / X Activity API webhooks in, API v2 out.

Webhook: ``GET /hooks/x/<account id>?crc_token=...`` is the CRC handshake, answered with
``{"response_token": "sha256=<base64 HMAC-SHA256(consumer secret, crc_token)>"}``; ``POST`` deliveries
carry ``x-twitter-webhooks-signature`` computed the same way over the raw body.

Account fields: ``external_id`` is the brand's X user id; ``credentials`` holds ``consumer_secret``
(signs CRC and deliveries) and ``access_token`` (user-context token used to post; ``bearer_token`` is
accepted as a fallback); ``api_base_url`` points at the API (the loopback emulator in tests and demo).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from ..base import (
    AccountInfo,
    ActionResult,
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
from ..http import check_base_url, request
from ..signing import hmac_sha256_b64, matches
from . import length as _length  # registers the "x_weighted" length counter
from .payloads import V1_TIME_FORMAT

SIGNATURE_HEADER = "x-twitter-webhooks-signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"  # ignored by X itself; the emulator deduplicates on it
MAX_LENGTH = _length.MAX_WEIGHTED_LENGTH


def sign(consumer_secret: str, message: bytes) -> str:
    """``sha256=`` + base64 HMAC-SHA256, the scheme of both the CRC response and delivery signatures."""
    return "sha256=" + hmac_sha256_b64(consumer_secret, message)


def consumer_secret(account: AccountInfo) -> str:
    return str(account.credentials.get("consumer_secret") or account.webhook_secret or "")


def _access_token(account: AccountInfo) -> str:
    return str(account.credentials.get("access_token") or account.credentials.get("bearer_token") or "")


class XAdapter:
    kind: ClassVar[str] = "x"
    display_name: ClassVar[str] = "X (Twitter)"
    actions: ClassVar[frozenset[str]] = frozenset({"like", "unlike"})

    # --- rules and webhook ----------------------------------------------------------------------------
    def rules(self, account: AccountInfo) -> ChannelRules:
        return ChannelRules(
            max_length=MAX_LENGTH,
            length_counter="x_weighted",
            editable=False,
            private_channel=True,
            confirm_before_public_post=True,
        )

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        token = request.query.get("crc_token")
        if token is None:
            return None
        secret = consumer_secret(account)
        if not secret:
            raise SignatureError("the channel account has no consumer secret for the CRC check")
        body = json.dumps({"response_token": sign(secret, token.encode())}).encode()
        return HandshakeResponse(status=200, body=body, content_type="application/json")

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        secret = consumer_secret(account)
        if not secret:
            raise SignatureError("the channel account has no consumer secret")
        if not matches(sign(secret, request.body), request.headers.get(SIGNATURE_HEADER)):
            raise SignatureError("x-twitter-webhooks-signature does not match the body")

    # --- parsing --------------------------------------------------------------------------------------
    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"body is not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ParseError("expected a JSON object")
        envelope = doc.get("data")
        if isinstance(envelope, dict) and "event_type" in envelope:
            return _ActivityParser(account).parse(envelope)
        if "for_user_id" in doc:
            return _AccountActivityParser(account, doc).parse()
        raise ParseError("neither an Account Activity (for_user_id) nor an X Activity API (data.event_type) body")

    # --- sending --------------------------------------------------------------------------------------
    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        base = check_base_url(account.api_base_url)
        weighted = _length.weighted_length(message.text)
        if not message.text.strip() or weighted > MAX_LENGTH:
            raise SendError(f"text weighs {weighted} of {MAX_LENGTH} characters on X", retriable=False)
        headers = {"Authorization": f"Bearer {_access_token(account)}",
                   IDEMPOTENCY_HEADER: message.idempotency_key}
        if message.visibility == "private":
            participant = message.recipient_id or _dm_partner(message.thread_key)
            if not participant:
                raise SendError("a direct message needs the customer's X user id", retriable=False)
            response = request("POST", f"{base}/2/dm_conversations/with/{participant}/messages",
                               json={"text": message.text}, headers=headers)
            external_id = _data(response).get("dm_event_id")
        else:
            body: dict[str, Any] = {"text": message.text}
            if message.in_reply_to:
                body["reply"] = {"in_reply_to_tweet_id": message.in_reply_to}
            response = request("POST", f"{base}/2/tweets", json=body, headers=headers)
            external_id = _data(response).get("id")
        if not external_id:
            raise SendError(f"X answered without an id: {response.text[:200]}", retriable=False)
        remaining, reset_at = rate_limit(response)
        return SendResult(external_id=str(external_id), rate_limit_remaining=remaining,
                          rate_limit_reset_at=reset_at)

    def perform(self, account: AccountInfo, action: str, target_external_id: str,
                params: Mapping[str, Any]) -> ActionResult:
        base = check_base_url(account.api_base_url)
        if not account.external_id:
            raise SendError("the channel account has no X user id", retriable=False)
        headers = {"Authorization": f"Bearer {_access_token(account)}"}
        if action == "like":
            response = request("POST", f"{base}/2/users/{account.external_id}/likes",
                               json={"tweet_id": target_external_id}, headers=headers)
        elif action == "unlike":
            response = request("DELETE", f"{base}/2/users/{account.external_id}/likes/{target_external_id}",
                               headers=headers)
        else:
            raise SendError(f"X has no action {action!r}", retriable=False)
        liked = bool(_data(response).get("liked"))
        return ActionResult(ok=True, state={"liked": liked})


# --- helpers ------------------------------------------------------------------------------------------


def rate_limit(response: httpx.Response) -> tuple[int | None, datetime | None]:
    """``x-rate-limit-remaining`` and ``x-rate-limit-reset`` (epoch seconds) of a response."""
    remaining = _int_or_none(response.headers.get("x-rate-limit-remaining"))
    reset = _int_or_none(response.headers.get("x-rate-limit-reset"))
    return remaining, datetime.fromtimestamp(reset, tz=UTC) if reset is not None else None


def _data(response: httpx.Response) -> dict[str, Any]:
    try:
        doc = response.json()
    except ValueError as exc:
        raise SendError(f"X answered with something that is not JSON: {response.text[:200]}",
                        retriable=False) from exc
    data = doc.get("data") if isinstance(doc, dict) else None
    return data if isinstance(data, dict) else {}


def _dm_partner(thread_key: str) -> str:
    return thread_key[3:] if thread_key.startswith("dm:") else ""


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _v1_time(tweet: Mapping[str, Any]) -> str:
    if tweet.get("timestamp_ms"):  # milliseconds; created_at has whole seconds only
        return _ms_time(tweet["timestamp_ms"])
    created = tweet.get("created_at")
    if isinstance(created, str):
        try:
            return datetime.strptime(created, V1_TIME_FORMAT).replace(tzinfo=UTC).isoformat()
        except ValueError:
            pass
    return _ms_time(tweet.get("timestamp_ms"))


def _ms_time(value: Any) -> str:
    millis = _int_or_none(value)
    if millis is None:
        raise ParseError(f"cannot read a time from {value!r}")
    return datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat()


def _iso_time(value: Any) -> str:
    if not isinstance(value, str):
        raise ParseError(f"cannot read a time from {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ParseError(f"bad time {value!r}") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).isoformat()


def _v1_author(user: Any) -> Author:
    if not isinstance(user, Mapping) or not (user.get("id_str") or user.get("id")):
        raise ParseError("user object without an id")
    return Author(
        external_id=str(user.get("id_str") or user.get("id")),
        handle=str(user.get("screen_name") or ""),
        display_name=str(user.get("name") or ""),
        follower_count=_int_or_none(user.get("followers_count")),
        verified=bool(user.get("verified", False)),
    )


def _v2_author(user_id: str, users: Mapping[str, Mapping[str, Any]]) -> Author:
    user = users.get(user_id) or {}
    metrics = user.get("public_metrics") or {}
    return Author(
        external_id=user_id,
        handle=str(user.get("username") or ""),
        display_name=str(user.get("name") or ""),
        follower_count=_int_or_none(metrics.get("followers_count") if isinstance(metrics, Mapping) else None),
        verified=bool(user.get("verified", False)),
    )


def _tweet_text(tweet: Mapping[str, Any]) -> str:
    extended = tweet.get("extended_tweet")
    if isinstance(extended, Mapping) and isinstance(extended.get("full_text"), str):
        return str(extended["full_text"])
    text = tweet.get("full_text", tweet.get("text"))
    if not isinstance(text, str):
        raise ParseError(f"tweet {tweet.get('id_str')} has no text")
    return text


class _AccountActivityParser:
    """Account Activity API (v1.1 objects)."""

    def __init__(self, account: AccountInfo, doc: Mapping[str, Any]) -> None:
        self.brand_id = str(account.external_id or doc.get("for_user_id") or "")
        self.doc = doc
        self.for_user_id = str(doc.get("for_user_id") or "")
        users = doc.get("users")
        self.users: Mapping[str, Any] = users if isinstance(users, Mapping) else {}

    def _items(self, key: str) -> list[Mapping[str, Any]]:
        items = self.doc.get(key) or []
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise ParseError(f"{key} must be a list of objects")
        return items

    def parse(self) -> list[InboundEvent]:
        if self.brand_id and self.for_user_id and self.for_user_id != self.brand_id:
            return []  # a subscription of another user that shares the webhook URL
        events: list[InboundEvent | None] = []
        events += [self._tweet(t) for t in self._items("tweet_create_events")]
        events += [self._dm(d) for d in self._items("direct_message_events")]
        events += [self._favorite(f) for f in self._items("favorite_events")]
        events += [self._delete(d) for d in self._items("tweet_delete_events")]
        return [e for e in events if e is not None]

    def _tweet(self, tweet: Mapping[str, Any]) -> InboundEvent | None:
        tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
        if not tweet_id:
            raise ParseError("tweet without id_str")
        author = _v1_author(tweet.get("user"))
        occurred = _v1_time(tweet)
        from_brand = author.external_id == self.brand_id
        retweeted = tweet.get("retweeted_status")
        if isinstance(retweeted, Mapping):
            if from_brand:
                return None
            return InboundEvent(external_id=tweet_id, action=EventAction.ENGAGEMENT, author=author,
                                occurred_at=occurred, in_reply_to=str(retweeted.get("id_str") or ""),
                                data={"reaction": "retweet"})
        parent = str(tweet.get("in_reply_to_status_id_str") or "")
        replied_user = str(tweet.get("in_reply_to_user_id_str") or "")
        data: dict[str, Any] = {}
        quoted = str(tweet.get("quoted_status_id_str") or "") if tweet.get("is_quote_status") else ""
        if quoted:
            data["quoted_id"] = quoted
        if from_brand and replied_user and replied_user != self.brand_id:
            data["recipient_id"] = replied_user
        metrics = {k: tweet[k] for k in ("retweet_count", "favorite_count", "reply_count", "quote_count")
                   if isinstance(tweet.get(k), int)}
        conversation = str(tweet.get("conversation_id_str") or "")
        return InboundEvent(
            external_id=tweet_id,
            kind="reply" if parent else "mention",
            visibility="public",
            direction="out" if from_brand else "in",
            text=_tweet_text(tweet),
            author=author,
            occurred_at=occurred,
            thread_key=conversation or ("" if parent else tweet_id),
            in_reply_to=parent,
            metrics=metrics,
            data=data,
        )

    def _dm(self, event: Mapping[str, Any]) -> InboundEvent | None:
        if event.get("type") != "message_create":
            return None
        create = event.get("message_create")
        if not isinstance(create, Mapping):
            raise ParseError("direct message event without message_create")
        sender = str(create.get("sender_id") or "")
        recipient = str((create.get("target") or {}).get("recipient_id") or "")
        if not sender or not event.get("id"):
            raise ParseError("direct message event without id or sender_id")
        message_data = create.get("message_data") or {}
        text = message_data.get("text", "")
        if not isinstance(text, str):
            raise ParseError("message_data.text must be a string")
        from_brand = sender == self.brand_id
        other = recipient if from_brand else sender
        profile = self.users.get(sender) or {}
        author = Author(
            external_id=sender,
            handle=str(profile.get("screen_name") or ""),
            display_name=str(profile.get("name") or ""),
            follower_count=_int_or_none(profile.get("followers_count")),
            verified=bool(profile.get("verified", False)),
        )
        attachment = message_data.get("attachment")
        attachments: tuple[Mapping[str, Any], ...] = ()
        if isinstance(attachment, Mapping) and isinstance(attachment.get("media"), Mapping):
            media = attachment["media"]
            attachments = ({"type": str(media.get("type") or "photo"),
                            "url": str(media.get("media_url_https") or media.get("url") or "")},)
        return InboundEvent(
            external_id=str(event["id"]),
            kind="direct",
            visibility="private",
            direction="out" if from_brand else "in",
            text=text,
            author=author,
            occurred_at=_ms_time(event.get("created_timestamp")),
            thread_key=f"dm:{other}",
            attachments=attachments,
            data={"recipient_id": recipient} if from_brand else {},
        )

    def _favorite(self, event: Mapping[str, Any]) -> InboundEvent | None:
        author = _v1_author(event.get("user"))
        if author.external_id == self.brand_id:
            return None  # our own like, already recorded by the action that made it
        target = event.get("favorited_status")
        if not isinstance(target, Mapping) or not event.get("id"):
            raise ParseError("favorite event without id or favorited_status")
        occurred = _ms_time(event["timestamp_ms"]) if event.get("timestamp_ms") else _v1_time(event)
        return InboundEvent(external_id=f"fav:{event['id']}", action=EventAction.ENGAGEMENT, author=author,
                            occurred_at=occurred, in_reply_to=str(target.get("id_str") or target.get("id")),
                            data={"reaction": "like"})

    def _delete(self, event: Mapping[str, Any]) -> InboundEvent:
        status = event.get("status")
        if not isinstance(status, Mapping) or not status.get("id"):
            raise ParseError("tweet_delete_events item without status.id")
        return InboundEvent(external_id=str(status["id"]), action=EventAction.DELETE,
                            occurred_at=_ms_time(event.get("timestamp_ms")),
                            data={"user_id": str(status.get("user_id") or "")})


class _ActivityParser:
    """X Activity API envelopes: ``post.mention.create``, ``post.create``, ``post.delete``, ``dm.*``."""

    def __init__(self, account: AccountInfo) -> None:
        self.account = account

    def parse(self, envelope: Mapping[str, Any]) -> list[InboundEvent]:
        event_type = envelope.get("event_type")
        payload = envelope.get("payload")
        if not isinstance(payload, Mapping):
            raise ParseError("X Activity API event without a payload object")
        filtered = str((envelope.get("filter") or {}).get("user_id") or "")
        brand_id = str(self.account.external_id or filtered)
        if self.account.external_id and filtered and filtered != self.account.external_id:
            return []
        includes = envelope.get("includes") or {}
        users = {str(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, Mapping)}
        if event_type in ("post.mention.create", "post.create"):
            return [self._post(payload, users, brand_id)]
        if event_type in ("dm.received", "dm.sent"):
            return [self._dm(payload, users, brand_id, sent=event_type == "dm.sent")]
        if event_type == "post.delete":
            post_id = str(payload.get("id") or "")
            if not post_id:
                raise ParseError("post.delete without an id")
            occurred = payload.get("deleted_at") or payload.get("created_at")
            return [InboundEvent(external_id=post_id, action=EventAction.DELETE,
                                 occurred_at=_iso_time(occurred) if occurred else datetime.now(UTC).isoformat())]
        return []

    def _post(self, post: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], brand_id: str) -> InboundEvent:
        post_id = str(post.get("id") or "")
        author_id = str(post.get("author_id") or "")
        text = post.get("text")
        if not post_id or not author_id or not isinstance(text, str):
            raise ParseError("post without id, author_id or text")
        refs = {str(r.get("type")): str(r.get("id")) for r in post.get("referenced_tweets") or []
                if isinstance(r, Mapping)}
        parent = refs.get("replied_to", "")
        from_brand = author_id == brand_id
        data: dict[str, Any] = {}
        if "quoted" in refs:
            data["quoted_id"] = refs["quoted"]
        replied_user = str(post.get("in_reply_to_user_id") or "")
        if from_brand and replied_user and replied_user != brand_id:
            data["recipient_id"] = replied_user
        metrics = post.get("public_metrics") or {}
        return InboundEvent(
            external_id=post_id,
            kind="reply" if parent else "mention",
            visibility="public",
            direction="out" if from_brand else "in",
            text=text,
            author=_v2_author(author_id, users),
            occurred_at=_iso_time(post.get("created_at")),
            thread_key=str(post.get("conversation_id") or ("" if parent else post_id)),
            in_reply_to=parent,
            metrics={k: v for k, v in metrics.items() if isinstance(v, int)} if isinstance(metrics, Mapping) else {},
            data=data,
        )

    def _dm(self, event: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], brand_id: str,
            *, sent: bool) -> InboundEvent:
        event_id = str(event.get("id") or "")
        sender = str(event.get("sender_id") or "")
        text = event.get("text", "")
        if not event_id or not sender or not isinstance(text, str):
            raise ParseError("DM event without id, sender_id or text")
        participants = [str(p) for p in event.get("participant_ids") or []]
        from_brand = sent or sender == brand_id
        others = [p for p in participants if p != brand_id]
        other = others[0] if from_brand and others else sender
        return InboundEvent(
            external_id=event_id,
            kind="direct",
            visibility="private",
            direction="out" if from_brand else "in",
            text=text,
            author=_v2_author(sender, users),
            occurred_at=_iso_time(event.get("created_at")),
            thread_key=f"dm:{other}",
            data={"recipient_id": other} if from_brand and others else {},
        )
