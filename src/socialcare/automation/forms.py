"""The rule builder as plain HTML forms: a group operator with condition rows, action rows, and an
optional JSON field for nested condition groups. Turns POST data into the rule's JSON and back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .registry import RuleInvalid

CONDITION_ROWS = 6
ACTION_ROWS = 4


@dataclass
class RuleDraft:
    name: str = ""
    brand_id: int | None = None
    trigger: str = "message.received"
    trigger_config: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=lambda: {"op": "all", "conditions": []})
    actions: list[dict[str, Any]] = field(default_factory=list)
    position: int = 100
    stop_processing: bool = False

    def values(self) -> dict[str, Any]:
        return {"name": self.name, "brand_id": self.brand_id, "trigger": self.trigger,
                "trigger_config": self.trigger_config, "conditions": self.conditions, "actions": self.actions,
                "position": self.position, "stop_processing": self.stop_processing}


def draft_from_post(data: Any) -> RuleDraft:
    brand = str(data.get("brand") or "").strip()
    trigger = str(data.get("trigger") or "")
    config: dict[str, Any] = {}
    if data.get("trigger_minutes"):
        config["minutes"] = data.get("trigger_minutes")
    if data.get("trigger_fields"):
        config["fields"] = [f.strip() for f in str(data.get("trigger_fields")).split(",") if f.strip()]
    if data.get("trigger_metric"):
        config["metric"] = data.get("trigger_metric")
    advanced = str(data.get("conditions_json") or "").strip()
    if advanced:
        try:
            conditions = json.loads(advanced)
        except json.JSONDecodeError as exc:
            raise RuleInvalid(f"the condition JSON is not valid: {exc.msg} (line {exc.lineno})") from None
    else:
        rows = []
        for n in range(int(data.get("condition_rows") or CONDITION_ROWS)):
            kind = str(data.get(f"cond-{n}-type") or "").strip()
            if kind:
                rows.append({"type": kind, "operator": str(data.get(f"cond-{n}-operator") or "").strip(),
                             "value": str(data.get(f"cond-{n}-value") or "")})
        conditions = {"op": str(data.get("group_op") or "all"), "conditions": rows}
    actions = []
    for n in range(int(data.get("action_rows") or ACTION_ROWS)):
        kind = str(data.get(f"act-{n}-type") or "").strip()
        if kind:
            actions.append({"type": kind, "value": str(data.get(f"act-{n}-value") or "")})
    try:
        position = int(data.get("position") or 100)
    except ValueError:
        raise RuleInvalid("the position must be a whole number") from None
    return RuleDraft(name=str(data.get("name") or "").strip(), brand_id=int(brand) if brand.isdigit() else None,
                     trigger=trigger, trigger_config=config, conditions=conditions, actions=actions,
                     position=position, stop_processing=bool(data.get("stop_processing")))


def _flat(conditions: dict[str, Any]) -> bool:
    return all("conditions" not in c for c in conditions.get("conditions", []))


def rows_for(draft: RuleDraft) -> dict[str, Any]:
    """Template rows for a draft: flat groups fill the rows, nested ones go to the JSON field."""
    conditions = draft.conditions or {"op": "all", "conditions": []}
    flat = _flat(conditions)
    items = conditions.get("conditions", []) if flat else []
    cond_rows = [{"n": n, "type": c.get("type", ""), "operator": c.get("operator", ""),
                  "value": ", ".join(map(str, c["value"])) if isinstance(c.get("value"), list) else c.get("value", "")}
                 for n, c in enumerate(items)]
    while len(cond_rows) < max(CONDITION_ROWS, len(items) + 2):
        cond_rows.append({"n": len(cond_rows), "type": "", "operator": "", "value": ""})
    act_rows = [{"n": n, "type": a.get("type", ""),
                 "value": ", ".join(map(str, a["value"])) if isinstance(a.get("value"), list)
                 else ("" if a.get("value") is None else a.get("value"))}
                for n, a in enumerate(draft.actions)]
    while len(act_rows) < max(ACTION_ROWS, len(draft.actions) + 1):
        act_rows.append({"n": len(act_rows), "type": "", "value": ""})
    return {"condition_rows": cond_rows, "action_rows": act_rows, "group_op": conditions.get("op", "all"),
            "conditions_json": "" if flat else json.dumps(conditions, indent=2)}
