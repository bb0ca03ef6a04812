"""Polling runners for Bluesky and Mastodon: brand-account notifications and keyword/hashtag streams.

HTTP happens outside transactions; what was read and the moved cursor are stored together (see
``services``). Errors are recorded for the connection-health page and never stop other accounts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.base import SendError
from socialcare.channels.connectors.bluesky import poller as bsky
from socialcare.channels.connectors.bluesky.adapter import post_url
from socialcare.channels.connectors.mastodon import poller as masto
from socialcare.channels.connectors.mastodon.common import html_to_text
from socialcare.channels.models import ChannelAccount

from . import services
from .models import Platform, Stream
from .query import matches

logger = logging.getLogger(__name__)
INSTANCE_REFRESH = timedelta(hours=24)


def _guard(account: ChannelAccount, source: str, work: Callable[[], int]) -> int:
    try:
        return work()
    except services.CursorMoved:
        logger.info("listening.cursor_moved", extra={"account_id": account.pk, "source": source})
    except SendError as exc:
        text = str(exc)
        services.health_error(account, source, text, auth_failed="(401)" in text or "(403)" in text)
    except (ValueError, KeyError, TypeError) as exc:  # a platform answer we cannot read
        services.health_error(account, source, f"unexpected answer: {exc.__class__.__name__}: {exc}")
    return 0


# --- brand accounts -----------------------------------------------------------------------------------


def poll_account(account: ChannelAccount) -> int:
    """Poll one Bluesky/Mastodon account's notifications (and Bluesky DMs); returns raw events stored."""
    if account.kind == "bluesky":
        return _guard(account, "notifications", lambda: _bluesky_account(account))
    if account.kind == "mastodon":
        return _guard(account, "notifications", lambda: _mastodon_account(account))
    return 0


def _bluesky_account(account: ChannelAccount) -> int:
    info = account_info(account)
    key = f"account:{account.pk}:notifications"
    start = services.cursor_get(key)
    result = bsky.poll_notifications(info, start)
    payloads = [result.payload("notifications")] if result.items else []
    stored = services.raw_events_store(account=account, payloads=payloads, source="poll:notifications",
                                       cursor_key=key, cursor=result.cursor, expected=start)
    services.health_ok(account, remaining=result.rate_limit_remaining, reset_at=result.rate_limit_reset_at)
    if result.truncated:
        services.health_error(account, "notifications", "backlog larger than the page limit; older items skipped")
    if account.settings.get("poll_direct_messages", True):
        chat_key = f"account:{account.pk}:chat"
        chat_start = services.cursor_get(chat_key)
        chat = bsky.poll_chat(info, chat_start)
        stored += services.raw_events_store(
            account=account, payloads=[chat.payload("logs")] if chat.items else [], source="poll:chat",
            cursor_key=chat_key, cursor=chat.cursor, expected=chat_start)
    return len(stored)


def _mastodon_account(account: ChannelAccount) -> int:
    info = account_info(account)
    checked = account.settings.get("instance_checked_at")
    if not checked or timezone.now() - timezone.datetime.fromisoformat(checked) > INSTANCE_REFRESH:
        limit = masto.instance_max_characters(info)
        settings = {**(account.settings or {}), "max_characters": limit,
                    "instance_checked_at": timezone.now().isoformat()}
        ChannelAccount.objects.filter(pk=account.pk).update(settings=settings)
        account.settings = settings
    key = f"account:{account.pk}:notifications"
    start = services.cursor_get(key)
    result = masto.poll_notifications(info, start)
    stored = services.raw_events_store(account=account, payloads=result.pages, source="poll:notifications",
                                       cursor_key=key, cursor=result.cursor, expected=start)
    services.health_ok(account, remaining=result.rate_limit_remaining, reset_at=result.rate_limit_reset_at)
    if result.truncated:
        services.health_error(account, "notifications", "backlog larger than the page limit; polling continues")
    return len(stored)


# --- streams ------------------------------------------------------------------------------------------------


def poll_stream(stream: Stream) -> int:
    """One polling round of a Bluesky/Mastodon stream; returns the number of new hits."""
    if not stream.is_running:
        return 0
    account = stream.channel_account
    if stream.platform == Platform.BLUESKY:
        return _guard(account, f"stream:{stream.pk}", lambda: _bluesky_stream(stream))
    if stream.platform == Platform.MASTODON:
        return _guard(account, f"stream:{stream.pk}", lambda: _mastodon_stream(stream))
    return 0


def _bluesky_queries(stream: Stream) -> list[str]:
    queries = [k.strip() if " " not in k.strip() else f'"{k.strip()}"' for k in stream.keywords if k.strip()]
    queries += [f"#{h.strip().lstrip('#')}" for h in stream.hashtags if h.strip()]
    for handle in stream.handles:
        name = handle.strip().lstrip("@")
        if name:
            queries += [f"@{name}", f"from:{name}"]
    return queries


def _bluesky_stream(stream: Stream) -> int:
    info = account_info(stream.channel_account)
    key = f"stream:{stream.pk}:search"
    start = services.cursor_get(key)
    cursors: dict[str, Any] = dict(start)
    lang = stream.languages[0] if len(stream.languages) == 1 else ""
    read: dict[str, dict[str, Any]] = {}
    last: Any = None
    for query in _bluesky_queries(stream):
        result = bsky.search_posts(info, cursors.get(query, {}), q=query, lang=lang)
        cursors[query] = result.cursor
        last = result
        for post in result.items:
            read.setdefault(str(post["uri"]), post)
    hits = []
    for uri, post in read.items():
        record = post.get("record") or {}
        text = str(record.get("text") or "")
        langs = record.get("langs") or [""]
        if not matches(stream, text=text, language=str(langs[0]), positive=False):
            continue
        handle = str((post.get("author") or {}).get("handle") or "")
        hits.append(services.Hit(external_id=uri, payload=json.dumps({"posts": [post]}).encode(), text=text,
                                 author_handle=handle, url=post_url(uri, handle),
                                 occurred_at=bsky.parse_time(post.get("indexedAt"))))
    created = services.hits_record(stream, hits, posts_read=len(read), cursor_key=key, cursor=cursors,
                                   expected=start)
    if last is not None:
        services.health_ok(stream.channel_account, remaining=last.rate_limit_remaining,
                           reset_at=last.rate_limit_reset_at)
    return len(created)


def _mastodon_stream(stream: Stream) -> int:
    info = account_info(stream.channel_account)
    key = f"stream:{stream.pk}:timelines"
    start = services.cursor_get(key)
    cursors: dict[str, Any] = dict(start)
    read: dict[str, dict[str, Any]] = {}
    last: Any = None
    sources: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
    for tag in stream.hashtags:
        name = tag.strip().lstrip("#")
        if name:
            sources.append((f"tag:{name.lower()}", lambda c, name=name: masto.poll_hashtag(info, c, name)))
    if stream.keywords or stream.handles:
        sources.append(("public", lambda c: masto.poll_public(info, c)))
    for source, poll in sources:
        result = poll(cursors.get(source, {}))
        cursors[source] = result.cursor
        last = result
        for status in result.items:
            read.setdefault(str(status["id"]), status)
    hits = []
    for status_id, status in read.items():
        text = html_to_text(str(status.get("content") or ""))
        handle = str((status.get("account") or {}).get("acct") or "")
        tags = [str(t.get("name") or "") for t in status.get("tags") or []]
        if not matches(stream, text=text, author_handle=handle, tags=tags, language=str(status.get("language") or "")):
            continue
        hits.append(services.Hit(external_id=status_id, payload=json.dumps([status]).encode(), text=text,
                                 author_handle=handle, url=str(status.get("url") or ""),
                                 occurred_at=timezone.datetime.fromisoformat(
                                     str(status["created_at"]).replace("Z", "+00:00"))))
    created = services.hits_record(stream, hits, posts_read=len(read), cursor_key=key, cursor=cursors,
                                   expected=start)
    if last is not None:
        services.health_ok(stream.channel_account, remaining=last.rate_limit_remaining,
                           reset_at=last.rate_limit_reset_at)
    return len(created)


def poll_all() -> dict[str, int]:
    """One round over every active Bluesky/Mastodon account and every running polled stream."""
    services.streams_resume_new_month()
    counts = {"raw_events": 0, "hits": 0}
    for account in ChannelAccount.objects.filter(is_active=True, kind__in=("bluesky", "mastodon")):
        counts["raw_events"] += poll_account(account)
    streams = Stream.objects.filter(is_active=True, paused_reason="", channel_account__is_active=True,
                                    platform__in=(Platform.BLUESKY, Platform.MASTODON)).select_related(
                                        "channel_account")
    for stream in streams:
        counts["hits"] += poll_stream(stream)
    return counts
