"""Built-in condition types. Missing data (no message, no enrichment yet) never matches."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_noop

from socialcare.inbox.models import MessageKind, Priority, TicketStatus

from .models import Trigger
from .registry import ConditionType, register_condition

TEXT_OPS = ("contains", "not_contains", "matches")
CHOICE_OPS = ("eq", "ne", "in")
NUMBER_OPS = ("gte", "lte")


def _channel_kinds() -> Sequence[tuple[str, str]]:
    from socialcare.channels.connectors.registry import connector_registry

    return [(key, key) for key in connector_registry.keys()]


def _statuses() -> Sequence[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in TicketStatus.choices]


def _kinds() -> Sequence[tuple[str, str]]:
    return [(str(v), str(label)) for v, label in MessageKind.choices]


def _visibilities() -> Sequence[tuple[str, str]]:
    return [("public", "public"), ("private", "private")]


def _metrics() -> Sequence[tuple[str, str]]:
    return [("first_response", "first response"), ("next_response", "next response"), ("resolution", "resolution")]


for item in (
    ConditionType("channel_kind", gettext_noop("Channel"), "choice", CHOICE_OPS, lambda c: c.ticket.channel_account.kind,
                  _channel_kinds),
    ConditionType("brand", gettext_noop("Brand (slug)"), "text", CHOICE_OPS, lambda c: c.ticket.brand.slug),
    ConditionType("message_kind", gettext_noop("Message kind"), "choice", CHOICE_OPS,
                  lambda c: c.message.kind if c.message else None, _kinds),
    ConditionType("visibility", gettext_noop("Visibility"), "choice", ("eq", "ne"),
                  lambda c: c.message.visibility if c.message else None, _visibilities),
    ConditionType("text", gettext_noop("Message text"), "text", TEXT_OPS, lambda c: c.message.text if c.message else None),
    ConditionType("language", gettext_noop("Language"), "text", CHOICE_OPS, lambda c: c.enriched("language", "code")),
    ConditionType("sentiment", gettext_noop("Sentiment"), "text", CHOICE_OPS, lambda c: c.enriched("sentiment", "label")),
    ConditionType("sentiment_score", gettext_noop("Sentiment score"), "number", NUMBER_OPS,
                  lambda c: c.enriched("sentiment", "score")),
    ConditionType("actionable", gettext_noop("Actionability"), "text", CHOICE_OPS, lambda c: c.enriched("actionable", "label")),
    ConditionType("actionable_probability", gettext_noop("Actionable probability"), "number", NUMBER_OPS,
                  lambda c: c.enriched("actionable", "probability")),
    ConditionType("intent", gettext_noop("Intent"), "text", CHOICE_OPS, lambda c: c.enriched("intent", "label")),
    ConditionType("pii_found", gettext_noop("Personal data found"), "bool", ("is",),
                  lambda c: bool(c.enrichment["pii"]) if "pii" in c.enrichment else None),
    ConditionType("follower_count", gettext_noop("Author's followers"), "int", ("gte", "lte"),
                  lambda c: c.identity.follower_count if c.identity else None),
    ConditionType("verified", gettext_noop("Verified author"), "bool", ("is",), lambda c: c.identity.verified if c.identity else None),
    ConditionType("tag", gettext_noop("Ticket tags"), "text", ("has", "has_not"), lambda c: c.tags),
    ConditionType("priority", gettext_noop("Priority"), "int", ("gte", "lte", "eq"), lambda c: c.ticket.priority,
                  lambda: [(str(v), str(label)) for v, label in Priority.choices]),
    ConditionType("status", gettext_noop("Status"), "choice", CHOICE_OPS, lambda c: c.ticket.status, _statuses),
    ConditionType("business_hours", gettext_noop("Within business hours"), "bool", ("is",), lambda c: c.brand_open),
    ConditionType("changed_field", gettext_noop("Changed field"), "text", ("has",), lambda c: list(c.changed_fields)),
    ConditionType("sla_metric", gettext_noop("SLA target"), "choice", ("eq",), lambda c: c.extra.get("metric"), _metrics),
):
    register_condition(item)

TRIGGER_KEYS = [str(t) for t in Trigger.values]
