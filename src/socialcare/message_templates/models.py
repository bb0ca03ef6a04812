"""Approved message templates (e.g. WhatsApp's) per channel account.

A platform only delivers a template it has approved under exactly this name and language; the
body here mirrors the approved text so agents can see what the customer will get and fill its
``{{1}}``-style parameters.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class TemplateCategory(models.TextChoices):
    UTILITY = "utility", _("Utility")
    MARKETING = "marketing", _("Marketing")
    AUTHENTICATION = "authentication", _("Authentication")


class TemplateStatus(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PENDING = "pending", _("Pending review")
    REJECTED = "rejected", _("Rejected")
    PAUSED = "paused", _("Paused")


class MessageTemplate(models.Model):
    channel_account = models.ForeignKey(
        "channels.ChannelAccount", on_delete=models.CASCADE, related_name="message_templates"
    )
    name = models.CharField(max_length=512, help_text=_("the template name exactly as approved by the platform"))
    language = models.CharField(max_length=16, default="en", help_text=_("language code, e.g. en_US or de"))
    category = models.CharField(max_length=16, choices=TemplateCategory.choices, default=TemplateCategory.UTILITY)
    body = models.TextField(help_text=_("the approved body text with {{1}}, {{2}}... parameters"))
    parameter_labels = models.JSONField(
        default=list, blank=True, help_text=_("optional labels for the parameters, in order (e.g. [\"Name\"])")
    )
    buttons = models.JSONField(
        default=list, blank=True,
        help_text=_("buttons of the approved template, e.g. [{\"type\": \"quick_reply\", \"text\": \"Yes\"}]"),
    )
    status = models.CharField(max_length=16, choices=TemplateStatus.choices, default=TemplateStatus.APPROVED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel_account_id", "name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["channel_account", "name", "language"],
                                    name="message_template_unique_name_language"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def brand_id(self) -> int:
        return self.channel_account.brand_id

    def clean(self) -> None:
        from .services import template_check_body

        try:
            template_check_body(self.body)
        except ValueError as exc:
            raise ValidationError({"body": str(exc)}) from exc
