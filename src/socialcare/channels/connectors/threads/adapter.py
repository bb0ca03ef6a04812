"""Threads: replies to and mentions of the brand's posts; reply and hide.

Webhook: ``/hooks/threads/<account id>`` (Meta handshake + ``X-Hub-Signature-256``). Deliveries look
like ``{"app_id", "topic": "moderate", "target_id", "time", "values": {"field": "replies" | "mentions",
"value": {id, username, text, replied_to{id}, root_post{id, owner_id, username}, timestamp}}}``
(``values`` may also be a list). ``account.external_id`` is the brand's Threads user id and
``account.handle`` its username. Replies carry a username but no user id, so the username is the key.

Publishing a reply is two calls (create a container, publish it). Threads allows 1,000 API-published
replies per 24 hours: before publishing, ``threads_publishing_limit`` is asked and a reply beyond the
quota is refused with a clear, non-retriable SendError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from socialcare.channels.connectors.base import as_dict

from ..base import (
    AccountInfo,
    ActionResult,
    Author,
    ChannelRules,
    HandshakeResponse,
    InboundEvent,
    OutboundMessage,
    ParseError,
    SendError,
    SendResult,
    WebhookRequest,
)
from ..meta.common import graph_call, meta_handshake, meta_verify, usage_from_headers
from ..meta.parsing import iso_time, load

MAX_LENGTH = 500
REPLY_QUOTA = 1000


class ThreadsAdapter:
    kind: ClassVar[str] = "threads"
    display_name: ClassVar[str] = "Threads"
    actions: ClassVar[frozenset[str]] = frozenset({"hide", "unhide"})

    def rules(self, account: AccountInfo) -> ChannelRules:
        return ChannelRules(max_length=MAX_LENGTH, editable=False, private_channel=False,
                            confirm_before_public_post=True)

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        return meta_handshake(account, request)

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        meta_verify(account, request)

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        doc = load(body)
        values = doc.get("values")
        if values is None:
            return []
        items = values if isinstance(values, list) else [values]
        events: list[InboundEvent] = []
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                raise ParseError(f"values[{n}] is not an object")
            if item.get("field") not in ("replies", "mentions"):
                continue
            value = item.get("value")
            if not isinstance(value, dict) or not value.get("id"):
                raise ParseError(f"values[{n}].value has no id")
            events.append(self._event(account, doc, item["field"], value))
        return events

    def _event(self, account: AccountInfo, doc: Mapping[str, Any], field: str, value: Mapping[str, Any]) -> InboundEvent:
        username = str(value.get("username") or "")
        owner = as_dict(value.get("owner"))
        user_key = str(owner.get("id") or username)
        if not user_key:
            raise ParseError(f"{field} value {value.get('id')} has no username")
        replied_to = as_dict(value.get("replied_to"))
        root = as_dict(value.get("root_post"))
        external_id = str(value["id"])
        in_reply_to = str(replied_to.get("id") or "")
        from_brand = bool(account.handle) and username.lower() == account.handle.lower().lstrip("@")
        return InboundEvent(
            external_id=external_id,
            kind="reply" if field == "replies" else "mention",
            visibility="public",
            direction="out" if from_brand else "in",
            text=str(value.get("text") or ""),
            author=Author(external_id=user_key, handle=username),
            occurred_at=iso_time(value.get("timestamp"), doc.get("time")),
            thread_key=str(root.get("id") or in_reply_to or external_id),
            in_reply_to=in_reply_to,
            metrics={"permalink": str(value["permalink"])} if value.get("permalink") else {},
        )

    def _user(self, account: AccountInfo) -> str:
        return account.external_id or "me"

    def reply_quota(self, account: AccountInfo) -> tuple[int, int]:
        """(replies published through the API in the last 24 h, quota) as Threads reports them."""
        response = graph_call(account, "GET", f"{self._user(account)}/threads_publishing_limit",
                              params={"fields": "reply_quota_usage,reply_config"})
        data = response.json().get("data") or [{}]
        row = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        config = as_dict(row.get("reply_config"))
        return int(row.get("reply_quota_usage") or 0), int(config.get("quota_total") or REPLY_QUOTA)

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        if message.visibility != "public":
            raise SendError("Threads has no private messages", retriable=False)
        if not message.in_reply_to:
            raise SendError("a Threads reply needs the post or reply it answers", retriable=False)
        if len(message.text) > MAX_LENGTH:
            raise SendError(f"Threads posts are limited to {MAX_LENGTH} characters", retriable=False)
        used, quota = self.reply_quota(account)
        if used >= quota:
            raise SendError(
                f"Threads allows {quota} replies published through the API per 24 hours and {used} were "
                "used; this reply was not sent. Try again later or reply in the Threads app.",
                retriable=False,
            )
        user = self._user(account)
        container = graph_call(account, "POST", f"{user}/threads",
                               params={"media_type": "TEXT", "text": message.text, "reply_to_id": message.in_reply_to})
        published = graph_call(account, "POST", f"{user}/threads_publish",
                               params={"creation_id": str(container.json()["id"])})
        remaining = max(0, quota - used - 1)
        usage = usage_from_headers(published.headers).remaining
        return SendResult(external_id=str(published.json()["id"]),
                          rate_limit_remaining=min(remaining, usage) if usage is not None else remaining)

    def perform(self, account: AccountInfo, action: str, target_external_id: str,
                params: Mapping[str, Any]) -> ActionResult:
        if action in ("hide", "unhide"):
            hidden = action == "hide"
            graph_call(account, "POST", f"{target_external_id}/manage_reply",
                       params={"hide": "true" if hidden else "false"})
            return ActionResult(state={"hidden": hidden})
        raise SendError(f"unsupported action {action!r}", retriable=False)
