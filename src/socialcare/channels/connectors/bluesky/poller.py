"""Polling Bluesky with durable cursors (the caller stores the cursor together with the raw events).

Cursors are JSON objects ``{"indexed_at": ISO, "uris": [...]}``: the newest ``indexedAt`` seen and the
uris seen at exactly that instant, so a restart neither skips nor repeats an item. The first poll of an
account (no cursor) takes only the newest page instead of the whole history.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..base import AccountInfo
from .common import iso, parse_time, rate_limit, xrpc

PAGE_SIZE = 50
MAX_PAGES = 20


@dataclass
class PollResult:
    items: list[dict[str, Any]] = field(default_factory=list)  # new items, oldest first
    cursor: dict[str, Any] = field(default_factory=dict)
    pages: int = 0
    truncated: bool = False  # MAX_PAGES reached before the old cursor: an older gap may exist
    rate_limit_remaining: int | None = None
    rate_limit_reset_at: datetime | None = None

    def payload(self, key: str) -> bytes:
        """The documented response shape holding only the new items (what is stored as a raw event)."""
        return json.dumps({key: self.items}, sort_keys=True).encode()


def _is_new(item: Mapping[str, Any], since: datetime | None, seen: set[str], key: str) -> bool:
    if since is None:
        return True
    at = parse_time(item.get("indexedAt"))
    return at > since or (at == since and str(item.get(key)) not in seen)


def _advance(cursor: Mapping[str, Any], items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    if not items:
        return dict(cursor)
    newest = max(parse_time(i.get("indexedAt")) for i in items)
    uris = {str(i.get(key)) for i in items if parse_time(i.get("indexedAt")) == newest}
    old = cursor.get("indexed_at")
    if old and parse_time(old) == newest:
        uris |= set(cursor.get("uris") or [])
    return {"indexed_at": iso(newest), "uris": sorted(uris)}


def _collect(fetch: Callable[[str | None], tuple[list[dict[str, Any]], str | None, Any]],
             cursor: Mapping[str, Any], key: str = "uri") -> PollResult:
    since = parse_time(cursor["indexed_at"]) if cursor.get("indexed_at") else None
    seen = set(cursor.get("uris") or [])
    result = PollResult()
    page_cursor: str | None = None
    found: dict[str, dict[str, Any]] = {}
    while True:
        items, next_cursor, response = fetch(page_cursor)
        result.pages += 1
        result.rate_limit_remaining, result.rate_limit_reset_at = rate_limit(response)
        reached_old = False
        for item in items:
            if _is_new(item, since, seen, key):
                found.setdefault(str(item.get(key)), item)
            else:
                reached_old = True
        if reached_old or not items or not next_cursor or since is None:
            break
        if result.pages >= MAX_PAGES:
            result.truncated = True
            break
        page_cursor = next_cursor
    result.items = sorted(found.values(), key=lambda i: (parse_time(i.get("indexedAt")), str(i.get(key))))
    result.cursor = _advance(cursor, result.items, key)
    return result


def poll_notifications(account: AccountInfo, cursor: Mapping[str, Any]) -> PollResult:
    """New ``listNotifications`` entries since ``cursor`` (newest-first pages, followed until known ones)."""

    def fetch(page: str | None) -> tuple[list[dict[str, Any]], str | None, Any]:
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if page:
            params["cursor"] = page
        response = xrpc(account, "GET", "app.bsky.notification.listNotifications", params=params)
        doc = response.json()
        return list(doc.get("notifications") or []), doc.get("cursor"), response

    return _collect(fetch, cursor)


def search_posts(account: AccountInfo, cursor: Mapping[str, Any], *, q: str, lang: str = "") -> PollResult:
    """New ``app.bsky.feed.searchPosts`` results (``sort=latest``) for one query since ``cursor``."""

    def fetch(page: str | None) -> tuple[list[dict[str, Any]], str | None, Any]:
        params: dict[str, Any] = {"q": q, "sort": "latest", "limit": PAGE_SIZE}
        if cursor.get("indexed_at"):
            params["since"] = cursor["indexed_at"]
        if lang:
            params["lang"] = lang
        if page:
            params["cursor"] = page
        response = xrpc(account, "GET", "app.bsky.feed.searchPosts", params=params)
        doc = response.json()
        return list(doc.get("posts") or []), doc.get("cursor"), response

    return _collect(fetch, cursor)


def poll_chat(account: AccountInfo, cursor: Mapping[str, Any]) -> PollResult:
    """New ``chat.bsky.convo.getLog`` entries after the stored log cursor (the log is cursor-ordered)."""
    from .adapter import CHAT_PROXY

    result = PollResult(cursor=dict(cursor))
    log_cursor = cursor.get("log_cursor")
    while result.pages < MAX_PAGES:
        params = {"cursor": log_cursor} if log_cursor else {}
        response = xrpc(account, "GET", "chat.bsky.convo.getLog", params=params, headers=CHAT_PROXY)
        result.pages += 1
        result.rate_limit_remaining, result.rate_limit_reset_at = rate_limit(response)
        doc = response.json()
        logs = list(doc.get("logs") or [])
        result.items.extend(logs)
        next_cursor = doc.get("cursor")
        if not logs or not next_cursor or next_cursor == log_cursor:
            if next_cursor:
                log_cursor = next_cursor
            break
        log_cursor = next_cursor
    if log_cursor:
        result.cursor = {"log_cursor": log_cursor}
    return result
