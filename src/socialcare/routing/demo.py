"""Demo data: teams with different languages and skills, agents with capacities, brand routing."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from socialcare.accounts.models import AgentProfile, Team
from socialcare.accounts.services import agent_create
from socialcare.core.models import Brand

from .models import RoutingConfig, Strategy

TEAMS = (
    ("Care DE", ["de"], [("lena", ["de", "en"], ["billing"]), ("jonas", ["de"], ["delivery"])]),
    ("Care EN", ["en"], [("maya", ["en"], ["billing", "delivery"]), ("tom", ["en", "nl"], [])]),
    ("Care NL", ["nl"], [("sanne", ["nl", "en"], ["delivery"])]),
    ("PR", ["en", "de"], [("petra", ["de", "en"], ["press"])]),
)


def seed(brand: Brand, *, password: str = "demo-password", strategy: str = Strategy.SKILLS_FIRST) -> dict[str, object]:
    """Teams covering ``brand``, agents online with capacities, and skills-first routing where the
    welcome-menu choices 'billing' and 'delivery' are skills (and 'press' goes to PR)."""
    teams: dict[str, Team] = {}
    for name, languages, members in TEAMS:
        team, _ = Team.objects.get_or_create(name=name, defaults={"languages": languages})
        team.brands.add(brand)
        teams[name] = team
        for username, agent_languages, skills in members:
            user = get_user_model().objects.filter(username=username).first()
            profile = (AgentProfile.objects.get(user=user) if user is not None else
                       agent_create(username=username, password=password, languages=agent_languages, capacity=6))
            profile.skills = skills
            profile.languages = agent_languages
            profile.capacity_per_channel = {"whatsapp": 3}
            profile.presence = "online"
            profile.save(update_fields=["skills", "languages", "capacity_per_channel", "presence"])
            profile.teams.add(team)
    config, _ = RoutingConfig.objects.update_or_create(
        brand=brand, team=None,
        defaults={"strategy": strategy, "default_team": teams["Care EN"], "sticky_last_agent": True,
                  "tag_teams": {"press": teams["PR"].pk}})
    return {"teams": teams, "config": config}
