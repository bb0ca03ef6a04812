from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "agent", _("Agent")
    READONLY = "readonly", _("PR / read-only")


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    brands = models.ManyToManyField("core.Brand", related_name="teams", blank=True)
    languages = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    teams = models.ManyToManyField(Team, related_name="members", blank=True)
    languages = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True, help_text="channel kinds this agent handles")
    skills = models.JSONField(default=list, blank=True, help_text="topics, e.g. billing, delivery")
    capacity = models.PositiveIntegerField(default=10)
    capacity_per_channel = models.JSONField(default=dict, blank=True, help_text="{channel kind: max open}")
    presence = models.CharField(max_length=8, choices=Presence.choices, default=Presence.OFFLINE)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    ui_language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
