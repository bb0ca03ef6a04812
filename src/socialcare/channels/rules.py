"""Checks a reply against the channel's declared rules before anything is sent."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext

from socialcare.core.registry import Registry

from .connectors.base import ChannelRules

length_counters: Registry[Callable[[str], int]] = Registry("length counters")


def count_chars(text: str) -> int:
    return len(text)


def count_graphemes(text: str) -> int:
    """User-perceived characters: combining marks, variation selectors and ZWJ sequences count once."""
    count = 0
    joiner = False
    for ch in text:
        if unicodedata.combining(ch) or ch in "\ufe0f\ufe0e" or 0x1F3FB <= ord(ch) <= 0x1F3FF:
            continue
        if ch == "\u200d":
            joiner = True
            continue
        if joiner:
            joiner = False
            continue
        count += 1
    return count


length_counters.register("chars", count_chars)
length_counters.register("graphemes", count_graphemes)


@dataclass(frozen=True)
class Violation:
    code: str
    message: str


def measure(rules: ChannelRules, text: str) -> int:
    return length_counters.get(rules.length_counter)(text)


def reply_violations(
    rules: ChannelRules,
    *,
    text: str,
    visibility: str,
    last_customer_message_at: datetime | None,
    now: datetime,
    use_extended_window: bool = False,
    is_template: bool = False,
) -> list[Violation]:
    problems: list[Violation] = []
    if not text.strip():
        problems.append(Violation("empty", gettext("The reply is empty.")))
    length = measure(rules, text)
    if length > rules.max_length:
        problems.append(
            Violation(
                "too_long",
                gettext("The reply is %(length)s characters long; this channel allows %(max)s.")
                % {"length": length, "max": rules.max_length},
            )
        )
    if visibility == "private" and not rules.private_channel:
        problems.append(Violation("no_private", gettext("This channel cannot send private messages to this customer.")))
    if visibility == "public" and not rules.public_channel:
        problems.append(Violation("no_public", gettext("This channel is private only: public replies are impossible here. "
                                                       "Send a private message instead.")))
    if visibility == "private" and rules.messaging_window_hours and not is_template:
        window = rules.messaging_window_hours
        if use_extended_window and rules.extended_window_hours:
            window = rules.extended_window_hours
        if last_customer_message_at is None or now - last_customer_message_at > timedelta(hours=window):
            hint = (" " + gettext("Send an approved template instead.")) if rules.template_outside_window else ""
            problems.append(
                Violation(
                    "outside_window",
                    gettext("The customer's last message is more than %(hours)s hours old, so this channel does "
                            "not allow a free-form reply.") % {"hours": window} + hint,
                )
            )
    return problems
