"""REST API for rules: list, create, update, enable, test against a past message, firing history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema

from socialcare.accounts.access import access_brand_id, access_ticket, check_can_manage, visible_brand_ids
from socialcare.core.errors import NotFound
from socialcare.inbox.models import Message

from . import engine, services
from .context import RuleContext
from .models import Rule, RuleRun
from .registry import OPERATOR_LABELS, action_types, condition_types

router = Router(tags=["rules"])


class RuleIn(Schema):
    name: str
    brand_id: int | None = None
    trigger: str
    trigger_config: dict[str, Any] = {}
    conditions: dict[str, Any] = {"op": "all", "conditions": []}
    actions: list[dict[str, Any]]
    is_enabled: bool = False
    position: int = 100
    stop_processing: bool = False


class RuleOut(Schema):
    id: int
    name: str
    brand_id: int | None
    trigger: str
    trigger_config: dict[str, Any]
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    is_enabled: bool
    position: int
    stop_processing: bool
    updated_at: datetime


class EnableIn(Schema):
    enabled: bool


class DryRunIn(Schema):
    message_id: int


class RunOut(Schema):
    id: int
    rule_id: int
    rule_name: str
    ticket_id: int
    message_id: int | None
    trigger: str
    because: list[str]
    results: list[dict[str, Any]]
    created_at: datetime

    @staticmethod
    def resolve_rule_name(obj: RuleRun) -> str:
        return obj.rule.name

    @staticmethod
    def resolve_because(obj: RuleRun) -> list[str]:
        return engine.matched_labels(obj.matched)


def _rules_for(user: Any) -> Any:
    brand_ids = visible_brand_ids(user)
    qs = Rule.objects.all()
    if brand_ids is not None:
        qs = qs.filter(Q(brand_id__in=brand_ids) | Q(brand=None))
    return qs


def access_rule(user: Any, rule_id: int) -> Rule:
    rule = _rules_for(user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("rule not found")
    return rule


@router.get("/types")
def rule_types(request: HttpRequest) -> dict[str, Any]:
    """The condition and action types rules may use (from the registries)."""
    return {
        "conditions": [{"type": k, "label": c.label, "operators": {op: OPERATOR_LABELS[op] for op in c.operators},
                        "value_kind": c.value_kind} for k, c in condition_types.items()],
        "actions": [{"type": k, "label": a.label, "value_kind": a.value_kind} for k, a in action_types.items()],
        "groups": list(engine.GROUP_OPS),
    }


@router.get("", response=list[RuleOut])
def list_rules(request: HttpRequest) -> Any:
    return list(_rules_for(request.user))


@router.post("", response={201: RuleOut})
def create_rule(request: HttpRequest, payload: RuleIn) -> Any:
    check_can_manage(request.user)
    if payload.brand_id is not None:
        access_brand_id(request.user, payload.brand_id)
    return 201, services.rule_save(user=request.user, **payload.dict())


@router.get("/runs", response=list[RunOut])
def rule_runs(request: HttpRequest, ticket_id: int) -> Any:
    """Why did this happen? Every rule firing on a ticket, with the conditions that held."""
    ticket = access_ticket(request.user, ticket_id)
    return list(RuleRun.objects.filter(ticket=ticket).select_related("rule")[:100])


@router.get("/{rule_id}", response=RuleOut)
def get_rule(request: HttpRequest, rule_id: int) -> Any:
    return access_rule(request.user, rule_id)


@router.put("/{rule_id}", response=RuleOut)
def update_rule(request: HttpRequest, rule_id: int, payload: RuleIn) -> Any:
    rule = access_rule(request.user, rule_id)
    check_can_manage(request.user)
    if payload.brand_id is not None:
        access_brand_id(request.user, payload.brand_id)
    return services.rule_save(rule=rule, **payload.dict())


@router.post("/{rule_id}/enable", response=RuleOut)
def enable_rule(request: HttpRequest, rule_id: int, payload: EnableIn) -> Any:
    rule = access_rule(request.user, rule_id)
    check_can_manage(request.user)
    return services.rule_set_enabled(rule=rule, enabled=payload.enabled)


@router.delete("/{rule_id}", response={204: None})
def delete_rule(request: HttpRequest, rule_id: int) -> Any:
    rule = access_rule(request.user, rule_id)
    check_can_manage(request.user)
    rule.delete()
    return 204, None


@router.post("/{rule_id}/test")
def test_rule(request: HttpRequest, rule_id: int, payload: DryRunIn) -> dict[str, Any]:
    """Dry run against a past message: which conditions hold and what the rule would do. No side effects."""
    rule = access_rule(request.user, rule_id)
    return dry_run_for(request.user, rule.trigger, rule.trigger_config, rule.conditions, rule.actions,
                       payload.message_id)


def dry_run_for(user: Any, trigger: str, trigger_config: dict[str, Any], conditions: dict[str, Any],
                actions: list[dict[str, Any]], message_id: int) -> dict[str, Any]:
    message = Message.objects.filter(pk=message_id).select_related("author_identity").first()
    if message is None:
        raise NotFound("message not found")
    ticket = access_ticket(user, message.ticket_id)
    ctx = RuleContext(ticket=ticket, message=message, trigger=trigger)
    return engine.rule_dry_run(trigger=trigger, trigger_config=trigger_config, conditions=conditions,
                               actions=actions, ctx=ctx)
