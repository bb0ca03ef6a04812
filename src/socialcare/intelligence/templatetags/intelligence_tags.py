"""Template helpers of the intelligence UI (choices for the inbox's enrichment filters)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from ..intent import INTENTS
from ..stage import default_languages

register = template.Library()


def _sentiments() -> list[tuple[str, str]]:
    return [("negative", _("negative")), ("neutral", _("neutral")), ("positive", _("positive"))]


@register.simple_tag
def enrichment_filter_choices() -> dict[str, Any]:
    return {
        "languages": default_languages(),
        "sentiments": _sentiments(),
        "intents": [(i, i.replace("_", " ")) for i in INTENTS],
        "intent_values": [("value", _("value-creating contacts")), ("waste", _("failure demand (waste)"))],
    }
