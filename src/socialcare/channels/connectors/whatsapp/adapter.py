"""WhatsApp Cloud API connector.

Webhook: ``/hooks/whatsapp/<account id>``; Meta's ``hub.challenge`` handshake and
``X-Hub-Signature-256`` (app secret = the account's ``webhook_secret``, verify token =
``credentials["verify_token"]``), both from the shared Meta helpers.

Account fields: ``external_id`` is the business phone number id (``metadata.phone_number_id``);
``credentials["access_token"]`` is the system-user token used for ``POST /{phone_number_id}/messages``.

Identity: the customer is keyed on the business-scoped user id (BSUID, ``user_id``) when the webhook
carries one, else on ``wa_id``. The phone number is kept as the identity's handle, never as its key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from ..base import (
    AccountInfo,
    Author,
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
from ..http import DEFAULT_TIMEOUT, check_base_url
from ..meta.common import graph_error, meta_handshake, meta_verify, usage_from_headers

OBJECT = "whatsapp_business_account"
MAX_LENGTH = 4096
WINDOW_HOURS = 24
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
#: "Re-engagement message": more than 24 hours since the customer last wrote.
WINDOW_CODES = frozenset({131047, 470})
#: WhatsApp throughput / spam-rate limits (besides the Graph codes handled by the Meta helpers).
WA_THROTTLE_CODES = frozenset({130429, 131048, 131056, 80007})
#: The recipient cannot be reached (not on WhatsApp, blocked the business, unsupported).
RECIPIENT_CODES = frozenset({131026, 131030, 131049, 131050})
DEFAULT_THROTTLE_BACKOFF = 60.0
_PHONE = re.compile(r"^\+?\d{6,20}$")


class WhatsAppAdapter:
    kind: ClassVar[str] = "whatsapp"
    display_name: ClassVar[str] = "WhatsApp"

    def rules(self, account: AccountInfo) -> ChannelRules:
        return ChannelRules(
            max_length=MAX_LENGTH,
            editable=False,
            private_channel=True,
            public_channel=False,
            messaging_window_hours=WINDOW_HOURS,
            template_outside_window=True,
        )

    # --- webhooks ----------------------------------------------------------------------------------

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        return meta_handshake(account, request)

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        meta_verify(account, request)

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        try:
            doc = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"body is not JSON: {exc}") from exc
        if not isinstance(doc, dict) or not isinstance(doc.get("entry"), list):
            raise ParseError("expected an object with an 'entry' list")
        if doc.get("object") != OBJECT:
            raise ParseError(f"object is {doc.get('object')!r}, expected {OBJECT!r}")
        events: list[InboundEvent] = []
        for e, entry in enumerate(doc["entry"]):
            if not isinstance(entry, dict):
                raise ParseError(f"entry[{e}] is not an object")
            for c, change in enumerate(entry.get("changes") or []):
                if not isinstance(change, dict):
                    raise ParseError(f"entry[{e}].changes[{c}] is not an object")
                if change.get("field") != "messages":
                    continue  # template status, quality and account updates are not conversations
                value = change.get("value")
                if not isinstance(value, dict):
                    raise ParseError(f"entry[{e}].changes[{c}].value is not an object")
                where = f"entry[{e}].changes[{c}].value"
                events.extend(self._value_events(account, value, where))
        return events

    def _value_events(self, account: AccountInfo, value: dict[str, Any], where: str) -> list[InboundEvent]:
        metadata = value.get("metadata") or {}
        phone_number_id = str(metadata.get("phone_number_id") or "")
        if account.external_id and phone_number_id and phone_number_id != account.external_id:
            return []  # another number of the same business account, configured elsewhere
        contacts = _contacts(value.get("contacts") or [])
        events: list[InboundEvent] = []
        for n, message in enumerate(value.get("messages") or []):
            event = self._message_event(message, contacts, f"{where}.messages[{n}]")
            if event is not None:
                events.append(event)
        for n, status in enumerate(value.get("statuses") or []):
            events.append(_status_event(status, f"{where}.statuses[{n}]"))
        return events

    def _message_event(self, message: Any, contacts: dict[str, Author], where: str) -> InboundEvent | None:
        if not isinstance(message, dict):
            raise ParseError(f"{where} is not an object")
        try:
            wamid = str(message["id"])
            occurred = _epoch(message["timestamp"])
        except KeyError as exc:
            raise ParseError(f"{where} lacks {exc.args[0]!r}") from None
        except ValueError as exc:
            raise ParseError(f"{where}.timestamp: {exc}") from None
        user_id = str(message.get("from_user_id") or "")
        phone = str(message.get("from") or "")
        author = contacts.get(user_id) or contacts.get(phone)
        if author is None:
            if not (user_id or phone):
                raise ParseError(f"{where} has neither 'from' nor 'from_user_id'")
            author = Author(external_id=user_id or phone, handle=phone)
        context = _obj(message.get("context"))
        in_reply_to = str(context.get("id") or "")
        kind = message.get("type")
        text = ""
        attachments: list[dict[str, Any]] = []
        metrics: dict[str, Any] = {}
        if kind == "text":
            text = str((message.get("text") or {}).get("body") or "")
        elif kind == "interactive":
            interactive = message.get("interactive") or {}
            reply_type = interactive.get("type")
            choice = interactive.get(reply_type) if reply_type in ("button_reply", "list_reply") else None
            if not isinstance(choice, dict):
                return None
            text = str(choice.get("title") or choice.get("id") or "")
            metrics["quick_reply"] = {"source": reply_type, "payload": str(choice.get("id") or ""),
                                      "title": str(choice.get("title") or "")}
        elif kind == "button":  # a quick-reply button of a template message
            button = message.get("button") or {}
            text = str(button.get("text") or button.get("payload") or "")
            metrics["quick_reply"] = {"source": "template_button", "payload": str(button.get("payload") or ""),
                                      "title": str(button.get("text") or "")}
        elif kind in MEDIA_TYPES:
            media = message.get(kind) or {}
            attachments.append(_media_reference(kind, media))
            text = str(media.get("caption") or "")
        elif kind == "location":
            location = message.get("location") or {}
            attachments.append({"type": "location", **{k: location[k] for k in
                                ("latitude", "longitude", "name", "address", "url") if k in location}})
            text = str(location.get("name") or location.get("address") or "")
        elif kind == "reaction":
            reaction = message.get("reaction") or {}
            if not reaction.get("emoji"):
                return None  # a removed reaction
            return InboundEvent(
                external_id=wamid, action=EventAction.ENGAGEMENT, kind="direct", visibility="private",
                author=author, occurred_at=occurred, in_reply_to=str(reaction.get("message_id") or ""),
                data={"reaction": str(reaction["emoji"])},
            )
        else:
            return None  # unsupported, system, order...: acknowledged, not a conversation
        return InboundEvent(
            external_id=wamid,
            kind="direct",
            visibility="private",
            text=text,
            author=author,
            occurred_at=occurred,
            thread_key=f"wa:{author.external_id}",
            in_reply_to=in_reply_to,
            attachments=tuple(attachments),
            metrics=metrics,
        )

    # --- sending -------------------------------------------------------------------------------------

    def build_payload(self, message: OutboundMessage) -> dict[str, Any]:
        """The JSON body of ``POST /{phone_number_id}/messages`` for ``message``."""
        recipient = message.recipient_id or message.thread_key.removeprefix("wa:")
        if not recipient:
            raise SendError("no WhatsApp recipient: the ticket's customer has no WhatsApp identity", retriable=False)
        body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
        if _PHONE.match(recipient):
            body["to"] = recipient.lstrip("+")
        else:
            body["recipient"] = recipient  # a business-scoped user id
        options = message.options or {}
        if options.get("template"):
            body["type"] = "template"
            body["template"] = _template_payload(options["template"])
        elif options.get("buttons"):
            body["type"] = "interactive"
            body["interactive"] = _buttons_payload(message.text, options["buttons"])
        elif options.get("list"):
            body["type"] = "interactive"
            body["interactive"] = _list_payload(message.text, options["list"])
        else:
            body["type"] = "text"
            body["text"] = {"body": message.text, "preview_url": False}
        if message.in_reply_to:
            body["context"] = {"message_id": message.in_reply_to}
        # Echoed back in status webhooks; the emulator also uses it to answer a retried send once.
        body["biz_opaque_callback_data"] = message.idempotency_key
        return body

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        base = check_base_url(account.api_base_url)
        if not account.external_id:
            raise SendError("the WhatsApp account has no phone number id (external id)", retriable=False)
        payload = self.build_payload(message)
        token = str(account.credentials.get("access_token", ""))
        try:
            response = httpx.post(f"{base}/{account.external_id}/messages", json=payload,
                                  headers={"Authorization": f"Bearer {token}"}, timeout=DEFAULT_TIMEOUT)
        except httpx.TransportError as exc:
            raise SendError(f"network error: {exc.__class__.__name__}: {exc}", retriable=True) from exc
        if response.status_code >= 400:
            raise whatsapp_error(response)
        try:
            doc = response.json()
            wamid = str(doc["messages"][0]["id"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise SendError(f"unexpected answer from WhatsApp: {response.text[:200]}", retriable=False) from exc
        usage = usage_from_headers(response.headers)
        return SendResult(external_id=wamid, rate_limit_remaining=usage.remaining)


def whatsapp_error(response: httpx.Response) -> SendError:
    """WhatsApp-specific error codes first, then Meta's generic Graph mapping."""
    try:
        doc = response.json()
    except ValueError:
        doc = None
    err = doc.get("error") if isinstance(doc, dict) else None
    code = err.get("code") if isinstance(err, dict) and isinstance(err.get("code"), int) else None
    if code in WINDOW_CODES:
        return SendError(
            f"WhatsApp refused a free-form message (error {code}): the customer's last message is more than "
            f"{WINDOW_HOURS} hours old. Send an approved template instead.",
            retriable=False,
        )
    if code in WA_THROTTLE_CODES:
        wait = usage_from_headers(response.headers).regain_seconds or DEFAULT_THROTTLE_BACKOFF
        return SendError(f"throttled by WhatsApp (error {code}); retrying in {int(wait)} s",
                         retriable=True, retry_after=wait)
    if code in RECIPIENT_CODES:
        detail = str(err.get("message") or "") if isinstance(err, dict) else ""
        return SendError(f"WhatsApp cannot deliver to this customer (error {code}): {detail}", retriable=False)
    return graph_error(response)


# --- helpers ------------------------------------------------------------------------------------------


def _contacts(items: Any) -> dict[str, Author]:
    """Authors by every id they may be referred to with (BSUID and wa_id)."""
    found: dict[str, Author] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        user_id = str(item.get("user_id") or "")
        wa_id = str(item.get("wa_id") or "")
        if not (user_id or wa_id):
            continue
        profile = item.get("profile") or {}
        author = Author(
            external_id=user_id or wa_id,
            handle=wa_id or str(profile.get("username") or ""),
            display_name=str(profile.get("name") or ""),
        )
        for key in (user_id, wa_id):
            if key:
                found[key] = author
    return found


def _status_event(status: Any, where: str) -> InboundEvent:
    if not isinstance(status, dict):
        raise ParseError(f"{where} is not an object")
    try:
        wamid = str(status["id"])
        state = str(status["status"])
        occurred = _epoch(status["timestamp"])
    except KeyError as exc:
        raise ParseError(f"{where} lacks {exc.args[0]!r}") from None
    except ValueError as exc:
        raise ParseError(f"{where}.timestamp: {exc}") from None
    data: dict[str, Any] = {"status": state}
    errors = [
        {"code": err.get("code"), "title": str(err.get("title") or ""),
         "details": str((err.get("error_data") or {}).get("details") or err.get("message") or "")}
        for err in status.get("errors") or [] if isinstance(err, dict)
    ]
    if errors:
        data["errors"] = errors
    if status.get("biz_opaque_callback_data"):
        data["idempotency_key"] = str(status["biz_opaque_callback_data"])
    return InboundEvent(external_id=wamid, action=EventAction.STATUS, kind="direct", visibility="private",
                        direction="out", occurred_at=occurred, data=data)


def _media_reference(kind: str, media: Mapping[str, Any]) -> dict[str, Any]:
    """A reference to fetch later with GET /{media id}; the bytes are never in the webhook."""
    ref: dict[str, Any] = {"type": kind, "media_id": str(media.get("id") or "")}
    for key in ("mime_type", "sha256", "filename", "animated", "voice"):
        if key in media:
            ref[key] = media[key]
    return ref


def _template_payload(template: Mapping[str, Any]) -> dict[str, Any]:
    name = str(template.get("name") or "")
    if not name:
        raise SendError("a WhatsApp template message needs a template name", retriable=False)
    payload: dict[str, Any] = {"name": name, "language": {"code": str(template.get("language") or "en")}}
    components = list(template.get("components") or [])
    parameters = list(template.get("parameters") or [])
    if parameters and not any(c.get("type") == "body" for c in components if isinstance(c, Mapping)):
        components.append({"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in parameters]})
    if components:
        payload["components"] = components
    return payload


def _buttons_payload(text: str, buttons: Any) -> dict[str, Any]:
    items = list(buttons)
    if not 1 <= len(items) <= MAX_BUTTONS:
        raise SendError(f"WhatsApp allows 1 to {MAX_BUTTONS} reply buttons, not {len(items)}", retriable=False)
    rendered = []
    for item in items:
        title = str(item.get("title") or "")
        if not title or len(title) > MAX_BUTTON_TITLE:
            raise SendError(f"button title {title!r} must be 1 to {MAX_BUTTON_TITLE} characters", retriable=False)
        rendered.append({"type": "reply", "reply": {"id": str(item.get("id") or title)[:256], "title": title}})
    return {"type": "button", "body": {"text": text}, "action": {"buttons": rendered}}


def _list_payload(text: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    sections = [dict(s) for s in spec.get("sections") or []]
    rows = sum(len(s.get("rows") or []) for s in sections)
    if not 1 <= rows <= MAX_LIST_ROWS:
        raise SendError(f"a WhatsApp list holds 1 to {MAX_LIST_ROWS} rows, not {rows}", retriable=False)
    return {"type": "list", "body": {"text": text},
            "action": {"button": str(spec.get("button") or "Choose")[:MAX_BUTTON_TITLE], "sections": sections}}


def _epoch(value: Any) -> str:
    try:
        seconds = int(str(value))
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a Unix timestamp") from None
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat()


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (payload fields may be missing or null)."""
    return value if isinstance(value, dict) else {}
