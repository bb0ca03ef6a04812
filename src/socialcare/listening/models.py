"""Listening streams: saved searches per brand whose hits become tickets or wait for review."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    X = "x", "X"
    BLUESKY = "bluesky", "Bluesky"
    MASTODON = "mastodon", "Mastodon"


class Mode(models.TextChoices):
    AUTO_TICKET = "auto_ticket", _("Every hit becomes a ticket")
    REVIEW = "review", _("Hits wait for review")


#: What one post read costs by default (X pay-per-use 2026: about $0.005 per post read).
DEFAULT_PRICE = {Platform.X: Decimal("0.005"), Platform.BLUESKY: Decimal("0"), Platform.MASTODON: Decimal("0")}
PAUSED_BY_CAP = "monthly_cap"


def month_of(day: date) -> date:
    return day.replace(day=1)


class Stream(models.Model):
    brand = models.ForeignKey("core.Brand", on_delete=models.CASCADE, related_name="streams")
    name = models.CharField(max_length=120)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    channel_account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="streams",
                                        help_text="the brand's account that reads the stream and answers hits")
    keywords = models.JSONField(default=list, blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    handles = models.JSONField(default=list, blank=True)
    exclusions = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.REVIEW)
    is_active = models.BooleanField(default=True)
    paused_reason = models.CharField(max_length=200, blank=True)
    cost_per_post = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True,
                                        help_text="price of one post read, in USD")
    monthly_cap = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True,
                                      help_text="pause the stream when this month's cost reaches this (USD)")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["brand_id", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform})"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.cost_per_post is None:
            self.cost_per_post = DEFAULT_PRICE.get(self.platform, Decimal("0"))
        super().save(*args, **kwargs)

    @property
    def rule_tag(self) -> str:
        return f"socialcare-stream-{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.is_active and not self.paused_reason

    def terms(self) -> list[str]:
        return [*self.keywords, *(f"#{h.lstrip('#')}" for h in self.hashtags),
                *(f"@{h.lstrip('@')}" for h in self.handles)]


class StreamUsage(models.Model):
    """Posts read per stream and month, and what they cost at the price of the moment they were read."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="usage")
    month = models.DateField()
    posts_read = models.PositiveIntegerField(default=0)
    hits = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("0"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["stream", "month"], name="streamusage_unique_month")]

    def __str__(self) -> str:
        return f"{self.stream_id} {self.month:%Y-%m}: {self.posts_read}"


class Cursor(models.Model):
    """A durable position in a platform feed (saved in the same transaction as what was read)."""

    key = models.CharField(max_length=191, unique=True)
    value = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class HitStatus(models.TextChoices):
    NEW = "new", _("New")
    TICKETED = "ticketed", _("Ticket created")
    DISMISSED = "dismissed", _("Dismissed")


class StreamHit(models.Model):
    """One post a stream caught. ``payload`` is what the channel account's adapter parses."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="hits")
    external_id = models.CharField(max_length=191)
    payload = models.BinaryField()
    text = models.TextField(blank=True)
    author_handle = models.CharField(max_length=191, blank=True)
    url = models.URLField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=HitStatus.choices, default=HitStatus.NEW)
    raw_event = models.ForeignKey("channels.RawEvent", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    converted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["stream", "external_id"], name="streamhit_unique_post")]

    def __str__(self) -> str:
        return f"{self.stream_id}: {self.external_id}"


class ChannelError(models.Model):
    """An error while polling/streaming a channel account (for the health page's last-hour count)."""

    channel_account = models.ForeignKey("channels.ChannelAccount", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=64)
    message = models.TextField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.channel_account_id} {self.source}: {self.message[:60]}"
