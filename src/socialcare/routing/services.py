"""Routing writes: team assignment, choosing an agent, the waiting queue, presence.

Every assignment goes through ``socialcare.inbox.services.ticket_assign`` with actor ``routing`` and is
explained in the ticket's audit log (``routing.assigned`` with strategy and reason).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from socialcare.accounts.models import AgentProfile, Presence, Role, Team
from socialcare.core import events
from socialcare.core.registry import Registry
from socialcare.core.tasks import enqueue_on_commit
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Ticket, TicketStatus

from .models import PresenceState, QueuedTicket, RoundRobinCursor, RoutingConfig, Strategy

logger = logging.getLogger(__name__)
ACTOR = "routing"
LOAD_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN)

# Other apps may ask routing to wait (e.g. for a welcome-menu choice): callable(ticket) -> hold until.
hold_checks: Registry[Callable[[Ticket], datetime | None]] = Registry("routing hold checks")


@transaction.atomic
def ticket_set_team(*, ticket: Ticket, team: Team | None, actor: str) -> Ticket:
    before = ticket.team_id
    after = team.pk if team else None
    if before == after:
        return ticket
    ticket.team = team
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["team", "updated_at"])
    inbox.ticket_event_record(ticket=ticket, kind="ticket.team_changed", actor=actor, data={"from": before, "to": after})
    events.publish("ticket.changed", {"ticket_id": ticket.pk, "fields": ["team"], "actor": actor})
    return ticket


# --- configuration ------------------------------------------------------------------------------------


def config_for(ticket: Ticket) -> RoutingConfig | None:
    if ticket.team_id:
        team_config = RoutingConfig.objects.filter(team_id=ticket.team_id).first()
        if team_config is not None:
            return team_config
    return RoutingConfig.objects.filter(brand_id=ticket.brand_id, team__isnull=True).first()


def ticket_language(ticket: Ticket) -> str:
    message = ticket.messages.filter(direction="in").order_by("-occurred_at", "-id").first()
    if message is None:
        return ""
    language = (message.enrichment or {}).get("language") or {}
    return str(language.get("code") or "") if isinstance(language, dict) else ""


def team_for(ticket: Ticket, config: RoutingConfig) -> Team | None:
    if ticket.team_id:
        return ticket.team
    tags = set(ticket.tags.values_list("name", flat=True))
    for tag, team_id in (config.tag_teams or {}).items():
        if tag in tags:
            team = Team.objects.filter(pk=team_id).first()
            if team is not None:
                return team
    if config.default_team_id:
        return config.default_team
    teams = list(Team.objects.filter(brands=ticket.brand_id))
    language = ticket_language(ticket)
    for team in teams:
        if language and language in (team.languages or []):
            return team
    return teams[0] if teams else None


# --- eligibility and strategies --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    profile: AgentProfile
    load: int
    channel_load: int

    @property
    def user_id(self) -> int:
        return int(self.profile.user_id)


def _loads(user_ids: list[int], kind: str) -> tuple[dict[int, int], dict[int, int]]:
    rows = (Ticket.objects.filter(assignee_id__in=user_ids, status__in=LOAD_STATUSES)
            .values("assignee_id").annotate(total=Count("id"), on_channel=Count("id", filter=Q(
                channel_account__kind=kind))))
    totals = {r["assignee_id"]: r["total"] for r in rows}
    per_channel = {r["assignee_id"]: r["on_channel"] for r in rows}
    return totals, per_channel


def available_agents(profiles: list[AgentProfile], ticket: Ticket) -> list[Candidate]:
    """Online agents who handle this channel and have capacity left (overall and for the channel)."""
    kind = ticket.channel_account.kind
    profiles = [p for p in profiles if p.presence == Presence.ONLINE and p.role != Role.READONLY
                and p.user.is_active and (not p.channels or kind in p.channels)]
    totals, per_channel = _loads([p.user_id for p in profiles], kind)
    result = []
    for p in profiles:
        load, channel_load = totals.get(p.user_id, 0), per_channel.get(p.user_id, 0)
        channel_cap = (p.capacity_per_channel or {}).get(kind)
        if load >= p.capacity or (channel_cap is not None and channel_load >= int(channel_cap)):
            continue
        result.append(Candidate(profile=p, load=load, channel_load=channel_load))
    return result


def _prefer_language(candidates: list[Candidate], language: str) -> list[Candidate]:
    if not language:
        return candidates
    speakers = [c for c in candidates if language in (c.profile.languages or [])]
    return speakers or candidates


def pick_round_robin(candidates: list[Candidate], team: Team | None) -> Candidate:
    ordered = sorted(candidates, key=lambda c: c.user_id)
    if team is None:
        return ordered[0]
    cursor, _ = RoundRobinCursor.objects.select_for_update().get_or_create(team=team)
    chosen = next((c for c in ordered if cursor.last_user_id is None or c.user_id > cursor.last_user_id), ordered[0])
    cursor.last_user_id = chosen.user_id
    cursor.save(update_fields=["last_user_id"])
    return chosen


def pick_least_loaded(candidates: list[Candidate]) -> Candidate:
    return min(candidates, key=lambda c: (c.load / max(c.profile.capacity, 1), c.load, c.user_id))


def skill_score(candidate: Candidate, *, tags: set[str], language: str, kind: str) -> int:
    profile = candidate.profile
    skills = {str(s).lower() for s in profile.skills or []}
    score = 10 * len(skills & tags)
    if language and language in (profile.languages or []):
        score += 5
    if kind in (profile.channels or []):
        score += 1
    return score


def pick_skills_first(candidates: list[Candidate], *, tags: set[str], language: str, kind: str) -> Candidate:
    return min(candidates, key=lambda c: (-skill_score(c, tags=tags, language=language, kind=kind),
                                          c.load / max(c.profile.capacity, 1), c.user_id))


def _last_agent(ticket: Ticket) -> int | None:
    previous = (Ticket.objects.filter(customer_id=ticket.customer_id, assignee__isnull=False)
                .exclude(pk=ticket.pk).order_by("-updated_at").values_list("assignee_id", flat=True).first())
    return int(previous) if previous else None


# --- routing a ticket ---------------------------------------------------------------------------------------


def _routable(ticket: Ticket) -> bool:
    return ticket.assignee_id is None and ticket.status in LOAD_STATUSES and not ticket.is_filtered


@transaction.atomic
def route_ticket(*, ticket_id: int, now: datetime | None = None) -> AgentProfile | None:
    """Assign the ticket to the best available agent, or put it in the waiting queue."""
    now = now or timezone.now()
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("channel_account", "team").filter(pk=ticket_id).first()
    if ticket is None:
        return None
    config = config_for(ticket)
    if config is None or not config.enabled:
        return None
    if not _routable(ticket):
        QueuedTicket.objects.filter(ticket=ticket).delete()
        return None
    team = team_for(ticket, config)
    if team is not None and ticket.team_id != team.pk:
        ticket_set_team(ticket=ticket, team=team, actor=ACTOR)
        config = config_for(ticket) or config
    hold = _hold_until(ticket, config, now)
    if hold is not None:
        _enqueue(ticket, team, "waiting for a menu choice", now, held_until=hold)
        return None
    members = (list(team.members.select_related("user")) if team is not None else
               list(AgentProfile.objects.filter(teams__brands=ticket.brand_id).distinct().select_related("user")))
    language = ticket_language(ticket)
    kind = ticket.channel_account.kind
    chosen: Candidate | None = None
    reason = ""
    last = _last_agent(ticket) if config.sticky_last_agent else None
    if last is not None:
        last_profile = AgentProfile.objects.select_related("user").filter(
            user_id=last, teams__brands=ticket.brand_id).first()
        sticky = available_agents([last_profile], ticket) if last_profile else []
        if sticky:
            chosen, reason = sticky[0], "returning customer: back to their last agent"
    if chosen is None:
        candidates = available_agents(members, ticket)
        if candidates:
            if config.strategy == Strategy.SKILLS_FIRST:
                tags = {t.lower() for t in ticket.tags.values_list("name", flat=True)}
                chosen = pick_skills_first(candidates, tags=tags, language=language, kind=kind)
                reason = f"skills first (score {skill_score(chosen, tags=tags, language=language, kind=kind)})"
            else:
                candidates = _prefer_language(candidates, language)
                if config.strategy == Strategy.ROUND_ROBIN:
                    chosen, reason = pick_round_robin(candidates, team), "round robin"
                else:
                    chosen = pick_least_loaded(candidates)
                    reason = f"least loaded ({chosen.load} of {chosen.profile.capacity} open)"
    if chosen is None:
        _enqueue(ticket, team, "everyone is at capacity or away", now)
        return None
    inbox.ticket_assign(ticket=ticket, assignee=chosen.profile.user, actor=ACTOR)
    inbox.ticket_event_record(ticket=ticket, kind="routing.assigned", actor=ACTOR,
                              data={"agent_id": chosen.user_id, "strategy": config.strategy, "reason": reason,
                                    "team_id": team.pk if team else None, "load_before": chosen.load})
    QueuedTicket.objects.filter(ticket=ticket).delete()
    return chosen.profile


def _hold_until(ticket: Ticket, config: RoutingConfig, now: datetime) -> datetime | None:
    for _key, check in hold_checks.items():
        until = check(ticket)
        if until is not None:
            limit = min(until, now + timedelta(minutes=config.hold_for_menu_minutes))
            if limit > now:
                return limit
    return None


def _enqueue(ticket: Ticket, team: Team | None, reason: str, now: datetime,
             held_until: datetime | None = None) -> QueuedTicket:
    entry, created = QueuedTicket.objects.get_or_create(
        ticket=ticket, defaults={"team": team, "reason": reason, "enqueued_at": now, "held_until": held_until})
    if not created and (entry.reason != reason or entry.held_until != held_until or entry.team != team):
        entry.reason, entry.held_until, entry.team = reason, held_until, team
        entry.save(update_fields=["reason", "held_until", "team"])
    if created:
        inbox.ticket_event_record(ticket=ticket, kind="routing.queued", actor=ACTOR, data={"reason": reason})
    return entry


def queue_ordered() -> Any:
    """The waiting queue in drain order: priority (urgent first), SLA deadline (soonest first), age."""
    return (QueuedTicket.objects.select_related("ticket")
            .order_by(F("ticket__priority").desc(), F("ticket__sla__next_due_at").asc(nulls_last=True),
                      "enqueued_at", "id"))


def queue_drain(*, now: datetime | None = None, limit: int = 200) -> int:
    """Try to assign waiting tickets in queue order; returns how many were assigned."""
    now = now or timezone.now()
    assigned = 0
    for entry in list(queue_ordered()[:limit]):
        if entry.held_until and entry.held_until > now:
            continue
        if route_ticket(ticket_id=entry.ticket_id, now=now) is not None:
            assigned += 1
    return assigned


# --- presence -----------------------------------------------------------------------------------------------


def auto_away_minutes() -> int:
    return int(getattr(settings, "SOCIALCARE_AUTO_AWAY_MINUTES", 15))


@transaction.atomic
def presence_set(*, agent: AgentProfile, presence: str, actor: str) -> AgentProfile:
    if presence not in Presence.values:
        from socialcare.core.errors import DomainError

        raise DomainError(f"presence must be one of {', '.join(Presence.values)}")
    now = timezone.now()
    agent.presence = presence
    fields = ["presence"]
    if presence == Presence.ONLINE:
        agent.last_seen_at = now
        fields.append("last_seen_at")
    agent.save(update_fields=fields)
    PresenceState.objects.update_or_create(agent=agent, defaults={"auto_away_at": None})
    logger.info("routing.presence", extra={"agent_id": agent.pk, "presence": presence, "actor": actor})
    if presence == Presence.ONLINE:
        from .tasks import drain_queue

        enqueue_on_commit(drain_queue)
    return agent


@transaction.atomic
def presence_touch(*, agent: AgentProfile) -> AgentProfile:
    """Activity from the agent (a request, a heartbeat): refresh last_seen_at; undo an automatic away."""
    agent.last_seen_at = timezone.now()
    agent.save(update_fields=["last_seen_at"])
    state = PresenceState.objects.filter(agent=agent).first()
    if agent.presence == Presence.AWAY and state is not None and state.auto_away_at is not None:
        presence_set(agent=agent, presence=Presence.ONLINE, actor="system")
    return agent


@transaction.atomic
def presence_auto_away(*, now: datetime | None = None) -> list[int]:
    """Online agents inactive for longer than the auto-away period become away."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=auto_away_minutes())
    idle = list(AgentProfile.objects.filter(presence=Presence.ONLINE)
                .filter(Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True)))
    for agent in idle:
        agent.presence = Presence.AWAY
        agent.save(update_fields=["presence"])
        PresenceState.objects.update_or_create(agent=agent, defaults={"auto_away_at": now})
    return [a.pk for a in idle]
