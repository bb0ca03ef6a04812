"""Builders for X's documented payload shapes, shared by the emulator, the replay and the fixtures.

Account Activity API (v1.1 objects): ``{"for_user_id": ..., "tweet_create_events": [tweet, ...]}``,
``direct_message_events`` with a ``users`` map, ``favorite_events``, ``tweet_delete_events``.
API v2 objects: posts ``{"id", "text", "author_id", "created_at", "conversation_id", ...}`` with
``includes.users``; X Activity API envelopes ``{"data": {"event_uuid", "filter", "event_type",
"payload", "includes"}}``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

V1_TIME_FORMAT = "%a %b %d %H:%M:%S +0000 %Y"
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")


def v1_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(V1_TIME_FORMAT)


def v2_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def epoch_ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def v1_user(user_id: str, screen_name: str = "", name: str = "", followers_count: int = 0,
            verified: bool = False) -> dict[str, Any]:
    return {
        "id": int(user_id) if user_id.isdigit() else user_id,
        "id_str": user_id,
        "name": name or screen_name or user_id,
        "screen_name": screen_name or user_id,
        "followers_count": followers_count,
        "verified": verified,
    }


def v1_tweet(*, tweet_id: str, text: str, user: dict[str, Any], created_at: datetime,
             in_reply_to_status_id: str = "", in_reply_to_user_id: str = "",
             in_reply_to_screen_name: str = "", quoted: dict[str, Any] | None = None) -> dict[str, Any]:
    """A v1.1 tweet object as Account Activity delivers it in ``tweet_create_events``."""
    mentions = [{"screen_name": m.group(1), "indices": [m.start(), m.end()]} for m in _MENTION.finditer(text)]
    tweet: dict[str, Any] = {
        "created_at": v1_time(created_at),
        "id": int(tweet_id) if tweet_id.isdigit() else tweet_id,
        "id_str": tweet_id,
        "text": text,
        "truncated": False,
        "in_reply_to_status_id": int(in_reply_to_status_id) if in_reply_to_status_id.isdigit() else None,
        "in_reply_to_status_id_str": in_reply_to_status_id or None,
        "in_reply_to_user_id": int(in_reply_to_user_id) if in_reply_to_user_id.isdigit() else None,
        "in_reply_to_user_id_str": in_reply_to_user_id or None,
        "in_reply_to_screen_name": in_reply_to_screen_name or None,
        "user": user,
        "is_quote_status": quoted is not None,
        "entities": {"hashtags": [], "urls": [], "user_mentions": mentions, "symbols": []},
        "timestamp_ms": epoch_ms(created_at),
    }
    if quoted is not None:
        tweet["quoted_status_id_str"] = quoted["id_str"]
        tweet["quoted_status"] = quoted
    return tweet


def account_activity(for_user_id: str, **arrays: Any) -> dict[str, Any]:
    """``account_activity("42", tweet_create_events=[...])`` -> a delivery body."""
    return {"for_user_id": for_user_id, **arrays}


def v1_dm_event(*, event_id: str, sender_id: str, recipient_id: str, text: str,
                created_at: datetime) -> dict[str, Any]:
    return {
        "type": "message_create",
        "id": event_id,
        "created_timestamp": epoch_ms(created_at),
        "message_create": {
            "target": {"recipient_id": recipient_id},
            "sender_id": sender_id,
            "message_data": {"text": text, "entities": {"hashtags": [], "urls": [], "user_mentions": []}},
        },
    }


def v1_dm_user(user_id: str, screen_name: str, name: str = "", followers_count: int = 0,
               verified: bool = False, created_at: datetime | None = None) -> dict[str, Any]:
    """A member of the ``users`` map that accompanies ``direct_message_events``."""
    return {
        "id": user_id,
        "created_timestamp": epoch_ms(created_at or datetime(2015, 1, 1, tzinfo=UTC)),
        "name": name or screen_name,
        "screen_name": screen_name,
        "protected": False,
        "verified": verified,
        "followers_count": followers_count,
    }


def v2_user(user_id: str, username: str, name: str = "", followers_count: int = 0,
            verified: bool = False) -> dict[str, Any]:
    return {
        "id": user_id,
        "username": username,
        "name": name or username,
        "verified": verified,
        "public_metrics": {"followers_count": followers_count},
    }


def v2_post(*, post_id: str, text: str, author_id: str, created_at: datetime, conversation_id: str = "",
            in_reply_to_post_id: str = "", in_reply_to_user_id: str = "", lang: str = "en",
            quoted_id: str = "") -> dict[str, Any]:
    refs = []
    if in_reply_to_post_id:
        refs.append({"type": "replied_to", "id": in_reply_to_post_id})
    if quoted_id:
        refs.append({"type": "quoted", "id": quoted_id})
    post: dict[str, Any] = {
        "id": post_id,
        "text": text,
        "author_id": author_id,
        "created_at": v2_time(created_at),
        "conversation_id": conversation_id or post_id,
        "lang": lang,
        "edit_history_tweet_ids": [post_id],
    }
    if in_reply_to_user_id:
        post["in_reply_to_user_id"] = in_reply_to_user_id
    if refs:
        post["referenced_tweets"] = refs
    return post


def activity_envelope(*, event_uuid: str, event_type: str, user_id: str, payload: dict[str, Any],
                      users: list[dict[str, Any]] | None = None, tag: str = "") -> dict[str, Any]:
    """An X Activity API delivery (webhook or persistent stream)."""
    data: dict[str, Any] = {
        "event_uuid": event_uuid,
        "filter": {"user_id": user_id},
        "event_type": event_type,
        "payload": payload,
        "includes": {"users": users or []},
    }
    if tag:
        data["tag"] = tag
    return {"data": data}


def v2_dm_event(*, event_id: str, sender_id: str, participant_ids: list[str], text: str,
                created_at: datetime, conversation_id: str = "") -> dict[str, Any]:
    return {
        "id": event_id,
        "event_type": "MessageCreate",
        "text": text,
        "sender_id": sender_id,
        "participant_ids": participant_ids,
        "dm_conversation_id": conversation_id or "-".join(sorted(participant_ids)),
        "created_at": v2_time(created_at),
    }
