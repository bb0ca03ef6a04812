from __future__ import annotations

from django.db import models


class Customer(models.Model):
    """A person behind one or more channel identities."""

    display_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.display_name or f"customer {self.pk}"


class Identity(models.Model):
    """One customer's account on one channel account: unique on (channel account, external user id)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    channel_account = models.ForeignKey(
        "channels.ChannelAccount", on_delete=models.CASCADE, related_name="identities"
    )
    external_user_id = models.CharField(max_length=191)
    handle = models.CharField(max_length=191, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    follower_count = models.PositiveIntegerField(null=True, blank=True)
    verified = models.BooleanField(default=False)
    blocked_at = models.DateTimeField(null=True, blank=True, help_text="spam sender: dropped at intake")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel_account", "external_user_id"], name="identity_unique_per_channel_account"
            )
        ]

    def __str__(self) -> str:
        return self.handle or self.display_name or self.external_user_id
