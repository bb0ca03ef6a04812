"""Answer Telegram callback queries once the button press has been filed as a customer message.

Telegram shows a spinner on the pressed button until the bot calls ``answerCallbackQuery``. The
answer is sent from a ``message.received`` subscriber, so it happens only for a press that created a
message: a redelivered update is deduplicated before and is not answered twice.
"""

from __future__ import annotations

import logging
from typing import Any

from socialcare.core import events

logger = logging.getLogger(__name__)
SUBSCRIBER = "telegram.answer_callback_query"


def answer_callback_query(payload: dict[str, Any]) -> None:
    from socialcare.channels.accounts import account_info
    from socialcare.channels.connectors.base import SendError
    from socialcare.channels.connectors.registry import get_adapter
    from socialcare.inbox.models import Message

    message = Message.objects.select_related("channel_account").filter(pk=int(payload.get("message_id") or 0)).first()
    if message is None or message.channel_account.kind != "telegram":
        return
    query_id = (message.metrics or {}).get("callback_query_id")
    if not query_id:
        return
    adapter = get_adapter("telegram")
    try:
        adapter.answer_callback(account_info(message.channel_account), str(query_id))  # type: ignore[attr-defined]
    except SendError as exc:  # an unanswered spinner is cosmetic: log, never break other subscribers
        logger.warning("telegram.callback_answer_failed", extra={"message_id": message.pk, "error": str(exc)})


def register() -> None:
    """Called from an AppConfig.ready(); safe to call twice."""
    if any(s.name == SUBSCRIBER for s in events.subscribers("message.received")):
        return
    events.subscribe("message.received", name=SUBSCRIBER, order=15)(answer_callback_query)
