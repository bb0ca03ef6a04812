"""Telegram Bot API connector.

Webhook: ``/hooks/telegram/<account id>``, registered with ``setWebhook(url, secret_token=<the account's
webhook_secret>)``; every update then carries ``X-Telegram-Bot-Api-Secret-Token`` which must match.
There is no GET handshake. Sending uses ``<api_base_url>/bot<credentials["bot_token"]>/sendMessage``.

Ids: a message is ``"<chat_id>:<message_id>"`` (message ids are only unique inside a chat), a
callback query is ``"cbq:<callback_query id>"``. Both are stable across redeliveries of the same
update, so the pipeline's unique constraint makes a redelivered ``update_id`` a no-op.
"""

from __future__ import annotations

import json
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
    SignatureError,
    WebhookRequest,
)
from ..http import DEFAULT_TIMEOUT, check_base_url
from ..signing import matches

SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_LENGTH = 4096
PRIVATE_CHATS = ("private",)
GROUP_CHATS = ("group", "supergroup")


class TelegramAdapter:
    kind: ClassVar[str] = "telegram"
    display_name: ClassVar[str] = "Telegram"

    def rules(self, account: AccountInfo) -> ChannelRules:
        return ChannelRules(max_length=MAX_LENGTH, editable=False, private_channel=True, public_channel=True)

    # --- webhooks ----------------------------------------------------------------------------------

    def handshake(self, account: AccountInfo, request: WebhookRequest) -> HandshakeResponse | None:
        return None  # Telegram has no verification GET; setWebhook's secret_token protects deliveries

    def verify(self, account: AccountInfo, request: WebhookRequest) -> None:
        if not account.webhook_secret:
            raise SignatureError("the channel account has no webhook secret (setWebhook secret_token)")
        if not matches(account.webhook_secret, request.headers.get(SECRET_HEADER)):
            raise SignatureError("X-Telegram-Bot-Api-Secret-Token is missing or wrong")

    def parse(self, account: AccountInfo, body: bytes, headers: Mapping[str, str]) -> list[InboundEvent]:
        try:
            update = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ParseError(f"body is not JSON: {exc}") from exc
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            raise ParseError("expected an Update object with an integer update_id")
        update_id = update["update_id"]
        if isinstance(update.get("message"), dict):
            event = self._message(account, update["message"], update_id, EventAction.MESSAGE)
        elif isinstance(update.get("edited_message"), dict):
            event = self._message(account, update["edited_message"], update_id, EventAction.EDIT)
        elif isinstance(update.get("callback_query"), dict):
            event = self._callback(update["callback_query"], update_id)
        else:
            return []  # channel posts, polls, member updates...: acknowledged, not conversations
        return [event] if event else []

    def _message(self, account: AccountInfo, message: dict[str, Any], update_id: int,
                 action: str) -> InboundEvent | None:
        chat = _obj(message.get("chat")) or None
        sender = _obj(message.get("from")) or None
        if chat is None or "message_id" not in message or "date" not in message:
            raise ParseError(f"update {update_id}: message lacks chat, message_id or date")
        chat_type = chat.get("type")
        if chat_type not in PRIVATE_CHATS + GROUP_CHATS or sender is None:
            return None  # channel posts have no sender; we do not follow channels
        if sender.get("is_bot"):
            return None
        external_id = f"{chat['id']}:{message['message_id']}"
        author = _author(sender)
        occurred = _epoch(message["edit_date"] if action == EventAction.EDIT and "edit_date" in message
                          else message["date"])
        text = str(message.get("text") or message.get("caption") or "")
        if action == EventAction.EDIT:
            return InboundEvent(external_id=external_id, action=EventAction.EDIT, text=text, author=author,
                                occurred_at=occurred, data={"update_id": update_id})
        parent = _obj(message.get("reply_to_message")) or None
        in_reply_to = f"{chat['id']}:{parent['message_id']}" if parent and "message_id" in parent else ""
        private = chat_type in PRIVATE_CHATS
        return InboundEvent(
            external_id=external_id,
            kind="direct" if private else ("reply" if in_reply_to else "mention"),
            visibility="private" if private else "public",
            text=text,
            author=author,
            occurred_at=occurred,
            thread_key=f"tg:{chat['id']}",
            in_reply_to=in_reply_to,
            attachments=_attachments(message),
            metrics={"update_id": update_id},
        )

    def _callback(self, query: dict[str, Any], update_id: int) -> InboundEvent | None:
        sender = _obj(query.get("from")) or None
        if sender is None or "id" not in query:
            raise ParseError(f"update {update_id}: callback_query lacks id or from")
        origin = _obj(query.get("message"))
        chat = _obj(origin.get("chat"))
        data = str(query.get("data") or "")
        if not data or not chat:
            return None  # game callbacks or inline-mode messages: nothing to file
        title = _button_title(origin, data)
        occurred = datetime.now(UTC).isoformat() if "date" not in origin else _epoch(origin["date"])
        private = chat.get("type") in PRIVATE_CHATS
        return InboundEvent(
            external_id=f"cbq:{query['id']}",
            kind="direct" if private else "reply",
            visibility="private" if private else "public",
            text=title or data,
            author=_author(sender),
            # A button press has no timestamp of its own; the keyboard message's date orders it.
            occurred_at=occurred,
            thread_key=f"tg:{chat.get('id')}",
            in_reply_to=f"{chat.get('id')}:{origin.get('message_id')}" if "message_id" in origin else "",
            metrics={"update_id": update_id, "callback_query_id": str(query["id"]),
                     "quick_reply": {"source": "inline_keyboard", "payload": data, "title": title}},
        )

    # --- sending -------------------------------------------------------------------------------------

    def build_payload(self, message: OutboundMessage) -> dict[str, Any]:
        chat_id = ""
        reply_to = ""
        if message.in_reply_to and ":" in message.in_reply_to and not message.in_reply_to.startswith("cbq:"):
            chat_id, reply_to = message.in_reply_to.rsplit(":", 1)
        if not chat_id and message.thread_key.startswith("tg:"):
            chat_id = message.thread_key.removeprefix("tg:")
        chat_id = chat_id or message.recipient_id  # in a private chat, the chat id is the user id
        if not chat_id:
            raise SendError("no Telegram chat to send to", retriable=False)
        body: dict[str, Any] = {"chat_id": int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id,
                                "text": message.text}
        options = message.options or {}
        reply_to = str(options.get("reply_to_message_id") or reply_to)
        if reply_to.isdigit():
            body["reply_to_message_id"] = int(reply_to)
            body["allow_sending_without_reply"] = True
        keyboard = options.get("inline_keyboard") or options.get("buttons")
        if keyboard:
            body["reply_markup"] = {"inline_keyboard": _keyboard(keyboard)}
        return body

    def send(self, account: AccountInfo, message: OutboundMessage) -> SendResult:
        doc = self.call(account, "sendMessage", self.build_payload(message))
        result = doc.get("result") or {}
        try:
            return SendResult(external_id=f"{result['chat']['id']}:{result['message_id']}")
        except (KeyError, TypeError) as exc:
            raise SendError(f"unexpected answer from Telegram: {str(doc)[:200]}", retriable=False) from exc

    def answer_callback(self, account: AccountInfo, callback_query_id: str, text: str = "") -> None:
        """Stop the client's loading spinner after a button press (must happen within seconds)."""
        body: dict[str, Any] = {"callback_query_id": callback_query_id}
        if text:
            body["text"] = text[:200]
        self.call(account, "answerCallbackQuery", body)

    def call(self, account: AccountInfo, method: str, body: Mapping[str, Any]) -> dict[str, Any]:
        base = check_base_url(account.api_base_url)
        token = str(account.credentials.get("bot_token", ""))
        if not token:
            raise SendError("the Telegram account has no bot token", retriable=False)
        try:
            response = httpx.post(f"{base}/bot{token}/{method}", json=dict(body), timeout=DEFAULT_TIMEOUT)
        except httpx.TransportError as exc:
            raise SendError(f"network error: {exc.__class__.__name__}: {exc}", retriable=True) from exc
        try:
            doc = response.json()
        except ValueError:
            doc = {}
        if response.status_code < 400 and isinstance(doc, dict) and doc.get("ok"):
            return doc
        raise telegram_error(response.status_code, doc if isinstance(doc, dict) else {})


def telegram_error(status: int, doc: Mapping[str, Any]) -> SendError:
    description = str(doc.get("description") or f"HTTP {status}")[:300]
    code: int = doc["error_code"] if isinstance(doc.get("error_code"), int) else status
    parameters = _obj(doc.get("parameters"))
    if code == 429:
        wait = parameters.get("retry_after")
        return SendError(f"Telegram flood control: {description}", retriable=True,
                         retry_after=float(wait) if isinstance(wait, int | float) else None)
    if code == 401:
        return SendError(f"the bot token is invalid or revoked: {description}", retriable=False)
    if code == 403:
        return SendError(f"Telegram refused the message (the user blocked the bot or never started it): "
                         f"{description}", retriable=False)
    if status >= 500 or code >= 500:
        return SendError(f"Telegram server error {code}: {description}", retriable=True)
    return SendError(f"rejected by Telegram ({code}): {description}", retriable=False)


def _author(sender: Mapping[str, Any]) -> Author:
    name = " ".join(str(sender.get(k) or "") for k in ("first_name", "last_name")).strip()
    return Author(external_id=str(sender["id"]), handle=str(sender.get("username") or ""), display_name=name)


def _button_title(origin: Mapping[str, Any], data: str) -> str:
    markup = _obj(origin.get("reply_markup"))
    for row in markup.get("inline_keyboard") or []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                return str(button.get("text") or "")
    return ""


def _keyboard(spec: Any) -> list[list[dict[str, str]]]:
    """Rows of buttons; a flat list of {"id"/"data", "title"/"text"} becomes one button per row."""
    rows = spec if spec and isinstance(spec[0], list) else [[b] for b in spec]
    keyboard = []
    for row in rows:
        buttons = []
        for button in row:
            text = str(button.get("text") or button.get("title") or "")
            if button.get("url"):
                buttons.append({"text": text, "url": str(button["url"])})
            else:
                data = str(button.get("callback_data") or button.get("data") or button.get("id") or text)
                if len(data.encode()) > 64:
                    raise SendError(f"callback data {data[:20]!r}... is longer than 64 bytes", retriable=False)
                buttons.append({"text": text, "callback_data": data})
        keyboard.append(buttons)
    return keyboard


def _attachments(message: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    found: list[dict[str, Any]] = []
    if isinstance(message.get("photo"), list) and message["photo"]:
        largest = message["photo"][-1]
        found.append({"type": "image", "file_id": str(largest.get("file_id") or ""),
                      "file_unique_id": str(largest.get("file_unique_id") or "")})
    for kind in ("document", "audio", "video", "voice", "sticker", "video_note"):
        item = message.get(kind)
        if isinstance(item, dict):
            ref = {"type": kind, "file_id": str(item.get("file_id") or "")}
            for key in ("file_name", "mime_type", "file_size"):
                if key in item:
                    ref[key] = item[key]
            found.append(ref)
    if isinstance(message.get("location"), dict):
        found.append({"type": "location", **{k: message["location"][k] for k in ("latitude", "longitude")
                                             if k in message["location"]}})
    return tuple(found)


def _epoch(value: Any) -> str:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC).isoformat()
    except (TypeError, ValueError, OverflowError):
        raise ParseError(f"{value!r} is not a Unix timestamp") from None


def _obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict (payload fields may be missing or null)."""
    return value if isinstance(value, dict) else {}
