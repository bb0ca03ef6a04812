from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from .models import AgentProfile, ApiToken, Role, Team


@transaction.atomic
def agent_create(
    *,
    username: str,
    password: str,
    role: str = Role.AGENT,
    languages: list[str] | None = None,
    channels: list[str] | None = None,
    teams: list[Team] | None = None,
    capacity: int = 10,
    ui_language: str = "en",
    first_name: str = "",
) -> AgentProfile:
    user = get_user_model().objects.create_user(username=username, password=password, first_name=first_name)
    if role == Role.ADMIN:
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    profile = AgentProfile.objects.create(
        user=user,
        role=role,
        languages=languages or [],
        channels=channels or [],
        capacity=capacity,
        ui_language=ui_language,
    )
    if teams:
        profile.teams.set(teams)
    return profile


def api_token_create(*, user: User, name: str, raw: str | None = None) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value (shown once, never stored)."""
    raw = raw or "sc_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(raw), prefix=raw[:8])
    return token, raw
