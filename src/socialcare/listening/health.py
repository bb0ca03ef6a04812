"""Connection health per channel account, for the Channels page and the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from socialcare.channels.models import (
    ChannelAccount,
    DeliveryStatus,
    OutboundDelivery,
    RawEvent,
    RawEventStatus,
)

from .models import ChannelError, Stream

TOKEN_WARNING = timedelta(days=3)
RATE_LIMIT_WARNING = 10  # remaining calls


@dataclass
class Health:
    account: ChannelAccount
    errors_last_hour: int
    last_error: str
    warnings: list[str] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.warnings

    def as_dict(self) -> dict[str, Any]:
        a = self.account
        return {"id": a.pk, "kind": a.kind, "name": a.display_name, "brand": a.brand.name,
                "last_event_at": a.last_event_at, "last_handshake_at": a.last_handshake_at,
                "last_handshake_ok": a.last_handshake_ok, "token_expires_at": a.token_expires_at,
                "rate_limit_remaining": a.rate_limit_remaining, "rate_limit_reset_at": a.rate_limit_reset_at,
                "errors_last_hour": self.errors_last_hour, "last_error": self.last_error,
                "ok": self.ok, "warnings": self.warnings}


def account_health(account: ChannelAccount, now: datetime | None = None) -> Health:
    now = now or timezone.now()
    hour_ago = now - timedelta(hours=1)
    errors = ChannelError.objects.filter(channel_account=account, at__gte=hour_ago)
    failed_raw = RawEvent.objects.filter(channel_account=account, status=RawEventStatus.FAILED,
                                         received_at__gte=hour_ago).count()
    failed_sends = OutboundDelivery.objects.filter(channel_account=account, status=DeliveryStatus.FAILED,
                                                   created_at__gte=hour_ago).count()
    count = errors.count() + failed_raw + failed_sends
    recent_error = account.last_error_at is not None and account.last_error_at >= hour_ago
    if count == 0 and recent_error:
        count = 1  # e.g. a send that is still being retried
    latest = errors.first()
    last_error = account.last_error if recent_error else (latest.message if latest else "")
    health = Health(account=account, errors_last_hour=count, last_error=last_error)
    if not account.is_active:
        health.warnings.append(_("Inactive"))
    if account.last_handshake_ok is False:
        health.warnings.append(_("Last handshake failed"))
    if account.token_expires_at is not None:
        if account.token_expires_at <= now:
            health.warnings.append(_("Token expired"))
        elif account.token_expires_at - now < TOKEN_WARNING:
            health.warnings.append(_("Token expires soon"))
    if (account.rate_limit_remaining is not None and account.rate_limit_remaining < RATE_LIMIT_WARNING
            and (account.rate_limit_reset_at is None or account.rate_limit_reset_at > now)):
        health.warnings.append(_("Rate limit nearly used up"))
    if count:
        health.warnings.append(_("Errors in the last hour"))
    return health


def accounts_health(brand_ids: list[int] | None) -> list[Health]:
    qs = ChannelAccount.objects.select_related("brand").order_by("brand__name", "display_name")
    if brand_ids is not None:
        qs = qs.filter(brand_id__in=brand_ids)
    return [account_health(account) for account in qs]
