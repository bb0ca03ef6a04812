"""Polling Mastodon with durable cursors (the caller stores cursor and raw pages in one transaction).

Cursor: ``{"min_id": "<newest id seen>"}``. Pages are requested with ``min_id`` (the page immediately
newer than the cursor), so a backlog larger than one page is walked forward without gaps; the first
poll of an account (no cursor) takes only the newest page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..base import AccountInfo
from .common import DEFAULT_MAX_CHARACTERS, api, rate_limit

PAGE_SIZE = 40
MAX_PAGES = 25
NOTIFICATION_TYPES = ("mention", "favourite", "reblog", "update")


@dataclass
class PollResult:
    pages: list[bytes] = field(default_factory=list)  # raw response bodies holding new items, oldest page first
    items: list[dict[str, Any]] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False
    rate_limit_remaining: int | None = None
    rate_limit_reset_at: datetime | None = None


def instance_max_characters(account: AccountInfo) -> int:
    """``configuration.statuses.max_characters`` from ``GET /api/v2/instance`` (500 when absent)."""
    doc = api(account, "GET", "/api/v2/instance").json()
    value = ((doc.get("configuration") or {}).get("statuses") or {}).get("max_characters")
    return int(value) if isinstance(value, int) and value > 0 else DEFAULT_MAX_CHARACTERS


def _walk(account: AccountInfo, path: str, cursor: Mapping[str, Any], params: list[tuple[str, str]]) -> PollResult:
    result = PollResult(cursor=dict(cursor))
    min_id = cursor.get("min_id")
    for number in range(MAX_PAGES):
        query = [*params, ("limit", str(PAGE_SIZE))]
        if min_id:
            query.append(("min_id", str(min_id)))
        response = api(account, "GET", path, params=query)
        result.rate_limit_remaining, result.rate_limit_reset_at = rate_limit(response)
        items = response.json()
        if not isinstance(items, list) or not items:
            break
        result.pages.append(response.content)
        result.items.extend(items)
        min_id = str(max(int(i["id"]) for i in items))
        result.cursor = {"min_id": min_id}
        if not cursor.get("min_id"):
            break  # first poll: newest page only
        if number == MAX_PAGES - 1:
            result.truncated = True
    return result


def poll_notifications(account: AccountInfo, cursor: Mapping[str, Any]) -> PollResult:
    return _walk(account, "/api/v1/notifications", cursor, [("types[]", t) for t in NOTIFICATION_TYPES])


def poll_hashtag(account: AccountInfo, cursor: Mapping[str, Any], tag: str) -> PollResult:
    return _walk(account, f"/api/v1/timelines/tag/{tag.lstrip('#')}", cursor, [])


def poll_public(account: AccountInfo, cursor: Mapping[str, Any]) -> PollResult:
    return _walk(account, "/api/v1/timelines/public", cursor, [])
