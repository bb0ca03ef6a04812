"""REST endpoints for listening streams (attached at /api/streams) and channel health."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from socialcare.accounts.access import check_can_write, visible_brand_ids
from socialcare.api.schemas import ErrorOut
from socialcare.channels.models import ChannelAccount
from socialcare.core.errors import DomainError, NotFound

from . import services
from .health import accounts_health
from .models import Mode, Platform, Stream, StreamHit
from .query import x_rule
from .views import streams_visible_to

router = Router(tags=["streams"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class UsageOut(Schema):
    month: date
    posts_read: int
    hits: int
    cost: Decimal


class StreamOut(Schema):
    id: int
    brand_id: int
    name: str
    platform: str
    channel_account_id: int
    keywords: list[str]
    hashtags: list[str]
    handles: list[str]
    exclusions: list[str]
    languages: list[str]
    mode: str
    is_active: bool
    paused_reason: str
    cost_per_post: Decimal | None
    monthly_cap: Decimal | None
    usage: UsageOut

    @staticmethod
    def resolve_usage(obj: Stream) -> Any:
        return services.usage_of(obj)


class StreamIn(Schema):
    name: str
    channel_account_id: int
    keywords: list[str] = []
    hashtags: list[str] = []
    handles: list[str] = []
    exclusions: list[str] = []
    languages: list[str] = []
    mode: str = Mode.REVIEW
    cost_per_post: Decimal | None = None
    monthly_cap: Decimal | None = None


class StreamPatch(Schema):
    name: str | None = None
    keywords: list[str] | None = None
    hashtags: list[str] | None = None
    handles: list[str] | None = None
    exclusions: list[str] | None = None
    languages: list[str] | None = None
    mode: str | None = None
    is_active: bool | None = None
    paused: bool | None = None
    cost_per_post: Decimal | None = None
    monthly_cap: Decimal | None = None


class HitOut(Schema):
    id: int
    stream_id: int
    external_id: str
    text: str
    author_handle: str
    url: str
    occurred_at: datetime | None
    status: str
    ticket_id: int | None = None

    @staticmethod
    def resolve_ticket_id(obj: StreamHit) -> int | None:
        message = services.hit_message(obj) if obj.status == "ticketed" else None
        return message.ticket_id if message else None


class HealthOut(Schema):
    id: int
    kind: str
    name: str
    brand: str
    last_event_at: datetime | None
    last_handshake_at: datetime | None
    last_handshake_ok: bool | None
    token_expires_at: datetime | None
    rate_limit_remaining: int | None
    rate_limit_reset_at: datetime | None
    errors_last_hour: int
    last_error: str
    ok: bool
    warnings: list[str]


def _stream(request: HttpRequest, stream_id: int) -> Stream:
    stream = streams_visible_to(request.user).filter(pk=stream_id).first()
    if stream is None:
        raise NotFound("stream not found")
    return stream


def _validate(stream: Stream) -> None:
    if stream.mode not in Mode.values:
        raise DomainError(f"mode must be one of {', '.join(Mode.values)}")
    if not (stream.keywords or stream.hashtags or stream.handles):
        raise DomainError("a stream needs at least one keyword, hashtag or handle")
    if stream.platform == Platform.X:
        try:
            x_rule(stream)
        except ValueError as exc:
            raise DomainError(str(exc)) from None


@router.get("", response={200: list[StreamOut], **ERRORS})
def list_streams(request: HttpRequest):  # type: ignore[no-untyped-def]
    return list(streams_visible_to(request.user))


@router.post("", response={201: StreamOut, **ERRORS})
def create_stream(request: HttpRequest, payload: StreamIn):  # type: ignore[no-untyped-def]
    check_can_write(request.user)
    brand_ids = visible_brand_ids(request.user)
    accounts = ChannelAccount.objects.filter(kind__in=Platform.values)
    if brand_ids is not None:
        accounts = accounts.filter(brand_id__in=brand_ids)
    account = accounts.filter(pk=payload.channel_account_id).first()
    if account is None:
        raise NotFound("no X, Bluesky or Mastodon channel account with this id")
    stream = Stream(brand_id=account.brand_id, platform=account.kind, channel_account=account,
                    **payload.dict(exclude={"channel_account_id"}))
    _validate(stream)
    stream.save()
    return Status(201, stream)


@router.get("/health", response={200: list[HealthOut], **ERRORS})
def channel_health(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [h.as_dict() for h in accounts_health(visible_brand_ids(request.user))]


@router.get("/{stream_id}", response={200: StreamOut, **ERRORS})
def get_stream(request: HttpRequest, stream_id: int):  # type: ignore[no-untyped-def]
    return _stream(request, stream_id)


@router.patch("/{stream_id}", response={200: StreamOut, **ERRORS})
def update_stream(request: HttpRequest, stream_id: int, payload: StreamPatch):  # type: ignore[no-untyped-def]
    stream = _stream(request, stream_id)
    check_can_write(request.user)
    changes = payload.dict(exclude_unset=True)
    paused = changes.pop("paused", None)
    for name, value in changes.items():
        setattr(stream, name, value)
    if paused is True:
        stream.paused_reason = "paused through the API"
    elif paused is False:
        stream.paused_reason = ""
    _validate(stream)
    stream.save()
    return stream


@router.get("/{stream_id}/hits", response={200: list[HitOut], **ERRORS})
def list_hits(request: HttpRequest, stream_id: int, status: str = "", limit: int = 50,  # type: ignore[no-untyped-def]
              offset: int = 0):
    stream = _stream(request, stream_id)
    hits = stream.hits.all()
    if status:
        hits = hits.filter(status=status)
    return list(hits[offset: offset + max(1, min(limit, 500))])


@router.post("/{stream_id}/hits/{hit_id}/convert", response={200: HitOut, **ERRORS})
def convert_hit(request: HttpRequest, stream_id: int, hit_id: int):  # type: ignore[no-untyped-def]
    stream = _stream(request, stream_id)
    check_can_write(request.user)
    hit = stream.hits.filter(pk=hit_id).first()
    if hit is None:
        raise NotFound("hit not found")
    return services.hit_convert(hit=hit, user=request.user)
