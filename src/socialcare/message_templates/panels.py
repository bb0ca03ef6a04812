"""The composer panel: approved templates, and why free-form text cannot be sent outside the window."""

from __future__ import annotations

from typing import Any

from .services import parameter_count, templates_for_account, window_state

PANEL_KEY = "message_templates"


def composer_panel_context(request: Any, ticket: Any) -> dict[str, Any]:
    state = window_state(ticket)
    if not state.rules.template_outside_window:
        return {"enabled": False}
    templates = []
    for template in templates_for_account(ticket.channel_account_id):
        count = parameter_count(template)
        labels = list(template.parameter_labels or [])
        templates.append({
            "obj": template,
            "parameters": [{"number": n, "label": labels[n - 1] if n <= len(labels) else ""}
                           for n in range(1, count + 1)],
        })
    return {"enabled": True, "ticket": ticket, "window": state, "templates": templates}
