"""Automatic messages: out-of-hours replies, the welcome menu for private messages, and replies sent
by rules. All go through ``reply_create`` (so channel rules apply), carry the channel's
automated-message disclosure where it asks for one, are marked ``metrics.automated`` (SLA clocks
ignore them) and are logged so that no customer gets the same kind twice within the brand's period."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from socialcare.channels.accounts import account_info
from socialcare.channels.connectors.registry import get_adapter
from socialcare.core.errors import DomainError
from socialcare.inbox import services as inbox
from socialcare.inbox.models import Direction, Message, Ticket
from socialcare.sla import business_time as bt
from socialcare.sla.calendars import calendar_for_brand

from .models import AutoMessageConfig, AutoMessageKind, AutoMessageLog

logger = logging.getLogger(__name__)
ACTOR = "automation"

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
}
MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
}
OUT_OF_HOURS_PRIVATE = {
    "en": "Thanks for your message! Our team is offline right now and back on {when}. We will answer you then.",
    "de": "Danke für Ihre Nachricht! Unser Team ist gerade nicht erreichbar und ab {when} wieder für Sie da.",
    "nl": "Bedankt voor je bericht! Ons team is nu offline en vanaf {when} weer bereikbaar. We antwoorden je dan.",
}
OUT_OF_HOURS_PUBLIC = {
    "en": "Thanks! We're back on {when} and will reply then.",
    "de": "Danke! Wir sind ab {when} wieder da und antworten dann.",
    "nl": "Bedankt! We zijn vanaf {when} terug en reageren dan.",
}
WELCOME = {
    "en": "Hi! Thanks for reaching out. What is your message about?",
    "de": "Hallo! Danke für Ihre Nachricht. Worum geht es?",
    "nl": "Hallo! Bedankt voor je bericht. Waar gaat het over?",
}
LANGUAGES = tuple(WEEKDAYS)


def format_opening(at: datetime, tz: Any, language: str) -> str:
    """'Monday 30 March, 09:00 CEST' / 'Montag, 30. März, 09:00 Uhr (CEST)' / 'maandag 30 maart, 09:00 (CEST)'."""
    local = at.astimezone(tz)
    day, month = WEEKDAYS[language][local.weekday()], MONTHS[language][local.month - 1]
    zone = local.tzname() or ""
    if language == "de":
        return f"{day}, {local.day}. {month}, {local:%H:%M} Uhr ({zone})"
    if language == "nl":
        return f"{day} {local.day} {month}, {local:%H:%M} ({zone})"
    return f"{day} {local.day} {month}, {local:%H:%M} {zone}"


def config_for(brand_id: int) -> AutoMessageConfig:
    return AutoMessageConfig.objects.filter(brand_id=brand_id).first() or AutoMessageConfig(brand_id=brand_id)


def language_for(message: Message | None, ticket: Ticket, config: AutoMessageConfig) -> str:
    enrichment = (message.enrichment or {}) if message is not None else {}
    language = enrichment.get("language")
    code = str(language.get("code") or "") if isinstance(language, dict) else ""
    if code in LANGUAGES:
        return code
    for candidate in (config.default_language, *(ticket.brand.languages or [])):
        if candidate in LANGUAGES:
            return str(candidate)
    return "en"


def with_disclosure(ticket: Ticket, text: str) -> str:
    account = ticket.channel_account
    disclosure = get_adapter(account.kind).rules(account_info(account)).automated_disclosure
    if disclosure and disclosure not in text:
        return f"{text}\n\n{disclosure}"
    return text


@transaction.atomic
def automatic_reply_send(*, ticket: Ticket, text: str, visibility: str | None, kind: str, actor: str,
                         options: dict[str, Any] | None = None, language: str = "") -> Message:
    """Send an automatic message through ``reply_create`` and log it."""
    message = inbox.reply_create(ticket=ticket, user=None, text=with_disclosure(ticket, text),
                                 visibility=visibility, actor=actor)
    message.metrics = {**message.metrics, "automated": kind, **({"options": options} if options else {})}
    message.save(update_fields=["metrics"])
    AutoMessageLog.objects.create(customer_id=ticket.customer_id, ticket=ticket, message=message, kind=kind,
                                  visibility=message.visibility, thread_key=_thread_of(ticket, message.visibility),
                                  language=language, sent_at=timezone.now())
    return message


def _thread_of(ticket: Ticket, visibility: str) -> str:
    last = (ticket.messages.filter(direction=Direction.INBOUND, visibility=visibility).exclude(thread_key="")
            .order_by("-occurred_at").first())
    return last.thread_key if last else ""


def agent_has_answered(ticket: Ticket) -> bool:
    return ticket.messages.filter(direction=Direction.OUTBOUND).exclude(metrics__has_key="automated").exists()


def _recently_sent(customer_id: int, kind: str, hours: int, now: datetime) -> bool:
    return AutoMessageLog.objects.filter(customer_id=customer_id, kind=kind,
                                         sent_at__gte=now - timedelta(hours=hours)).exists()


# --- welcome menu -------------------------------------------------------------------------------------------


def _options(config: AutoMessageConfig) -> list[dict[str, str]]:
    options = []
    for item in config.welcome_options or []:
        if isinstance(item, dict) and item.get("payload"):
            options.append({"title": str(item.get("title") or item["payload"]), "payload": str(item["payload"])})
    return options


def choice_in(message: Message, options: list[dict[str, str]]) -> str:
    """The option a customer picked: a quick-reply payload marked by the connector, or the option typed."""
    marked = (message.metrics or {}).get("quick_reply")
    if isinstance(marked, dict):
        marked = marked.get("payload") or marked.get("title")
    if marked:
        return str(marked)
    typed = message.text.strip().lower()
    for option in options:
        if typed in (option["title"].lower(), option["payload"].lower()):
            return option["payload"]
    return ""


def awaiting_choice(ticket: Ticket) -> datetime | None:
    """Routing hold: until when to wait for the customer's welcome-menu choice (None: do not wait)."""
    log = (AutoMessageLog.objects.filter(ticket=ticket, kind=AutoMessageKind.WELCOME, choice="")
           .order_by("-sent_at").first())
    if log is None:
        return None
    return log.sent_at + timedelta(hours=1)


@transaction.atomic
def welcome_choice_apply(*, message: Message) -> str:
    ticket = message.ticket
    log = (AutoMessageLog.objects.select_for_update()
           .filter(ticket=ticket, kind=AutoMessageKind.WELCOME, choice="").order_by("-sent_at").first())
    if log is None:
        return ""
    choice = choice_in(message, _options(config_for(ticket.brand_id)))
    if not choice:
        return ""
    tag = choice.strip().lower()[:64]
    inbox.ticket_tag(ticket=ticket, names=[tag], actor=ACTOR)
    log.choice, log.choice_at = tag, timezone.now()
    log.save(update_fields=["choice", "choice_at"])
    return tag


# --- on every customer message -----------------------------------------------------------------------------


def automessages_on_message(*, message: Message, ticket_created: bool, now: datetime | None = None) -> list[str]:
    """Send the automatic messages this customer message calls for; returns the kinds sent."""
    now = now or timezone.now()
    ticket = message.ticket
    if message.direction != Direction.INBOUND or not ticket.is_open or ticket.is_filtered:
        return []
    if agent_has_answered(ticket):
        return []
    config = config_for(ticket.brand_id)
    cal = calendar_for_brand(ticket.brand_id)
    language = language_for(message, ticket, config)
    closed = cal is not None and config.out_of_hours_enabled and not bt.is_open(cal, now)
    out_of_hours_due = closed and not _recently_sent(ticket.customer_id, AutoMessageKind.OUT_OF_HOURS,
                                                     config.repeat_after_hours, now)
    if out_of_hours_due and message.visibility == "public" and AutoMessageLog.objects.filter(
            kind=AutoMessageKind.OUT_OF_HOURS, thread_key=message.thread_key or "-",
            ticket__channel_account_id=ticket.channel_account_id).exists():
        out_of_hours_due = False  # public: once per thread
    when = format_opening(bt.next_opening(cal, now), cal.tz, language) if out_of_hours_due and cal else ""
    options = _options(config)
    first_private = message.visibility == "private" and not ticket.messages.filter(
        direction=Direction.INBOUND, visibility="private").exclude(pk=message.pk).exists()
    welcome_due = (config.welcome_enabled and options and first_private and (ticket_created or first_private)
                   and not _recently_sent(ticket.customer_id, AutoMessageKind.WELCOME, config.repeat_after_hours, now))
    sent: list[str] = []
    try:
        if welcome_due:
            text = str((config.welcome_texts or {}).get(language) or WELCOME[language])
            if out_of_hours_due:
                text = f"{text} {OUT_OF_HOURS_PRIVATE[language].format(when=when)}"
            automatic_reply_send(ticket=ticket, text=text, visibility="private", kind=AutoMessageKind.WELCOME,
                                 actor=ACTOR, options={"quick_replies": options}, language=language)
            sent.append(AutoMessageKind.WELCOME)
            if out_of_hours_due:
                AutoMessageLog.objects.create(customer_id=ticket.customer_id, ticket=ticket, kind=AutoMessageKind.OUT_OF_HOURS,
                                              visibility="private", thread_key=message.thread_key,
                                              language=language, sent_at=timezone.now())
                sent.append(AutoMessageKind.OUT_OF_HOURS)
        elif out_of_hours_due:
            table = OUT_OF_HOURS_PUBLIC if message.visibility == "public" else OUT_OF_HOURS_PRIVATE
            automatic_reply_send(ticket=ticket, text=table[language].format(when=when), visibility=message.visibility,
                                 kind=AutoMessageKind.OUT_OF_HOURS, actor=ACTOR, language=language)
            sent.append(AutoMessageKind.OUT_OF_HOURS)
    except DomainError as exc:  # the channel refused (window closed, too long...): log, never crash intake
        logger.warning("automation.automessage_refused", extra={"ticket_id": ticket.pk, "error": exc.message})
    return sent
