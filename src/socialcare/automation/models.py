from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    MESSAGE_RECEIVED = "message.received", _("Message received")
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_UPDATED = "ticket.updated", _("Ticket updated")
    SLA_WARNING = "sla.warning", _("SLA warning")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    TICKET_IDLE = "ticket.idle", _("Ticket idle")


class Rule(models.Model):
    """A trigger, a tree of condition groups and an ordered list of actions.

    ``conditions``: ``{"op": "all"|"any"|"none", "conditions": [{"type", "operator", "value"} | group]}``.
    ``actions``: ``[{"type", "value"}]``. ``trigger_config``: ``{"fields": [...]}`` for ticket.updated,
    ``{"minutes": N}`` for ticket.idle, ``{"metric": "first_response"}`` for the SLA triggers (optional).
    Both are validated against the condition/action registries when the rule is saved."""

    brand = models.ForeignKey("core.Brand", null=True, blank=True, on_delete=models.CASCADE, related_name="rules",
                              help_text="empty: every brand")
    name = models.CharField(max_length=120)
    trigger = models.CharField(max_length=24, choices=Trigger.choices)
    trigger_config = models.JSONField(default=dict, blank=True)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list)
    is_enabled = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=100)
    stop_processing = models.BooleanField(default=False, help_text="skip later rules when this one fires")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def actor(self) -> str:
        return f"rule:{self.pk}"


class RuleRun(models.Model):
    """One firing of a rule: what triggered it, the condition trace and what each action did."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey("inbox.Ticket", on_delete=models.CASCADE, related_name="rule_runs")
    message = models.ForeignKey("inbox.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    trigger = models.CharField(max_length=24)
    event_actor = models.CharField(max_length=64, blank=True)
    matched = models.JSONField(default=dict, help_text="the evaluated condition tree with matched flags")
    results = models.JSONField(default=list, help_text="[{type, ok, summary}] per action, in order")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"rule run {self.pk} of rule {self.rule_id} on ticket {self.ticket_id}"


class TeamNotification(models.Model):
    """A heads-up for a team (notify team / escalate to PR actions)."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey("inbox.Ticket", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    actor = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"notification for team {self.team_id} about ticket {self.ticket_id}"


class AutoMessageConfig(models.Model):
    """A brand's automatic messages: out-of-hours replies and the welcome menu for private messages.

    ``welcome_options``: ``[{"title": "Billing", "payload": "billing"}]``; the chosen payload becomes a tag.
    ``welcome_texts``: ``{"en": "...", "de": "..."}`` overriding the built-in greeting."""

    brand = models.OneToOneField("core.Brand", on_delete=models.CASCADE, related_name="auto_messages")
    out_of_hours_enabled = models.BooleanField(default=True)
    welcome_enabled = models.BooleanField(default=False)
    welcome_texts = models.JSONField(default=dict, blank=True)
    welcome_options = models.JSONField(default=list, blank=True)
    repeat_after_hours = models.PositiveIntegerField(default=24, help_text="never twice to one customer sooner")
    default_language = models.CharField(max_length=8, blank=True, help_text="empty: the brand's first language")

    def __str__(self) -> str:
        return f"automatic messages of brand {self.brand_id}"


class AutoMessageKind(models.TextChoices):
    OUT_OF_HOURS = "out_of_hours", _("Out of hours")
    WELCOME = "welcome", _("Welcome menu")
    RULE_REPLY = "rule_reply", _("Rule reply")


class AutoMessageLog(models.Model):
    """Every automatic message sent: prevents repeats per customer and per public thread."""

    customer = models.ForeignKey("crm.Customer", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("inbox.Ticket", on_delete=models.CASCADE, related_name="auto_messages")
    message = models.ForeignKey("inbox.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16, choices=AutoMessageKind.choices)
    visibility = models.CharField(max_length=8)
    thread_key = models.CharField(max_length=191, blank=True)
    language = models.CharField(max_length=8, blank=True)
    sent_at = models.DateTimeField(db_index=True)
    choice = models.CharField(max_length=64, blank=True, help_text="welcome menu: the option the customer chose")
    choice_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["customer", "kind", "sent_at"], name="automsg_customer_kind")]

    def __str__(self) -> str:
        return f"{self.kind} to customer {self.customer_id} at {self.sent_at}"
