from __future__ import annotations

from django.db import models


class Brand(models.Model):
    """A brand (or an agency client): the unit channels, teams and reports belong to."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="Europe/Berlin")
    country = models.CharField(max_length=2, default="DE")
    languages = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
