"""Extension points of the agent UI, so features add panels without editing core templates.

- ``ticket_panels``: templates included in the ticket view below the composer; each entry is
  (template name, context function ``(request, ticket) -> dict``).
- ``composer_panels``: templates included inside the composer (e.g. approved templates when a
  messaging window has closed).
- ``nav_links``: (url name, label) pairs shown in the top bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialcare.core.registry import Registry

PanelContext = Callable[[Any, Any], dict[str, Any]]

ticket_panels: Registry[tuple[str, PanelContext]] = Registry("ticket panels")
composer_panels: Registry[tuple[str, PanelContext]] = Registry("composer panels")
nav_links: Registry[tuple[str, str]] = Registry("nav links")


def render_panels(registry: Registry[tuple[str, PanelContext]], request: Any, ticket: Any) -> list[dict[str, Any]]:
    panels = []
    for key, (template, context_fn) in registry.items():
        panels.append({"key": key, "template": template, "context": context_fn(request, ticket)})
    return panels
