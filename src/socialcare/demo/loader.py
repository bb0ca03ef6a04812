"""Creates the demo workspace (idempotent) and plays its sandbox traffic."""

from __future__ import annotations

import importlib
import json
import logging
import secrets
import time
from pathlib import Path
from typing import Any

import httpx
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from socialcare.accounts.models import AgentProfile, ApiToken, Role, Team
from socialcare.accounts.services import agent_create, api_token_create
from socialcare.channels.connectors.sandbox.player import ScriptedEvent, play
from socialcare.channels.models import ChannelAccount
from socialcare.core.models import Brand

from .corpus import ACCOUNTS, BRANDS, demo_script
from .platforms import platform_urls, seed_platform_accounts

logger = logging.getLogger(__name__)
PASSWORD = "socialcare-demo"
CREDENTIALS_FILE = "demo-credentials.json"

AGENTS = [
    # username, role, languages, channels, teams, ui language, description
    ("lead", Role.ADMIN, ["de", "en", "nl"], [], ["Radhaus Care", "Tulp Care"], "en", "admin, sees everything"),
    ("anna", Role.AGENT, ["de", "en"], ["sandbox"], ["Radhaus Care"], "de", "agent, German/English, Radhaus"),
    ("jonas", Role.AGENT, ["de"], ["sandbox"], ["Radhaus Care"], "de", "agent, German, Radhaus"),
    ("daan", Role.AGENT, ["nl", "en"], ["sandbox"], ["Tulp Care"], "nl", "agent, Dutch/English, Tulp Mobiel"),
    ("sanne", Role.SUPERVISOR, ["nl", "en"], [], ["Tulp Care"], "nl", "supervisor, Tulp Mobiel"),
    ("pia", Role.READONLY, ["de", "en"], [], ["Radhaus Care", "Tulp Care"], "en", "PR, read-only"),
]
TEAMS = {"Radhaus Care": ("radhaus", ["de", "en"]), "Tulp Care": ("tulp", ["nl", "en"])}


def _credentials_path() -> Path:
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE


@transaction.atomic
def demo_load(*, sandbox_url: str) -> dict[str, Any]:
    path = _credentials_path()
    stored: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    sandbox_token = stored.get("sandbox_api_token") or secrets.token_urlsafe(24)
    brands: dict[str, Brand] = {}
    for key, spec in BRANDS.items():
        brand, _ = Brand.objects.get_or_create(
            slug=key, defaults={"name": spec["name"], "timezone": spec["timezone"], "country": spec["country"],
                                "languages": spec["languages"]},
        )
        brands[key] = brand
    accounts: dict[str, ChannelAccount] = {}
    for key, spec in ACCOUNTS.items():
        account = ChannelAccount.objects.filter(kind="sandbox", settings__demo_key=key).first()
        if account is None:
            account = ChannelAccount.objects.create(
                brand=brands[spec["brand"]], kind="sandbox", display_name=spec["display_name"],
                external_id=f"brand:{key}", handle=spec["handle"], webhook_secret=secrets.token_urlsafe(24),
                credentials={"api_token": sandbox_token}, api_base_url=sandbox_url, settings={"demo_key": key},
            )
        elif account.api_base_url != sandbox_url:
            account.api_base_url = sandbox_url
            account.save(update_fields=["api_base_url"])
        accounts[key] = account
    teams: dict[str, Team] = {}
    for name, (brand_key, languages) in TEAMS.items():
        team, _ = Team.objects.get_or_create(name=name, defaults={"languages": languages})
        team.brands.add(brands[brand_key])
        teams[name] = team
    for username, role, languages, channels, team_names, ui_language, _desc in AGENTS:
        if not AgentProfile.objects.filter(user__username=username).exists():
            agent_create(username=username, password=PASSWORD, role=role, languages=languages, channels=channels,
                         teams=[teams[t] for t in team_names], ui_language=ui_language)
    api_token = stored.get("api_token")
    lead = get_user_model().objects.get(username="lead")
    if not api_token or not ApiToken.objects.filter(digest=ApiToken.digest_of(api_token)).exists():
        _, api_token = api_token_create(user=lead, name="demo")
    _seed_optional_features(brands, teams)
    credentials = {
        "password": PASSWORD,
        "logins": [{"username": a[0], "role": str(a[1]), "description": a[6]} for a in AGENTS],
        "api_token": api_token,
        "sandbox_api_token": sandbox_token,
        "sandbox_url": sandbox_url,
        "webhooks": {
            key: {"account_id": account.pk, "url": f"/hooks/sandbox/{account.pk}", "secret": account.webhook_secret}
            for key, account in accounts.items()
        },
        "file": str(path),
    }
    credentials["platforms"] = seed_platform_accounts(brands, platform_urls())
    path.write_text(json.dumps(credentials, indent=2))
    path.chmod(0o600)
    return credentials


def _seed_optional_features(brands: dict[str, Brand], teams: dict[str, Team]) -> None:
    """Business hours, SLA policies, rules, routing and the noise filter for both demo brands."""
    pr_team, _ = Team.objects.get_or_create(name="PR", defaults={"languages": ["de", "en", "nl"]})
    for username in ("pia", "lead"):
        profile = AgentProfile.objects.filter(user__username=username).first()
        if profile is not None:
            profile.teams.add(pr_team)
    for brand_key, brand in brands.items():
        care = next(team for name, team in teams.items() if TEAMS[name][0] == brand_key)
        if apps.is_installed("socialcare.sla"):
            from socialcare.sla.demo import seed as sla_seed

            sla_seed(brand)
        if apps.is_installed("socialcare.automation"):
            from socialcare.automation.demo import seed as automation_seed

            automation_seed(brand, pr_team=pr_team)
        if apps.is_installed("socialcare.routing"):
            from socialcare.routing.models import RoutingConfig, Strategy

            RoutingConfig.objects.update_or_create(
                brand=brand, team=None,
                defaults={"strategy": Strategy.SKILLS_FIRST, "default_team": care, "sticky_last_agent": True,
                          "tag_teams": {"press": pr_team.pk}},
            )
    AgentProfile.objects.filter(user__username__in=["anna", "jonas", "daan", "sanne"]).update(presence="online")
    for app in ("intelligence", "listening", "message_templates"):
        if not apps.is_installed(f"socialcare.{app}"):
            continue
        try:
            module = importlib.import_module(f"socialcare.{app}.demo")
        except ModuleNotFoundError:
            continue
        seed = getattr(module, "seed", None)
        if seed is not None:
            seed(brands)


def demo_play(*, base_url: str, speedup: float = 1.0, wait: bool = False, limit: int | None = None) -> int:
    if wait:
        _wait_for(base_url)
    credentials = json.loads(_credentials_path().read_text())
    targets = {key: (base_url + hook["url"], hook["secret"]) for key, hook in credentials["webhooks"].items()}
    script = [ScriptedEvent(at=float(item["at"]), account=item["account"], event=item["event"])
              for item in demo_script()]
    if limit is not None:
        script = script[:limit]
    return play(script, targets, speedup=speedup)


def _wait_for(base_url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{base_url} did not come up within {timeout:.0f} s")
