"""Turn records into X Account Activity deliveries for one brand account, in time order."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from socialcare.channels.connectors.x.payloads import account_activity, v1_tweet, v1_user

from .sources import Record, chains

_LEADING_MENTION = re.compile(r"^\s*(?:@\w+\s+)*?@(\w{1,15})")


@dataclass(frozen=True)
class Delivery:
    at: datetime  # when the platform would deliver it (the post's creation time)
    post_ids: tuple[str, ...]
    body: bytes


def select(records: list[Record], *, brand: str = "", limit: int | None = None) -> list[Record]:
    """Keep whole reply chains: those a ``brand`` (handle, case-insensitive) takes part in, and at most
    ``limit`` of them, in the order they start in the file."""
    picked: list[Record] = []
    count = 0
    for chain in chains(records).values():
        if brand and not any(r.from_brand and r.author_handle.lower() == brand.lower() for r in chain):
            continue
        if limit is not None and count >= limit:
            break
        picked.extend(chain)
        count += 1
    order = {r.post_id: n for n, r in enumerate(records)}
    return sorted(picked, key=lambda r: order[r.post_id])


def reply_target_user(record: Record, by_id: dict[str, Record], handles: dict[str, str],
                      brand_user_id: str) -> str:
    """``in_reply_to_user_id_str`` as X sets it: the author of the parent post; for a post that starts
    with a mention but answers nothing we know, the mentioned user (as X does for "@user ..." posts)."""
    parent = by_id.get(record.in_reply_to)
    if parent is not None:
        return brand_user_id if parent.from_brand else parent.author_id
    match = _LEADING_MENTION.match(record.text)
    if match:
        return handles.get(match.group(1).lower(), "")
    return ""


def build_deliveries(records: Iterable[Record], *, brand_user_id: str, brand_handle: str,
                     batch: int = 1) -> list[Delivery]:
    """One Account Activity delivery per post (or ``batch`` posts), sorted by creation time. Every
    brand post, whatever brand handle the data names, is written by the account's brand user, so
    Socialcare sees it as its own post echoed back."""
    items = list(records)
    by_id = {r.post_id: r for r in items}
    handles = {r.author_handle.lower(): r.author_id for r in items if not r.from_brand}
    brand_user = v1_user(brand_user_id, brand_handle, brand_handle, followers_count=0, verified=True)
    tweets = []
    for record in sorted(items, key=lambda r: (r.created_at, r.post_id)):
        author = brand_user if record.from_brand else v1_user(record.author_id, record.author_handle)
        replied_user = reply_target_user(record, by_id, handles, brand_user_id)
        parent = by_id.get(record.in_reply_to)
        replied_handle = (brand_handle if parent.from_brand else parent.author_handle) if parent else ""
        tweet = v1_tweet(tweet_id=record.post_id, text=record.text, user=author, created_at=record.created_at,
                         in_reply_to_status_id=record.in_reply_to, in_reply_to_user_id=replied_user,
                         in_reply_to_screen_name=replied_handle)
        tweets.append((record, tweet))
    deliveries = []
    for start in range(0, len(tweets), max(1, batch)):
        group = tweets[start:start + max(1, batch)]
        body = json.dumps(account_activity(brand_user_id, tweet_create_events=[t for _, t in group])).encode()
        deliveries.append(Delivery(at=group[0][0].created_at, post_ids=tuple(r.post_id for r, _ in group),
                                   body=body))
    return deliveries
