from __future__ import annotations

from typing import Any

from .engine import matched_labels
from .models import RuleRun, Trigger


def rule_runs_panel(request: Any, ticket: Any) -> dict[str, Any]:
    """'Why did this happen?': every rule that fired on this ticket, the conditions that held, what it did."""
    runs = []
    for run in RuleRun.objects.filter(ticket=ticket).select_related("rule")[:20]:
        runs.append({"run": run, "rule": run.rule, "trigger": dict(Trigger.choices).get(run.trigger, run.trigger), "because": matched_labels(run.matched), "results": run.results})
    return {"runs": runs}
