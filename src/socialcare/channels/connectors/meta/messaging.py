"""The Send API (``POST /me/messages``), shared by Messenger, Facebook private replies and Instagram DMs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import AccountInfo, SendError, SendResult
from .common import graph_call, usage_from_headers

MAX_QUICK_REPLIES = 13
QUICK_REPLY_TITLE_MAX = 20
HUMAN_AGENT = "HUMAN_AGENT"


def quick_replies(options: Mapping[str, Any]) -> list[dict[str, str]]:
    """``options["quick_replies"]``: strings or {"title", "payload"}; at most 13, titles up to 20 chars."""
    raw = options.get("quick_replies") or []
    if not isinstance(raw, list | tuple):
        raise SendError("quick_replies must be a list", retriable=False)
    if len(raw) > MAX_QUICK_REPLIES:
        raise SendError(f"{len(raw)} quick replies given; Meta allows at most {MAX_QUICK_REPLIES}", retriable=False)
    result = []
    for item in raw:
        title = str(item.get("title") if isinstance(item, Mapping) else item)
        payload = str(item.get("payload") or title) if isinstance(item, Mapping) else title
        if not title or len(title) > QUICK_REPLY_TITLE_MAX:
            raise SendError(f"quick reply title {title!r} must be 1-{QUICK_REPLY_TITLE_MAX} characters",
                            retriable=False)
        result.append({"content_type": "text", "title": title, "payload": payload})
    return result


def messaging_type(account: AccountInfo, options: Mapping[str, Any]) -> tuple[str, str | None]:
    """RESPONSE inside the 24-hour window; MESSAGE_TAG/HUMAN_AGENT for human replies on accounts that
    enabled the tag (it stretches the window to 7 days). Automated messages never use the tag."""
    tag = options.get("tag")
    if tag:
        return "MESSAGE_TAG", str(tag)
    if options.get("automated"):
        return "RESPONSE", None
    if account.settings.get("human_agent_tag"):
        return "MESSAGE_TAG", HUMAN_AGENT
    return "RESPONSE", None


def send_api(account: AccountInfo, *, recipient: Mapping[str, str], text: str, options: Mapping[str, Any],
             path: str = "me/messages", max_length: int = 2000) -> SendResult:
    return send_api_call(account, recipient=recipient, text=text, options=options, path=path,
                         max_length=max_length)[0]


def send_api_call(account: AccountInfo, *, recipient: Mapping[str, str], text: str, options: Mapping[str, Any],
                  path: str = "me/messages", max_length: int = 2000) -> tuple[SendResult, str]:
    """Send and also return the ``recipient_id`` Meta answers with: for a private reply to a comment
    that is the commenter's page-scoped id, which the Messenger conversation will use."""
    if not text.strip():
        raise SendError("the message is empty", retriable=False)
    if len(text) > max_length:
        raise SendError(f"the message has {len(text)} characters; this channel allows {max_length}", retriable=False)
    message: dict[str, Any] = {"text": text}
    replies = quick_replies(options)
    if replies:
        message["quick_replies"] = replies
    kind, tag = messaging_type(account, options)
    body: dict[str, Any] = {"recipient": dict(recipient), "messaging_type": kind, "message": message}
    if tag:
        body["tag"] = tag
    response = graph_call(account, "POST", path, json_body=body)
    doc = response.json()
    if not doc.get("message_id"):
        raise SendError(f"unexpected Send API answer: {str(doc)[:200]}", retriable=False)
    result = SendResult(external_id=str(doc["message_id"]),
                        rate_limit_remaining=usage_from_headers(response.headers).remaining)
    return result, str(doc.get("recipient_id") or "")


#: Shown on automated messages when the audience includes users in Germany (Meta's policy names them).
DEFAULT_DISCLOSURE = "Automatische Nachricht / automated message"


def automated_disclosure(account: AccountInfo) -> str:
    """The disclosure text automated Messenger/Instagram messages must carry, or "" when not required.

    Enabled by ``account.settings["audience_includes_german_users"] = true``; the text can be changed
    with ``account.settings["automated_disclosure"]``."""
    if not account.settings.get("audience_includes_german_users"):
        return ""
    return str(account.settings.get("automated_disclosure") or DEFAULT_DISCLOSURE)


def window_hours(account: AccountInfo) -> tuple[int, int | None]:
    """(standard window, extended window with the human-agent tag when the account enabled it)."""
    return 24, (168 if account.settings.get("human_agent_tag") else None)
