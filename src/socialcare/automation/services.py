"""Automation writes that the inbox services do not cover (notes by rules, blocking senders,
team notifications) and saving rules. Each records the change in the ticket's audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from socialcare.accounts.models import Team
from socialcare.crm.models import Identity
from socialcare.inbox.models import Note, Ticket
from socialcare.inbox.services import ticket_event_record

from .models import Rule, TeamNotification


@transaction.atomic
def rule_note_add(*, ticket: Ticket, text: str, actor: str) -> Note:
    note = Note.objects.create(ticket=ticket, author=None, text=text.strip())
    ticket_event_record(ticket=ticket, kind="note.added", actor=actor, data={"note_id": note.pk})
    return note


@transaction.atomic
def identity_block(*, identity: Identity, ticket: Ticket, actor: str, reason: str = "spam") -> Identity:
    """Block a sender at intake: the pipeline drops further messages from a blocked identity."""
    if identity.blocked_at is None:
        identity.blocked_at = timezone.now()
        identity.save(update_fields=["blocked_at", "updated_at"])
        ticket_event_record(ticket=ticket, kind="identity.blocked", actor=actor,
                            data={"identity_id": identity.pk, "reason": reason})
    return identity


@transaction.atomic
def team_notify(*, team: Team, ticket: Ticket, text: str, actor: str) -> TeamNotification:
    notification = TeamNotification.objects.create(team=team, ticket=ticket, text=text[:500], actor=actor,
                                                   created_at=timezone.now())
    ticket_event_record(ticket=ticket, kind="team.notified", actor=actor, data={"team_id": team.pk, "text": text[:500]})
    return notification


RULE_FIELDS = ("name", "brand_id", "trigger", "trigger_config", "conditions", "actions", "is_enabled", "position",
               "stop_processing")


@transaction.atomic
def rule_save(*, rule: Rule | None = None, user: Any = None, **values: Any) -> Rule:
    """Create or update a rule after validating trigger, conditions and actions against the registries."""
    from .engine import validate_rule

    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        from .registry import RuleInvalid

        raise RuleInvalid(f"unknown rule fields: {', '.join(sorted(unknown))}")
    rule = rule or Rule(created_by=user if getattr(user, "pk", None) else None)
    for name, value in values.items():
        setattr(rule, name, value)
    cleaned = validate_rule(name=rule.name, trigger=rule.trigger, trigger_config=rule.trigger_config or {},
                            conditions=rule.conditions or {}, actions=rule.actions or [])
    rule.trigger_config, rule.conditions, rule.actions = cleaned
    rule.name = rule.name.strip()
    rule.save()
    return rule


@transaction.atomic
def rule_set_enabled(*, rule: Rule, enabled: bool) -> Rule:
    rule.is_enabled = enabled
    rule.save(update_fields=["is_enabled", "updated_at"])
    return rule
