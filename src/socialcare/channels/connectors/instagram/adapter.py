"""Instagram (Instagram API with Instagram Login): comments, @mentions and DMs.

Webhook: ``/hooks/instagram/<account id>`` (Meta handshake + ``X-Hub-Signature-256``), ``object:
"instagram"``. Comments and mentions arrive in ``entry[].changes[]`` (fields ``comments``,
``mentions``), DMs in ``entry[].messaging[]`` like Messenger. ``account.external_id`` is the
professional account's Instagram user id. Comments thread under their media (``thread_key`` = media id).
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
from ..meta.messaging import automated_disclosure, send_api, send_api_call, window_hours
from ..meta.parsing import author_of, entries, iso_time, load, messaging_events

DM_MAX_LENGTH = 1000
COMMENT_MAX_LENGTH = 2200


class InstagramAdapter:
    kind: ClassVar[str] = "instagram"
    display_name: ClassVar[str] = "Instagram"
    actions: ClassVar[frozenset[str]] = frozenset({"hide", "unhide", "delete", "private_reply"})

    def rules(self, account: AccountInfo) -> ChannelRules:
        standard, extended = window_hours(account)
        # One limit per channel: the stricter DM limit; comments (2,200) are checked again at send time.
        return ChannelRules(
            max_length=DM_MAX_LENGTH,
            editable=False,
            private_channel=True,
            messaging_window_hours=standard,
            extended_window_hours=extended,
            automated_disclosure=automated_disclosure(account),
        )

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        return meta_handshake(account, request)

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        meta_verify(account, request)

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        events: list[InboundEvent] = []
        for n, entry in enumerate(entries(load(body), ("instagram",))):
            own_id = str(entry.get("id") or account.external_id)
            changes = entry.get("changes") or []
            if not isinstance(changes, list):
                raise ParseError(f"entry[{n}].changes must be a list")
            for m, change in enumerate(changes):
                if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                    raise ParseError(f"entry[{n}].changes[{m}] has no value object")
                where = f"entry[{n}].changes[{m}].value"
                if change.get("field") == "comments":
                    events.append(self._comment(account, own_id, entry, change["value"], where))
                elif change.get("field") == "mentions":
                    events.append(self._mention(entry, change["value"], where))
            events.extend(messaging_events(account, entry, n))
        return events

    def _comment(self, account: AccountInfo, own_id: str, entry: Mapping[str, Any], value: Mapping[str, Any],
                 where: str) -> InboundEvent:
        if not value.get("id"):
            raise ParseError(f"{where}.id is missing")
        author = author_of(value.get("from"), where)
        media = as_dict(value.get("media"))
        media_id = str(media.get("id") or "")
        parent = str(value.get("parent_id") or "")
        return InboundEvent(
            external_id=str(value["id"]),
            kind="reply" if parent else "comment",
            visibility="public",
            direction="out" if author.external_id in {own_id, account.external_id} else "in",
            text=str(value.get("text") or ""),
            author=author,
            occurred_at=iso_time(value.get("timestamp"), entry.get("time")),
            thread_key=media_id,
            in_reply_to=parent or media_id,
            metrics={"media_product_type": str(media.get("media_product_type") or "")} if media else {},
        )

    def _mention(self, entry: Mapping[str, Any], value: Mapping[str, Any], where: str) -> InboundEvent:
        """A mention of the account in someone's comment or caption. The webhook carries ids (and, in
        newer versions, the text and author); what is missing stays empty until fetched."""
        comment_id = str(value.get("comment_id") or "")
        media_id = str(value.get("media_id") or "")
        if not (comment_id or media_id):
            raise ParseError(f"{where} has neither comment_id nor media_id")
        source = value.get("from") if isinstance(value.get("from"), dict) else None
        author = author_of(source, where) if source else Author(external_id=f"unknown:{media_id}")
        return InboundEvent(
            external_id=comment_id or media_id,
            kind="mention",
            visibility="public",
            text=str(value.get("text") or ""),
            author=author,
            occurred_at=iso_time(value.get("timestamp"), entry.get("time")),
            thread_key=media_id,
            in_reply_to=media_id if comment_id else "",
        )

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        if message.visibility == "private":
            if message.options.get("comment_id"):
                recipient = {"comment_id": str(message.options["comment_id"])}
            else:
                scoped_id = message.thread_key or message.recipient_id
                if not scoped_id:
                    raise SendError("no recipient for the Instagram message", retriable=False)
                recipient = {"id": scoped_id}
            return send_api(account, recipient=recipient, text=message.text, options=message.options,
                            max_length=DM_MAX_LENGTH)
        if not message.in_reply_to:
            raise SendError("a public Instagram reply needs the comment it answers", retriable=False)
        if len(message.text) > COMMENT_MAX_LENGTH:
            raise SendError(f"Instagram comments are limited to {COMMENT_MAX_LENGTH} characters", retriable=False)
        response = graph_call(account, "POST", f"{message.in_reply_to}/replies", json_body={"message": message.text})
        return SendResult(external_id=str(response.json()["id"]),
                          rate_limit_remaining=usage_from_headers(response.headers).remaining)

    def perform(self, account: AccountInfo, action: str, target_external_id: str,
                params: Mapping[str, Any]) -> ActionResult:
        if action in ("hide", "unhide"):
            hidden = action == "hide"
            graph_call(account, "POST", target_external_id, params={"hide": "true" if hidden else "false"})
            return ActionResult(state={"hidden": hidden})
        if action == "delete":
            graph_call(account, "DELETE", target_external_id)
            return ActionResult(state={"deleted_by_brand": True})
        if action == "private_reply":
            text = str(params.get("text") or "").strip()
            if not text:
                raise SendError("a private reply needs a text", retriable=False)
            result, scoped_id = send_api_call(account, recipient={"comment_id": target_external_id}, text=text,
                                              options={"automated": bool(params.get("automated"))},
                                              max_length=DM_MAX_LENGTH)
            return ActionResult(external_id=result.external_id,
                                state={"private_reply_id": result.external_id,
                                       "private_reply_recipient_id": scoped_id})
        raise SendError(f"unsupported action {action!r}", retriable=False)
