"""The rule engine: validate rules against the registries, evaluate condition groups with a trace,
run actions in order, record every firing. Events caused by automation never trigger automation."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from socialcare.core.errors import DomainError
from socialcare.core.registry import NotRegistered
from socialcare.inbox.services import ticket_event_record

from .context import RuleContext
from .models import Rule, RuleRun, Trigger
from .registry import RuleInvalid, action_types, condition_types

logger = logging.getLogger(__name__)
GROUP_OPS = ("all", "any", "none")
MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_ACTIONS = 20


def is_automation_actor(actor: str | None) -> bool:
    """The loop guard: events caused by a rule do not run rules."""
    return str(actor or "").startswith("rule:")


# --- validation ------------------------------------------------------------------------------------------


def _clean_group(group: Any, path: str, depth: int, counter: list[int]) -> dict[str, Any]:
    if not isinstance(group, dict):
        raise RuleInvalid(f"{path}: a condition group must be an object with 'op' and 'conditions'")
    if depth > MAX_DEPTH:
        raise RuleInvalid(f"{path}: condition groups may be nested at most {MAX_DEPTH} deep")
    op = group.get("op", "all")
    if op not in GROUP_OPS:
        raise RuleInvalid(f"{path}: group operator {op!r} is unknown; use all, any or none")
    items = group.get("conditions", [])
    if not isinstance(items, list):
        raise RuleInvalid(f"{path}.conditions must be a list")
    cleaned: list[dict[str, Any]] = []
    for n, item in enumerate(items):
        where = f"{path}.conditions[{n}]"
        if isinstance(item, dict) and "conditions" in item:
            cleaned.append(_clean_group(item, where, depth + 1, counter))
            continue
        if not isinstance(item, dict) or "type" not in item:
            raise RuleInvalid(f"{where}: a condition needs a 'type'")
        counter[0] += 1
        if counter[0] > MAX_CONDITIONS:
            raise RuleInvalid(f"a rule may have at most {MAX_CONDITIONS} conditions")
        try:
            ctype = condition_types.get(str(item["type"]))
        except NotRegistered:
            raise RuleInvalid(f"{where}: unknown condition type {item['type']!r}; "
                              f"available: {', '.join(condition_types.keys())}") from None
        operator = str(item.get("operator") or ctype.operators[0])
        try:
            value = ctype.clean(operator, item.get("value"))
        except ValueError as exc:
            raise RuleInvalid(f"{where} ({ctype.label}): {exc}") from None
        cleaned.append({"type": ctype.key, "operator": operator, "value": value})
    return {"op": op, "conditions": cleaned}


def _clean_trigger(trigger: str, config: dict[str, Any]) -> dict[str, Any]:
    if trigger not in Trigger.values:
        raise RuleInvalid(f"unknown trigger {trigger!r}; use one of {', '.join(Trigger.values)}")
    if not isinstance(config, dict):
        raise RuleInvalid("trigger settings must be an object")
    if trigger == Trigger.TICKET_IDLE:
        try:
            minutes = int(config.get("minutes", 0))
        except (TypeError, ValueError):
            minutes = 0
        if minutes < 1:
            raise RuleInvalid("an idle trigger needs a number of minutes (1 or more)")
        return {"minutes": minutes}
    if trigger == Trigger.TICKET_UPDATED:
        fields = config.get("fields") or []
        if isinstance(fields, str):
            fields = [f.strip() for f in fields.split(",") if f.strip()]
        known = {"status", "priority", "assignee", "tags", "team"}
        unknown = [f for f in fields if f not in known]
        if unknown:
            raise RuleInvalid(f"unknown changed fields {', '.join(unknown)}; use {', '.join(sorted(known))}")
        return {"fields": list(fields)}
    if trigger in (Trigger.SLA_WARNING, Trigger.SLA_BREACHED):
        metric = config.get("metric") or ""
        if metric not in ("", "first_response", "next_response", "resolution"):
            raise RuleInvalid(f"unknown SLA target {metric!r}")
        return {"metric": metric} if metric else {}
    return {}


def validate_rule(*, name: str, trigger: str, trigger_config: dict[str, Any], conditions: Any,
                  actions: Any) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    if not (name or "").strip():
        raise RuleInvalid("a rule needs a name")
    config = _clean_trigger(trigger, trigger_config)
    group = _clean_group(conditions or {"op": "all", "conditions": []}, "conditions", 1, [0])
    if not isinstance(actions, list) or not actions:
        raise RuleInvalid("a rule needs at least one action")
    if len(actions) > MAX_ACTIONS:
        raise RuleInvalid(f"a rule may have at most {MAX_ACTIONS} actions")
    cleaned_actions = []
    for n, action in enumerate(actions):
        if not isinstance(action, dict) or "type" not in action:
            raise RuleInvalid(f"actions[{n}]: an action needs a 'type'")
        try:
            atype = action_types.get(str(action["type"]))
        except NotRegistered:
            raise RuleInvalid(f"actions[{n}]: unknown action type {action['type']!r}; "
                              f"available: {', '.join(action_types.keys())}") from None
        try:
            value = atype.clean(action.get("value"))
        except ValueError as exc:
            raise RuleInvalid(f"actions[{n}] ({atype.label}): {exc}") from None
        cleaned_actions.append({"type": atype.key, "value": value})
    return config, group, cleaned_actions


# --- evaluation ----------------------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) else value[:200]
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value][:20]
    return str(value)[:200]


def evaluate(group: dict[str, Any], ctx: RuleContext) -> tuple[bool, dict[str, Any]]:
    """Evaluate a condition group; returns (matched, trace). An empty 'all' group matches."""
    items: list[dict[str, Any]] = []
    results: list[bool] = []
    for item in group.get("conditions", []):
        if "conditions" in item:
            ok, trace = evaluate(item, ctx)
        else:
            ctype = condition_types.get(item["type"])
            actual = ctype.read(ctx)
            try:
                ok = ctype.test(actual, item["operator"], item["value"])
            except (TypeError, ValueError):
                ok = False
            trace = {"type": item["type"], "operator": item["operator"], "value": item["value"],
                     "label": ctype.describe(item["operator"], item["value"]), "actual": _jsonable(actual),
                     "matched": ok}
        items.append(trace)
        results.append(ok)
    op = group.get("op", "all")
    matched = all(results) if op == "all" else any(results) if op == "any" else not any(results)
    return matched, {"op": op, "matched": matched, "conditions": items}


def matched_labels(trace: dict[str, Any]) -> list[str]:
    """Flat list of the conditions that held (for 'why did this happen?')."""
    labels: list[str] = []
    for item in trace.get("conditions", []):
        if "conditions" in item:
            labels.extend(matched_labels(item))
        elif item.get("matched"):
            labels.append(item["label"])
    return labels


def _trigger_fits(rule: Rule, ctx: RuleContext) -> bool:
    config = rule.trigger_config or {}
    if rule.trigger == Trigger.TICKET_UPDATED and config.get("fields"):
        return bool(set(config["fields"]) & set(ctx.changed_fields))
    if rule.trigger in (Trigger.SLA_WARNING, Trigger.SLA_BREACHED) and config.get("metric"):
        return config["metric"] == ctx.extra.get("metric")
    return True


def rules_for(trigger: str, brand_id: int) -> list[Rule]:
    return list(Rule.objects.filter(is_enabled=True, trigger=trigger).filter(Q(brand_id=brand_id) | Q(brand=None))
                .order_by("position", "id"))


def rules_run(*, trigger: str, ctx: RuleContext, actor: str = "system", rules: list[Rule] | None = None) -> list[RuleRun]:
    """Run enabled rules for ``trigger``; each firing is recorded. Returns the runs."""
    if is_automation_actor(actor):
        logger.info("automation.loop_guard", extra={"ticket_id": ctx.ticket.pk, "actor": actor, "trigger": trigger})
        return []
    runs = []
    for rule in rules if rules is not None else rules_for(trigger, ctx.ticket.brand_id):
        if not _trigger_fits(rule, ctx):
            continue
        matched, trace = evaluate(rule.conditions or {}, ctx)
        if not matched:
            continue
        runs.append(_fire(rule, ctx, trace, actor))
        if rule.stop_processing:
            break
    return runs


def _fire(rule: Rule, ctx: RuleContext, trace: dict[str, Any], event_actor: str) -> RuleRun:
    results = []
    for action in rule.actions:
        atype = action_types.get(action["type"])
        try:
            with transaction.atomic():
                summary = atype.run(ctx, action["value"], rule.actor)
            results.append({"type": atype.key, "ok": True, "summary": summary})
        except DomainError as exc:  # the platform or a business rule refused: mark it, go on
            results.append({"type": atype.key, "ok": False, "summary": exc.message})
            logger.warning("automation.action_failed", extra={"rule_id": rule.pk, "action": atype.key,
                                                              "error": exc.message})
        ctx.ticket.refresh_from_db()
        ctx.__dict__.pop("tags", None)
    run = RuleRun.objects.create(rule=rule, ticket=ctx.ticket, message=ctx.message, trigger=ctx.trigger,
                                 event_actor=event_actor, matched=trace, results=results, created_at=timezone.now())
    ticket_event_record(ticket=ctx.ticket, kind="rule.fired", actor=rule.actor,
                        data={"rule_id": rule.pk, "rule": rule.name, "run_id": run.pk,
                              "because": matched_labels(trace), "did": [r["summary"] for r in results]})
    return run


def rule_dry_run(*, trigger: str, trigger_config: dict[str, Any], conditions: dict[str, Any],
                 actions: list[dict[str, Any]], ctx: RuleContext) -> dict[str, Any]:
    """Evaluate a (possibly unsaved) rule against a past message: no side effects at all."""
    ctx.dry_run = True
    matched, trace = evaluate(conditions, ctx)
    would = [action_types.get(a["type"]).explain(a["value"]) for a in actions] if matched else []
    return {"matched": matched, "trace": trace, "because": matched_labels(trace) if matched else [],
            "would": would, "trigger": trigger, "trigger_config": trigger_config}
