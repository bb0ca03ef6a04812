from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    SKILLS_FIRST = "skills_first", _("Skills first")


class RoutingConfig(models.Model):
    """How tickets are routed for a brand (and optionally, overriding it, for one team).

    Routing is opt-in: a brand without a config is never auto-assigned. ``tag_teams`` maps ticket
    tags (e.g. a welcome-menu choice) to the team that should take the ticket: ``{"billing": 3}``."""

    brand = models.ForeignKey("core.Brand", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="routing_configs")
    team = models.OneToOneField("accounts.Team", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="routing_config")
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.LEAST_LOADED)
    enabled = models.BooleanField(default=True)
    default_team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", help_text="team for tickets no tag sends elsewhere")
    sticky_last_agent = models.BooleanField(default=True, help_text="returning customers go to their last agent")
    tag_teams = models.JSONField(default=dict, blank=True)
    hold_for_menu_minutes = models.PositiveIntegerField(
        default=10, help_text="wait this long for a welcome-menu choice before routing anyway")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand"], condition=models.Q(team__isnull=True),
                                    name="routingconfig_one_per_brand"),
            models.CheckConstraint(condition=models.Q(brand__isnull=False) | models.Q(team__isnull=False),
                                   name="routingconfig_brand_or_team"),
        ]

    def __str__(self) -> str:
        return f"routing for {self.team or self.brand}"


class RoundRobinCursor(models.Model):
    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="+")
    last_user_id = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"round-robin cursor of team {self.team_id}"


class QueuedTicket(models.Model):
    """The waiting queue: tickets nobody could take. Drained by priority, then SLA deadline, then age."""

    ticket = models.OneToOneField("inbox.Ticket", on_delete=models.CASCADE, related_name="queue_entry")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=64)
    enqueued_at = models.DateTimeField(db_index=True)
    held_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ticket {self.ticket_id} waiting ({self.reason})"


class PresenceState(models.Model):
    """Extra presence bookkeeping: whether the current 'away' was set automatically for inactivity."""

    agent = models.OneToOneField("accounts.AgentProfile", on_delete=models.CASCADE, related_name="presence_state")
    auto_away_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"presence state of agent {self.agent_id}"
