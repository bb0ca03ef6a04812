"""Writes for listening: raw events from polling, stream hits, cost meter, cursors, conversion to tickets.

Every function that records what was read also takes the cursor to save, and both happen in one
transaction: a crash before the commit means nothing was stored and the cursor did not move (the same
items are read again), a crash after it means both are stored (nothing is read twice). Processing is
enqueued after the commit, exactly like the webhook receiver does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from socialcare.channels.models import ChannelAccount, RawEvent
from socialcare.channels.tasks import process_raw_event
from socialcare.core.errors import DomainError
from socialcare.core.tasks import enqueue_on_commit
from socialcare.inbox.models import Message

from .models import (
    PAUSED_BY_CAP,
    ChannelError,
    Cursor,
    HitStatus,
    Mode,
    Stream,
    StreamHit,
    StreamUsage,
    month_of,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    """A post a stream caught, with the payload the stream's channel adapter parses."""

    external_id: str
    payload: bytes
    text: str = ""
    author_handle: str = ""
    url: str = ""
    occurred_at: datetime | None = None


# --- cursors -----------------------------------------------------------------------------------------


def cursor_get(key: str) -> dict[str, Any]:
    found = Cursor.objects.filter(key=key).values_list("value", flat=True).first()
    return dict(found or {})


def cursor_set(key: str, value: dict[str, Any]) -> None:
    Cursor.objects.update_or_create(key=key, defaults={"value": value})


class CursorMoved(Exception):
    """Another runner stored the same page first; this one's reads are dropped (they are duplicates)."""


def _cursor_claim(key: str, expected: dict[str, Any] | None) -> None:
    """Inside the storing transaction: fail if the cursor is no longer where this runner read from."""
    if expected is None:
        return
    row = Cursor.objects.select_for_update().filter(key=key).first()
    if dict(row.value if row else {}) != dict(expected):
        raise CursorMoved(key)


# --- raw events from polling ---------------------------------------------------------------------------


def raw_events_store(*, account: ChannelAccount, payloads: list[bytes], source: str,
                     cursor_key: str = "", cursor: dict[str, Any] | None = None,
                     expected: dict[str, Any] | None = None) -> list[int]:
    """Store polled payloads as raw events and move the cursor, atomically; process after commit.
    With ``expected`` (the cursor the poll started from) nothing is stored if another runner moved it."""
    ids = []
    with transaction.atomic():
        if cursor_key:
            _cursor_claim(cursor_key, expected)
        now = timezone.now()
        for payload in payloads:
            raw = RawEvent.objects.create(channel_account=account, payload=payload, received_at=now,
                                          headers={"x-socialcare-source": source})
            enqueue_on_commit(process_raw_event, raw.pk)
            ids.append(raw.pk)
        if cursor_key and cursor is not None:
            cursor_set(cursor_key, cursor)
    return ids


# --- health ----------------------------------------------------------------------------------------------


def health_ok(account: ChannelAccount, *, remaining: int | None = None, reset_at: datetime | None = None) -> None:
    """A successful authenticated call: the connection works (the 'handshake' of polled channels)."""
    fields: dict[str, Any] = {"last_handshake_at": timezone.now(), "last_handshake_ok": True}
    if remaining is not None:
        fields["rate_limit_remaining"] = remaining
        fields["rate_limit_reset_at"] = reset_at
    ChannelAccount.objects.filter(pk=account.pk).update(**fields)


def health_error(account: ChannelAccount, source: str, message: str, *, auth_failed: bool = False) -> None:
    now = timezone.now()
    ChannelError.objects.create(channel_account=account, at=now, source=source, message=message[:2000])
    fields: dict[str, Any] = {"last_error": message[:2000], "last_error_at": now}
    if auth_failed:
        fields.update(last_handshake_at=now, last_handshake_ok=False)
    ChannelAccount.objects.filter(pk=account.pk).update(**fields)
    logger.warning("listening.error", extra={"account_id": account.pk, "source": source, "error": message})


# --- cost meter -----------------------------------------------------------------------------------------


def usage_of(stream: Stream, when: datetime | None = None) -> StreamUsage:
    month = month_of((when or timezone.now()).date())
    usage, _ = StreamUsage.objects.get_or_create(stream=stream, month=month)
    return usage


def usage_add(stream: Stream, *, posts_read: int, hits: int = 0) -> StreamUsage:
    """Count posts read at the stream's price; pause the stream when the monthly cap is reached."""
    usage = usage_of(stream)
    price = stream.cost_per_post or Decimal("0")
    StreamUsage.objects.filter(pk=usage.pk).update(
        posts_read=F("posts_read") + posts_read, hits=F("hits") + hits, cost=F("cost") + price * posts_read
    )
    usage.refresh_from_db()
    if stream.monthly_cap is not None and usage.cost >= stream.monthly_cap and stream.paused_reason != PAUSED_BY_CAP:
        Stream.objects.filter(pk=stream.pk).update(paused_reason=PAUSED_BY_CAP)
        stream.paused_reason = PAUSED_BY_CAP
        logger.info("listening.cap_reached", extra={"stream_id": stream.pk, "cost": str(usage.cost)})
    return usage


def streams_resume_new_month() -> list[int]:
    """Streams paused by the cap run again once the month changed (their new month's cost is below the cap)."""
    resumed = []
    for stream in Stream.objects.filter(paused_reason=PAUSED_BY_CAP, is_active=True):
        if stream.monthly_cap is None or usage_of(stream).cost < stream.monthly_cap:
            Stream.objects.filter(pk=stream.pk).update(paused_reason="")
            resumed.append(stream.pk)
    return resumed


# --- hits ---------------------------------------------------------------------------------------------------


def hits_record(stream: Stream, hits: list[Hit], *, posts_read: int | None = None,
                cursor_key: str = "", cursor: dict[str, Any] | None = None,
                expected: dict[str, Any] | None = None) -> list[StreamHit]:
    """Record what a stream read, atomically with its cursor.

    Posts already recorded for this stream are skipped (and not counted again). ``posts_read`` is what
    the platform charges for (defaults to the number of new hits). In auto-ticket mode every new hit
    goes through the ingestion pipeline right away; in review mode it waits in the stream view."""
    created: list[StreamHit] = []
    with transaction.atomic():
        if cursor_key:
            _cursor_claim(cursor_key, expected)
        seen = set(StreamHit.objects.filter(stream=stream, external_id__in=[h.external_id for h in hits])
                   .values_list("external_id", flat=True))
        for hit in hits:
            if hit.external_id in seen:
                continue
            seen.add(hit.external_id)
            try:
                with transaction.atomic():
                    row = StreamHit.objects.create(
                        stream=stream, external_id=hit.external_id, payload=hit.payload, text=hit.text,
                        author_handle=hit.author_handle, url=hit.url[:500], occurred_at=hit.occurred_at,
                    )
            except IntegrityError:
                continue  # recorded concurrently by another runner
            if stream.mode == Mode.AUTO_TICKET:
                _to_pipeline(row, user=None)
            created.append(row)
        read = len(created) if posts_read is None else posts_read
        if read or created:
            usage_add(stream, posts_read=read, hits=len(created))
        if cursor_key and cursor is not None:
            cursor_set(cursor_key, cursor)
    return created


def _to_pipeline(hit: StreamHit, *, user: Any) -> RawEvent:
    raw = RawEvent.objects.create(channel_account_id=hit.stream.channel_account_id, payload=bytes(hit.payload),
                                  received_at=timezone.now(),
                                  headers={"x-socialcare-source": f"stream:{hit.stream_id}"})
    hit.status = HitStatus.TICKETED
    hit.raw_event = raw
    hit.converted_by = user if getattr(user, "is_authenticated", False) else None
    hit.save(update_fields=["status", "raw_event", "converted_by"])
    enqueue_on_commit(process_raw_event, raw.pk)
    return raw


@transaction.atomic
def hit_convert(*, hit: StreamHit, user: Any) -> StreamHit:
    """One click: the hit goes through the same pipeline as any delivery and becomes (part of) a ticket."""
    hit = StreamHit.objects.select_for_update().select_related("stream").get(pk=hit.pk)
    if hit.status == HitStatus.TICKETED:
        return hit
    _to_pipeline(hit, user=user)
    return hit


def hit_dismiss(*, hit: StreamHit) -> StreamHit:
    if hit.status == HitStatus.TICKETED:
        raise DomainError(gettext("this hit is already a ticket"))
    StreamHit.objects.filter(pk=hit.pk).update(status=HitStatus.DISMISSED)
    hit.status = HitStatus.DISMISSED
    return hit


def hit_message(hit: StreamHit) -> Message | None:
    """The message (and so the ticket) the pipeline made of a converted hit, once processed."""
    return (Message.objects.filter(channel_account_id=hit.stream.channel_account_id, external_id=hit.external_id)
            .select_related("ticket").first())
