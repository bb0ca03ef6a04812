from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessCalendar(models.Model):
    """A brand's opening hours: weekly hours in its time zone, public holidays and extra closed days.

    ``weekly_hours``: ``{"mon": [["09:00", "17:00"]], "sat": [["22:00", "02:00"]]}`` (an end before the
    start runs past midnight). ``closed_days``: ISO dates (``"2026-12-24"``)."""

    brand = models.OneToOneField("core.Brand", on_delete=models.CASCADE, related_name="business_calendar")
    timezone = models.CharField(max_length=64, default="Europe/Berlin")
    weekly_hours = models.JSONField(default=dict, blank=True)
    holiday_country = models.CharField(max_length=2, blank=True, help_text="ISO country for public holidays")
    holiday_subdivision = models.CharField(max_length=8, blank=True, help_text="e.g. BE for Berlin")
    closed_days = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"hours of {self.brand}"


class SlaPolicy(models.Model):
    """Targets for tickets of a brand, optionally narrowed by channel kind, visibility and priority.

    The most specific active policy wins (then the lowest ``position``)."""

    brand = models.ForeignKey("core.Brand", on_delete=models.CASCADE, related_name="sla_policies")
    name = models.CharField(max_length=120)
    channel_kind = models.CharField(max_length=32, blank=True, help_text="empty: any channel")
    visibility = models.CharField(max_length=8, blank=True, choices=[("public", _("Public")),
                                                                    ("private", _("Private"))])
    priority = models.PositiveSmallIntegerField(null=True, blank=True, help_text="empty: any priority")
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    business_hours = models.BooleanField(default=True, help_text="count only opening hours")
    warning_minutes = models.PositiveIntegerField(default=15, help_text="warn this long before a breach")
    position = models.PositiveIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["brand_id", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class TicketSLA(models.Model):
    """A ticket's SLA clocks. ``next_due_at`` is the earliest unmet deadline (None while paused)."""

    ticket = models.OneToOneField("inbox.Ticket", on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_response_started_at = models.DateTimeField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_done_at = models.DateTimeField(null=True, blank=True)
    first_response_breached = models.BooleanField(default=False)
    next_response_started_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_breached = models.BooleanField(default=False)
    resolution_started_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_done_at = models.DateTimeField(null=True, blank=True)
    resolution_breached = models.BooleanField(default=False)
    paused_at = models.DateTimeField(null=True, blank=True, help_text="waiting on the customer since")
    paused_business_seconds = models.FloatField(default=0)
    paused_wall_seconds = models.FloatField(default=0)
    warned = models.JSONField(default=list, blank=True, help_text="metric@due keys already warned about")
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    check_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                    help_text="when the periodic check next has a warning or breach to look at")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SLA of ticket {self.ticket_id}"


class SlaOutcome(models.Model):
    """Append-only fact: one SLA target met or missed, with wall-clock and business durations."""

    DEFINITION_VERSION = 1

    ticket = models.ForeignKey("inbox.Ticket", on_delete=models.CASCADE, related_name="sla_outcomes")
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="outcomes")
    brand = models.ForeignKey("core.Brand", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=16, choices=Metric.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True, help_text="when the target was reached, if it was")
    met = models.BooleanField()
    wall_seconds = models.FloatField(null=True, blank=True)
    business_seconds = models.FloatField(null=True, blank=True)
    definition_version = models.PositiveSmallIntegerField(default=DEFINITION_VERSION)
    recorded_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["policy", "metric"], name="slaoutcome_policy_metric")]

    def __str__(self) -> str:
        return f"{self.metric} of ticket {self.ticket_id}: {'met' if self.met else 'missed'}"
