from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from socialcare.core.crypto import EncryptedJSONField, EncryptedTextField


class ChannelAccount(models.Model):
    """A brand's account on one platform (an X handle, a Facebook page, a WhatsApp number...)."""

    brand = models.ForeignKey("core.Brand", on_delete=models.CASCADE, related_name="channel_accounts")
    kind = models.CharField(max_length=32, help_text="connector key, e.g. sandbox, x, facebook")
    display_name = models.CharField(max_length=200)
    external_id = models.CharField(
        max_length=191, blank=True, help_text="the brand's own user/page id on the platform"
    )
    handle = models.CharField(max_length=191, blank=True)
    credentials = EncryptedJSONField(default=dict, blank=True)
    webhook_secret = EncryptedTextField(blank=True)
    api_base_url = models.URLField(blank=True, help_text="overrides the platform's API base URL")
    settings = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # health
    last_event_at = models.DateTimeField(null=True, blank=True)
    last_handshake_at = models.DateTimeField(null=True, blank=True)
    last_handshake_ok = models.BooleanField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    rate_limit_reset_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["brand_id", "display_name"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.kind})"


class RawEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSED = "processed", _("Processed")
    DUPLICATE = "duplicate", _("Duplicate")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class RawEvent(models.Model):
    """The durable inbox: every verified delivery is stored here before anything else happens."""

    channel_account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="raw_events")
    payload = models.BinaryField()
    headers = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=16, choices=RawEventStatus.choices, default=RawEventStatus.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "id"], name="rawevent_status_id")]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundDelivery(models.Model):
    """One outbound message's trip to the platform. The idempotency key exists before the call."""

    message = models.OneToOneField("inbox.Message", on_delete=models.CASCADE, related_name="delivery")
    channel_account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="deliveries")
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    in_flight_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=191, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]


class PendingStatus(models.Model):
    """A delivery status that arrived before the message it refers to; applied when the message appears."""

    channel_account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=191)
    status = models.CharField(max_length=16)
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel_account", "external_id"], name="pendingstatus_lookup")]
