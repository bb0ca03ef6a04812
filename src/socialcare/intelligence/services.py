"""Writes of the noise filter: filter a ticket, learn from a correction, set the threshold.

Every change to a ticket leaves a ``TicketEvent``; corrections are stored as ``NoiseFeedback`` and
teach the brand's ``BrandNoiseAdapter`` at once (one incremental step, state saved in the brand's
settings row; workers pick up the new ``adapter_version`` on their next batch).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from socialcare.core import events
from socialcare.core.errors import DomainError
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Direction, Message, MessageKind, Ticket, TicketStatus, Visibility

from .adaptation import BrandNoiseAdapter, threshold_for_target_recall
from .enrich import get_enricher
from .models import (
    DEFAULT_THRESHOLD,
    BrandFilterSettings,
    FeedbackLabel,
    NoiseFeedback,
    filter_enabled_by_default,
)
from .pii import mask_pii

logger = logging.getLogger(__name__)

# Public messages of these kinds are scored by the noise filter; so is every listening-stream hit.
FILTERABLE_KINDS = frozenset({MessageKind.MENTION, MessageKind.POST})
STREAM_SOURCE_PREFIX = "stream:"
MIN_ACTIONABLE_LABELS = 20  # fewer confirmed actionable messages than this: no threshold by recall


# --- settings -------------------------------------------------------------------------------------------


def filter_settings_for(brand_id: int, *, lock: bool = False) -> BrandFilterSettings:
    """The brand's settings row, created with the defaults on first use."""
    qs = BrandFilterSettings.objects.all()
    if lock:
        qs = qs.select_for_update()
    row = qs.filter(brand_id=brand_id).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            BrandFilterSettings.objects.create(brand_id=brand_id)
    except IntegrityError:  # created concurrently
        pass
    return qs.get(brand_id=brand_id)


def required_actionable_labels(target_recall: float) -> int:
    """Recall is only as fine as 1 / (actionable labels): 97 % needs at least 34 of them."""
    return max(MIN_ACTIONABLE_LABELS, math.ceil(1.0 / (1.0 - target_recall) + 1e-9))


# --- the decision ---------------------------------------------------------------------------------------


def _stream_hit_converted_by_hand(message: Message) -> bool:
    if not apps.is_installed("socialcare.listening") or message.raw_event_id is None:
        return False
    stream_hit = apps.get_model("listening", "StreamHit")
    return bool(stream_hit.objects.filter(raw_event_id=message.raw_event_id, converted_by__isnull=False).exists())


def is_filter_candidate(message: Message) -> bool:
    """Public mentions/posts and listening-stream hits are scored; DMs, comments and replies never."""
    if message.direction != Direction.INBOUND or message.visibility != Visibility.PUBLIC:
        return False
    source = str(((message.raw_event.headers or {}) if message.raw_event_id else {}).get("x-socialcare-source", ""))
    if source.startswith(STREAM_SOURCE_PREFIX):
        return not _stream_hit_converted_by_hand(message)  # an agent chose it: never filter it away
    return message.kind in FILTERABLE_KINDS


def actionable_of(message: Message) -> dict[str, Any]:
    return dict((message.enrichment or {}).get("actionable") or {})


def ticket_filter(*, ticket: Ticket, message: Message, actor: str = "system") -> bool:
    """Move a new ticket to the Filtered view; returns False if it was filtered already."""
    act = actionable_of(message)
    with transaction.atomic():
        if not Ticket.objects.filter(pk=ticket.pk, is_filtered=False).update(is_filtered=True):
            return False
        ticket.is_filtered = True
        inbox.ticket_event_record(ticket=ticket, kind="ticket.filtered", actor=actor, data={
            "message_id": message.pk,
            "probability": act.get("probability"),
            "global_probability": act.get("global_probability"),
            "threshold": act.get("threshold"),
            "top_features": act.get("top_features") or [],
        })
        filter_settings_for(ticket.brand_id)
        BrandFilterSettings.objects.filter(brand_id=ticket.brand_id).update(filtered_count=F("filtered_count") + 1)
    logger.info("noise.filtered", extra={"ticket_id": ticket.pk, "probability": act.get("probability")})
    return True


def _unfilter(*, ticket: Ticket, actor: str, data: dict[str, Any]) -> None:
    ticket.is_filtered = False
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["is_filtered", "updated_at"])
    inbox.ticket_event_record(ticket=ticket, kind="ticket.unfiltered", actor=actor, data=data)
    events.publish("ticket.changed", {"ticket_id": ticket.pk, "fields": ["is_filtered"], "actor": actor})


def filter_decide(*, ticket: Ticket, message: Message) -> bool:
    """Filter a new ticket whose first message is a public candidate scored below the threshold."""
    act = actionable_of(message)
    probability = act.get("probability")
    if probability is None or ticket.is_filtered or not is_filter_candidate(message):
        return False
    settings_row = BrandFilterSettings.objects.filter(brand_id=ticket.brand_id).first()
    enabled = settings_row.enabled if settings_row is not None else filter_enabled_by_default()
    threshold = settings_row.threshold if settings_row is not None else DEFAULT_THRESHOLD
    if not enabled or float(probability) >= threshold:
        return False
    return ticket_filter(ticket=ticket, message=message)


def filter_followup(*, ticket: Ticket, message: Message) -> bool:
    """A filtered ticket that gets a private or an actionable follow-up goes back to the inbox."""
    if not ticket.is_filtered or not ticket.is_open:
        return False
    act = actionable_of(message)
    threshold = filter_settings_for(ticket.brand_id).threshold
    private = message.visibility == Visibility.PRIVATE
    if not private and (act.get("probability") is None or float(act["probability"]) < threshold):
        return False
    with transaction.atomic():
        _unfilter(ticket=ticket, actor="system", data={
            "message_id": message.pk, "reason": "private follow-up" if private else "actionable follow-up",
            "probability": act.get("probability"),
        })
    return True


# --- corrections ------------------------------------------------------------------------------------------


def judged_message(ticket: Ticket) -> Message | None:
    """The message the filter decided on, else the ticket's first customer message."""
    event = ticket.events.filter(kind="ticket.filtered").order_by("-created_at", "-id").first()
    if event is not None and event.data.get("message_id"):
        found = ticket.messages.filter(pk=event.data["message_id"]).first()
        if found is not None:
            return found
    return ticket.messages.filter(direction=Direction.INBOUND).order_by("occurred_at", "id").first()


def feedback_record(*, ticket: Ticket, label: str, user: Any) -> NoiseFeedback:
    """An agent's correction: "not_noise" returns a filtered ticket to the inbox, "noise" closes the
    ticket (and files it in the Filtered view). Either way the brand's adapter learns from it now."""
    if label not in FeedbackLabel.values:
        raise DomainError(_("Feedback must be 'noise' or 'not_noise'."), code="invalid_label")
    actor = inbox.actor_of(user)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("brand").get(pk=ticket.pk)
        if label == FeedbackLabel.NOT_NOISE and not ticket.is_filtered:
            raise DomainError(_("This ticket is not filtered; it is already in the inbox."), code="not_filtered")
        if label == FeedbackLabel.NOISE and ticket.is_filtered and ticket.status == TicketStatus.CLOSED:
            raise DomainError(_("This ticket was already marked as noise."), code="already_noise")
        message = judged_message(ticket)
        if message is None:
            raise DomainError(_("This ticket has no customer message to learn from."), code="no_message")
        settings_row = filter_settings_for(ticket.brand_id, lock=True)
        act = actionable_of(message)
        adapter = BrandNoiseAdapter.from_state(bytes(settings_row.adapter_state) or None, enricher=get_enricher())
        before = adapter.predict_proba([message.text])[0]
        adapter.update([message.text], [label == FeedbackLabel.NOT_NOISE])
        settings_row.adapter_state = adapter.to_state()
        settings_row.adapter_version += 1
        counter = "not_noise_count" if label == FeedbackLabel.NOT_NOISE else "noise_count"
        setattr(settings_row, counter, getattr(settings_row, counter) + 1)
        settings_row.save(update_fields=["adapter_state", "adapter_version", counter, "updated_at"])
        probability = act.get("probability")
        feedback = NoiseFeedback.objects.create(
            brand_id=ticket.brand_id, ticket=ticket, message=message, label=label, user=user,
            created_at=timezone.now(), probability=float(probability if probability is not None else before),
            global_probability=act.get("global_probability"), probability_before_update=round(before, 4),
            was_filtered=ticket.is_filtered, threshold=settings_row.threshold,
        )
        data = {"feedback_id": feedback.pk, "label": label, "message_id": message.pk,
                "probability": feedback.probability}
        if label == FeedbackLabel.NOT_NOISE:
            _unfilter(ticket=ticket, actor=actor, data={**data, "reason": "agent: not noise"})
        else:
            if not ticket.is_filtered:
                ticket.is_filtered = True
                ticket.save(update_fields=["is_filtered"])
            inbox.ticket_event_record(ticket=ticket, kind="ticket.noise_confirmed", actor=actor, data=data)
            inbox.ticket_set_status(ticket=ticket, status=TicketStatus.CLOSED, actor=actor)
    logger.info("noise.feedback", extra={"ticket_id": ticket.pk, "label": label, "brand_id": ticket.brand_id})
    return feedback


# --- threshold ------------------------------------------------------------------------------------------------


def threshold_set_for_target_recall(*, brand_id: int, target_recall: float, user: Any) -> BrandFilterSettings:
    """Choose the highest threshold that keeps ``target_recall`` of the actionable messages agents
    identified (corrections, and replies to messages the filter let through)."""
    from .selectors import labelled_examples

    if not 0.5 <= target_recall < 1.0:
        raise DomainError(_("The target recall must be at least 50 % and below 100 %."), code="invalid_target")
    examples = labelled_examples(brand_id=brand_id)
    needed = required_actionable_labels(target_recall)
    if examples.actionable < needed:
        raise DomainError(
            _("Not enough corrections yet: this target needs at least %(needed)s messages that agents "
              "confirmed as actionable, there are %(have)s.") % {"needed": needed, "have": examples.actionable},
            code="not_enough_corrections",
        )
    threshold = threshold_for_target_recall(examples.probabilities, examples.labels, target_recall)
    with transaction.atomic():
        settings_row = filter_settings_for(brand_id, lock=True)
        settings_row.threshold = round(float(threshold), 4)
        settings_row.target_recall = target_recall
        settings_row.threshold_set_at = timezone.now()
        settings_row.threshold_set_by = user if getattr(user, "is_authenticated", False) else None
        settings_row.save(update_fields=["threshold", "target_recall", "threshold_set_at", "threshold_set_by",
                                         "updated_at"])
    logger.info("noise.threshold_set", extra={"brand_id": brand_id, "threshold": settings_row.threshold,
                                              "target_recall": target_recall})
    return settings_row


def filter_enable(*, brand_id: int, enabled: bool, user: Any) -> BrandFilterSettings:
    with transaction.atomic():
        settings_row = filter_settings_for(brand_id, lock=True)
        if settings_row.enabled != enabled:
            settings_row.enabled = enabled
            settings_row.save(update_fields=["enabled", "updated_at"])
    logger.info("noise.filter_enabled", extra={"brand_id": brand_id, "enabled": enabled,
                                               "actor": inbox.actor_of(user)})
    return settings_row


def adapter_reset(*, brand_id: int) -> BrandFilterSettings:
    """Forget what the brand's corrections taught (the feedback rows and measurements stay)."""
    with transaction.atomic():
        settings_row = filter_settings_for(brand_id, lock=True)
        settings_row.adapter_state = b""
        settings_row.adapter_version += 1
        settings_row.save(update_fields=["adapter_state", "adapter_version", "updated_at"])
    return settings_row


# --- personal data in list views --------------------------------------------------------------------------


def tickets_subject_mask(messages: Iterable[Message]) -> int:
    """Mask personal data in the subject of tickets opened by a message that carries some (the
    subject is a copy of the first message and shows up in every list); the message keeps its text."""
    with_pii = [m for m in messages if (m.enrichment or {}).get("pii")]
    if not with_pii:
        return 0
    subjects = dict(Ticket.objects.filter(pk__in={m.ticket_id for m in with_pii}).values_list("pk", "subject"))
    changed = 0
    for message in with_pii:
        original = subjects.get(message.ticket_id)
        if original is None or original != message.text[:120]:
            continue
        masked = mask_pii(message.text, message.enrichment["pii"])[:120]
        changed += Ticket.objects.filter(pk=message.ticket_id, subject=original).update(subject=masked)
    return changed
