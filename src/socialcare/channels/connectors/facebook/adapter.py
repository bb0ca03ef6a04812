"""Facebook Pages: the ``feed`` webhook field (visitor posts, comments, replies, reactions).

Webhook: ``/hooks/facebook/<account id>`` with Meta's handshake and ``X-Hub-Signature-256``
(see ``meta/common.py``). ``account.external_id`` is the page id; ``credentials["access_token"]`` the
page access token; ``credentials["verify_token"]`` the handshake token; ``webhook_secret`` the app secret.
Comments thread under their post (``thread_key`` = post id, ``in_reply_to`` = parent id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from ..base import (
    AccountInfo,
    ActionResult,
    ChannelRules,
    EventAction,
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
from ..meta.parsing import author_of, entries, iso_time, load

MAX_COMMENT_LENGTH = 8000
POST_ITEMS = frozenset({"post", "status", "photo", "video"})


class FacebookAdapter:
    kind: ClassVar[str] = "facebook"
    display_name: ClassVar[str] = "Facebook Page"
    actions: ClassVar[frozenset[str]] = frozenset({"like", "unlike", "hide", "unhide", "delete", "private_reply"})

    def rules(self, account: AccountInfo) -> ChannelRules:
        standard, extended = window_hours(account)
        return ChannelRules(
            max_length=MAX_COMMENT_LENGTH,
            editable=False,
            private_channel=True,  # private replies to commenters, then Messenger
            messaging_window_hours=standard,
            extended_window_hours=extended,
            automated_disclosure=automated_disclosure(account),
        )

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        return meta_handshake(account, request)

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        meta_verify(account, request)

    # --- inbound -------------------------------------------------------------------------------------
    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        events: list[InboundEvent] = []
        for n, entry in enumerate(entries(load(body), ("page",))):
            changes = entry.get("changes") or []
            if not isinstance(changes, list):
                raise ParseError(f"entry[{n}].changes must be a list")
            page_id = str(entry.get("id") or account.external_id)
            for m, change in enumerate(changes):
                if not isinstance(change, dict):
                    raise ParseError(f"entry[{n}].changes[{m}] is not an object")
                if change.get("field") != "feed":
                    continue
                value = change.get("value")
                if not isinstance(value, dict):
                    raise ParseError(f"entry[{n}].changes[{m}].value is not an object")
                event = self._feed_event(account, page_id, entry, value, f"entry[{n}].changes[{m}].value")
                if event is not None:
                    events.append(event)
        return events

    def _feed_event(self, account: AccountInfo, page_id: str, entry: Mapping[str, Any], value: Mapping[str, Any],
                    where: str) -> InboundEvent | None:
        item = value.get("item")
        verb = value.get("verb")
        post_id = str(value.get("post_id") or "")
        occurred = iso_time(value.get("created_time"), entry.get("time"))
        if item in ("reaction", "like", "share"):
            if verb != "add":
                return None  # removed reactions are not counted down
            target = str(value.get("comment_id") or post_id)
            author = author_of(value.get("from"), where)
            reaction = str(value.get("reaction_type") or ("share" if item == "share" else "like"))
            return InboundEvent(
                external_id=f"{item}:{target}:{author.external_id}:{reaction}", action=EventAction.ENGAGEMENT,
                author=author, occurred_at=occurred, in_reply_to=target, data={"reaction": reaction},
            )
        if item == "comment":
            external_id = str(value.get("comment_id") or "")
            parent = str(value.get("parent_id") or post_id)
            kind = "comment" if parent == post_id else "reply"
        elif item in POST_ITEMS:
            external_id, parent, kind = post_id, "", "post"
        else:
            return None
        if not external_id:
            raise ParseError(f"{where} has no comment_id/post_id")
        if verb == "remove":
            return InboundEvent(external_id=external_id, action=EventAction.DELETE, occurred_at=occurred)
        if verb == "edited":
            return InboundEvent(external_id=external_id, action=EventAction.EDIT, occurred_at=occurred,
                                text=str(value.get("message") or ""))
        if verb != "add":
            return None
        author = author_of(value.get("from"), where)
        attachments: tuple[dict[str, Any], ...] = ()
        if value.get("photo"):
            attachments = ({"type": "image", "url": str(value["photo"])},)
        elif value.get("video"):
            attachments = ({"type": "video", "url": str(value["video"])},)
        return InboundEvent(
            external_id=external_id,
            kind=kind,
            visibility="public",
            direction="out" if author.external_id in {page_id, account.external_id} else "in",
            text=str(value.get("message") or ""),
            author=author,
            occurred_at=occurred,
            thread_key=post_id or external_id,
            in_reply_to=parent,
            attachments=attachments,
        )

    # --- outbound ------------------------------------------------------------------------------------
    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        if message.visibility == "private":
            recipient = self._private_recipient(message)
            return send_api(account, recipient=recipient, text=message.text, options=message.options)
        if not message.in_reply_to:
            raise SendError("a public Facebook reply needs the comment or post it answers", retriable=False)
        if len(message.text) > MAX_COMMENT_LENGTH:
            raise SendError(f"comments are limited to {MAX_COMMENT_LENGTH} characters", retriable=False)
        response = graph_call(account, "POST", f"{message.in_reply_to}/comments", json_body={"message": message.text})
        return SendResult(external_id=str(response.json()["id"]),
                          rate_limit_remaining=usage_from_headers(response.headers).remaining)

    @staticmethod
    def _private_recipient(message: OutboundMessage) -> dict[str, str]:
        """A private reply to a comment (``options["comment_id"]``), else the Messenger conversation
        (``thread_key`` is the page-scoped id once the customer wrote in Messenger), else the user id."""
        if message.options.get("comment_id"):
            return {"comment_id": str(message.options["comment_id"])}
        psid = message.thread_key or message.recipient_id
        if not psid:
            raise SendError("no recipient for the private message", retriable=False)
        return {"id": psid}

    def perform(self, account: AccountInfo, action: str, target_external_id: str,
                params: Mapping[str, Any]) -> ActionResult:
        target = target_external_id
        if action == "like":
            graph_call(account, "POST", f"{target}/likes")
            return ActionResult(state={"liked_by_brand": True})
        if action == "unlike":
            graph_call(account, "DELETE", f"{target}/likes")
            return ActionResult(state={"liked_by_brand": False})
        if action in ("hide", "unhide"):
            hidden = action == "hide"
            graph_call(account, "POST", target, params={"is_hidden": "true" if hidden else "false"})
            return ActionResult(state={"hidden": hidden})
        if action == "delete":
            graph_call(account, "DELETE", target)
            return ActionResult(state={"deleted_by_brand": True})
        if action == "private_reply":
            text = str(params.get("text") or "").strip()
            if not text:
                raise SendError("a private reply needs a text", retriable=False)
            result, psid = send_api_call(account, recipient={"comment_id": target}, text=text,
                                         options={"automated": bool(params.get("automated"))})
            return ActionResult(external_id=result.external_id,
                                state={"private_reply_id": result.external_id, "private_reply_recipient_id": psid})
        raise SendError(f"unsupported action {action!r}", retriable=False)
