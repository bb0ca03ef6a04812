"""Product state of the noise filter: per-brand settings (with the learned adaptation) and feedback.

The models of the intelligence layer itself (artefacts, adapters) are pure Python and live in the
other modules of this package; these tables only hold what the product needs to decide, learn and
measure per brand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A new brand starts with this threshold on the (adapted) actionability probability. It is low on
# purpose: the shipped model is global, and missing a customer who needs help costs more than
# reading a little noise. Admins raise it by target recall once agents have corrected enough.
DEFAULT_THRESHOLD = 0.15


def filter_enabled_by_default() -> bool:
    """Whether a brand without its own choice filters noise: ``SOCIALCARE_NOISE_FILTER_DEFAULT_ENABLED``.

    Off unless configured, so a fresh install (and every test that is not about the filter) sees
    every mention in the inbox; the demo and the admins switch it on per brand."""
    return bool(getattr(settings, "SOCIALCARE_NOISE_FILTER_DEFAULT_ENABLED", False))


class BrandFilterSettings(models.Model):
    """Per-brand noise filter: the threshold, how it was chosen, and the adaptation learned so far.

    Created lazily (``services.filter_settings_for``); a brand without a row uses the defaults."""

    brand = models.OneToOneField("core.Brand", on_delete=models.CASCADE, related_name="filter_settings")
    enabled = models.BooleanField(default=filter_enabled_by_default)
    threshold = models.FloatField(default=DEFAULT_THRESHOLD)
    target_recall = models.FloatField(null=True, blank=True,
                                      help_text="the target recall the threshold was last chosen for")
    threshold_set_at = models.DateTimeField(null=True, blank=True)
    threshold_set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    # BrandNoiseAdapter.to_state(); empty means "no correction yet" (the global model unchanged)
    adapter_state = models.BinaryField(blank=True, default=b"")
    # bumped on every adapter update, so workers know their cached adapter is stale
    adapter_version = models.PositiveIntegerField(default=0)
    # brand-specific customer/order number patterns for PII detection: {"order_number": "A-\\d{6}"}
    pii_patterns = models.JSONField(default=dict, blank=True)
    filtered_count = models.PositiveIntegerField(default=0)
    noise_count = models.PositiveIntegerField(default=0)
    not_noise_count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("noise filter settings")
        verbose_name_plural = _("noise filter settings")

    def __str__(self) -> str:
        return f"noise filter of brand {self.brand_id}"

    @property
    def corrections(self) -> int:
        return self.noise_count + self.not_noise_count


class FeedbackLabel(models.TextChoices):
    NOISE = "noise", _("Noise")
    NOT_NOISE = "not_noise", _("Not noise")


class NoiseFeedback(models.Model):
    """One agent correction. Append-only: a change of mind is a new row (the latest row counts)."""

    brand = models.ForeignKey("core.Brand", on_delete=models.CASCADE, related_name="noise_feedback")
    ticket = models.ForeignKey("inbox.Ticket", on_delete=models.CASCADE, related_name="noise_feedback")
    message = models.ForeignKey("inbox.Message", on_delete=models.CASCADE, related_name="noise_feedback")
    label = models.CharField(max_length=12, choices=FeedbackLabel.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    created_at = models.DateTimeField(db_index=True)
    # the probability the filter decided on (stored with the message when it arrived)
    probability = models.FloatField()
    # the global model's probability, and the brand model's just before this correction taught it
    global_probability = models.FloatField(null=True, blank=True)
    probability_before_update = models.FloatField(null=True, blank=True)
    was_filtered = models.BooleanField(default=False)
    threshold = models.FloatField(help_text="the brand threshold when the correction was made")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["brand", "created_at"], name="noise_feedback_brand_at")]

    def __str__(self) -> str:
        return f"{self.label} on ticket {self.ticket_id}"

    @property
    def actionable(self) -> bool:
        return self.label == FeedbackLabel.NOT_NOISE
