"""REST API for teams, agents' skills and capacity, presence, routing configs and the waiting queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Router, Schema

from socialcare.accounts.access import (
    access_brand_id,
    check_can_manage,
    check_can_write,
    profile_of,
    visible_brand_ids,
)
from socialcare.accounts.models import AgentProfile, Team
from socialcare.core.errors import DomainError, NotFound

from . import services
from .models import QueuedTicket, RoutingConfig, Strategy

router = Router(tags=["routing"])


class TeamIn(Schema):
    name: str
    brand_ids: list[int] = []
    languages: list[str] = []
    member_ids: list[int] = []  # user ids


class TeamOut(Schema):
    id: int
    name: str
    brand_ids: list[int]
    languages: list[str]
    member_ids: list[int]

    @staticmethod
    def resolve_brand_ids(obj: Team) -> list[int]:
        return sorted(obj.brands.values_list("id", flat=True))

    @staticmethod
    def resolve_member_ids(obj: Team) -> list[int]:
        return sorted(obj.members.values_list("user_id", flat=True))


class SkillsIn(Schema):
    languages: list[str] = []
    channels: list[str] = []
    skills: list[str] = []
    capacity: int = 10
    capacity_per_channel: dict[str, int] = {}


class AgentOut(Schema):
    user_id: int
    username: str
    role: str
    languages: list[str]
    channels: list[str]
    skills: list[str]
    capacity: int
    capacity_per_channel: dict[str, int]
    presence: str
    last_seen_at: datetime | None

    @staticmethod
    def resolve_username(obj: AgentProfile) -> str:
        return obj.user.get_username()


class PresenceIn(Schema):
    presence: str


class ConfigIn(Schema):
    brand_id: int
    strategy: str = Strategy.LEAST_LOADED
    enabled: bool = True
    default_team_id: int | None = None
    sticky_last_agent: bool = True
    tag_teams: dict[str, int] = {}
    hold_for_menu_minutes: int = 10


class ConfigOut(ConfigIn):
    id: int


class QueueOut(Schema):
    ticket_id: int
    team_id: int | None
    reason: str
    enqueued_at: datetime
    held_until: datetime | None
    priority: int

    @staticmethod
    def resolve_priority(obj: QueuedTicket) -> int:
        return int(obj.ticket.priority)


def _teams(user: Any) -> Any:
    brand_ids = visible_brand_ids(user)
    teams = Team.objects.all()
    if brand_ids is not None:
        profile = profile_of(user)
        teams = teams.filter(members=profile) if profile else teams.none()
    return teams.prefetch_related("brands", "members")


def _team(user: Any, team_id: int) -> Team:
    team = _teams(user).filter(pk=team_id).first()
    if team is None:
        raise NotFound("team not found")
    return team


@transaction.atomic
def _save_team(team: Team, payload: TeamIn) -> Team:
    if not payload.name.strip():
        raise DomainError("a team needs a name")
    team.name = payload.name.strip()
    team.languages = payload.languages
    team.save()
    team.brands.set(payload.brand_ids)
    profiles = list(AgentProfile.objects.filter(user_id__in=payload.member_ids))
    missing = set(payload.member_ids) - {p.user_id for p in profiles}
    if missing:
        raise DomainError(f"no agents with user ids {sorted(missing)}")
    team.members.set(profiles)
    return team


@router.get("/teams", response=list[TeamOut])
def list_teams(request: HttpRequest) -> Any:
    return list(_teams(request.user))


@router.post("/teams", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamIn) -> Any:
    check_can_manage(request.user)
    if Team.objects.filter(name=payload.name.strip()).exists():
        raise DomainError(f"a team called {payload.name!r} exists already")
    return 201, _save_team(Team(), payload)


@router.put("/teams/{team_id}", response=TeamOut)
def update_team(request: HttpRequest, team_id: int, payload: TeamIn) -> Any:
    team = _team(request.user, team_id)
    check_can_manage(request.user)
    return _save_team(team, payload)


def _agents(user: Any) -> Any:
    agents = AgentProfile.objects.select_related("user")
    if visible_brand_ids(user) is not None:
        agents = agents.filter(teams__in=_teams(user)).distinct()
    return agents


def _agent(user: Any, user_id: int) -> AgentProfile:
    agent = _agents(user).filter(user_id=user_id).first()
    if agent is None:
        raise NotFound("agent not found")
    return agent


@router.get("/agents", response=list[AgentOut])
def list_agents(request: HttpRequest) -> Any:
    return list(_agents(request.user).order_by("user__username"))


@router.put("/agents/{user_id}/skills", response=AgentOut)
def set_skills(request: HttpRequest, user_id: int, payload: SkillsIn) -> Any:
    agent = _agent(request.user, user_id)
    check_can_manage(request.user)
    if payload.capacity < 0 or any(v < 0 for v in payload.capacity_per_channel.values()):
        raise DomainError("capacities must not be negative")
    for name, value in payload.dict().items():
        setattr(agent, name, value)
    agent.save(update_fields=list(payload.dict()))
    return agent


@router.get("/presence", response=AgentOut)
def my_presence(request: HttpRequest) -> Any:
    profile = profile_of(request.user)
    if profile is None:
        raise NotFound("you have no agent profile")
    return profile


@router.put("/presence", response=AgentOut)
def set_my_presence(request: HttpRequest, payload: PresenceIn) -> Any:
    profile = profile_of(request.user)
    if profile is None:
        raise NotFound("you have no agent profile")
    check_can_write(request.user)
    return services.presence_set(agent=profile, presence=payload.presence, actor=f"user:{request.user.pk}")


@router.post("/presence/heartbeat", response=AgentOut)
def heartbeat(request: HttpRequest) -> Any:
    """Call while the agent is active; an automatic 'away' turns back to 'online'."""
    profile = profile_of(request.user)
    if profile is None:
        raise NotFound("you have no agent profile")
    return services.presence_touch(agent=profile)


@router.put("/agents/{user_id}/presence", response=AgentOut)
def set_presence(request: HttpRequest, user_id: int, payload: PresenceIn) -> Any:
    agent = _agent(request.user, user_id)
    if agent.user_id != request.user.pk:
        check_can_manage(request.user)
    return services.presence_set(agent=agent, presence=payload.presence, actor=f"user:{request.user.pk}")


def _configs(user: Any) -> Any:
    brand_ids = visible_brand_ids(user)
    qs = RoutingConfig.objects.filter(team__isnull=True)
    return qs if brand_ids is None else qs.filter(brand_id__in=brand_ids)


@router.get("/configs", response=list[ConfigOut])
def list_configs(request: HttpRequest) -> Any:
    return list(_configs(request.user))


@router.put("/configs", response=ConfigOut)
def put_config(request: HttpRequest, payload: ConfigIn) -> Any:
    access_brand_id(request.user, payload.brand_id)
    check_can_manage(request.user)
    if payload.strategy not in Strategy.values:
        raise DomainError(f"strategy must be one of {', '.join(Strategy.values)}")
    known = set(Team.objects.values_list("id", flat=True))
    wanted = {*payload.tag_teams.values(), *([payload.default_team_id] if payload.default_team_id else [])}
    if wanted - known:
        raise DomainError(f"no teams with ids {sorted(wanted - known)}")
    values = payload.dict()
    config, _ = RoutingConfig.objects.update_or_create(brand_id=values.pop("brand_id"), team=None, defaults=values)
    return config


@router.get("/queue", response=list[QueueOut])
def waiting_queue(request: HttpRequest) -> Any:
    """Tickets waiting for capacity, in the order they will be assigned."""
    brand_ids = visible_brand_ids(request.user)
    entries = services.queue_ordered()
    if brand_ids is not None:
        entries = entries.filter(ticket__brand_id__in=brand_ids)
    return list(entries[:500])


