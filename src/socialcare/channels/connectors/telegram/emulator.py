"""A loopback emulator of the Telegram Bot API, for the tests and the demo.

Methods (``POST /bot<token>/<method>``, JSON): ``sendMessage`` (returns a Message with a per-chat
``message_id``), ``answerCallbackQuery``, ``setWebhook`` (``url``, ``secret_token``),
``getWebhookInfo``, ``deleteWebhook``, ``getMe``. Answers use Telegram's envelope
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``.

``deliver(url, secret, update)`` posts an update the way Telegram does, with
``X-Telegram-Bot-Api-Secret-Token``; ``push(update)`` delivers to the URL set by ``setWebhook``.
``fail_next(status)`` makes the next method call fail (429 carries ``parameters.retry_after``).
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx

from socialcare.channels.connectors.loopback import LoopbackServer

logger = logging.getLogger(__name__)
MAX_TEXT = 4096


@dataclass
class TelegramState:
    token: str
    bot_id: int = 7000001
    bot_username: str = "acme_care_bot"
    sent: list[dict[str, Any]] = field(default_factory=list)
    answered: list[dict[str, Any]] = field(default_factory=list)
    webhook: dict[str, Any] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    message_ids: dict[str, itertools.count] = field(default_factory=dict)
    update_ids: itertools.count = field(default_factory=lambda: itertools.count(900000001))


def _fail(code: int, description: str, **parameters: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        doc["parameters"] = parameters
    return doc


def _handler(state: TelegramState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "TelegramEmulator/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            logger.debug("telegram.emulator %s", format % args)

        def _json(self, status: int, doc: Any) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            path = self.path.split("?")[0].strip("/")
            token_part, _, method = path.partition("/")
            length = int(self.headers.get("Content-Length") or 0)
            try:
                doc = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                self._json(400, _fail(400, "Bad Request: can't parse JSON"))
                return
            if token_part == "_control" and method == "fail":
                with state.lock:
                    state.failures.append(int(doc.get("status", 500)))
                self._json(200, {"ok": True})
                return
            if token_part != f"bot{state.token}":
                self._json(401, _fail(401, "Unauthorized"))
                return
            with state.lock:
                if state.failures:
                    status = state.failures.pop(0)
                    extra = {"retry_after": 1} if status == 429 else {}
                    text = "Too Many Requests: retry after 1" if status == 429 else f"injected failure {status}"
                    self._json(status, _fail(status, text, **extra))
                    return
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                self._json(404, _fail(404, "Not Found"))
                return
            status, answer = handler(doc)
            self._json(status, answer)

        do_GET = do_POST  # noqa: N815 - the Bot API accepts GET too

        def _m_getMe(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
            return 200, {"ok": True, "result": {"id": state.bot_id, "is_bot": True, "first_name": "Acme Care",
                                                "username": state.bot_username}}

        def _m_sendMessage(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
            chat_id = doc.get("chat_id")
            text = doc.get("text")
            if chat_id in (None, ""):
                return 400, _fail(400, "Bad Request: chat_id is empty")
            if not isinstance(text, str) or not text.strip():
                return 400, _fail(400, "Bad Request: message text is empty")
            if len(text) > MAX_TEXT:
                return 400, _fail(400, "Bad Request: message is too long")
            markup = doc.get("reply_markup")
            if markup is not None:
                rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
                if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                    return 400, _fail(400, "Bad Request: can't parse inline keyboard button")
            with state.lock:
                counter = state.message_ids.setdefault(str(chat_id), itertools.count(1001))
                message = {"message_id": next(counter), "date": int(time.time()),
                           "chat": {"id": chat_id, "type": "private" if int(chat_id) > 0 else "supergroup"},
                           "from": {"id": state.bot_id, "is_bot": True, "first_name": "Acme Care",
                                    "username": state.bot_username},
                           "text": text}
                if markup is not None:
                    message["reply_markup"] = markup
                if doc.get("reply_to_message_id"):
                    message["reply_to_message"] = {"message_id": doc["reply_to_message_id"],
                                                   "chat": message["chat"]}
                state.sent.append({"request": doc, "result": message})
            return 200, {"ok": True, "result": message}

        def _m_answerCallbackQuery(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
            if not doc.get("callback_query_id"):
                return 400, _fail(400, "Bad Request: query is too old and response timeout expired or query ID "
                                       "is invalid")
            with state.lock:
                state.answered.append(doc)
            return 200, {"ok": True, "result": True}

        def _m_setWebhook(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
            secret = str(doc.get("secret_token") or "")
            if secret and (len(secret) > 256 or not all(c.isalnum() or c in "_-" for c in secret)):
                return 400, _fail(400, "Bad Request: secret token contains unallowed characters")
            with state.lock:
                state.webhook = {"url": str(doc.get("url") or ""), "secret_token": secret}
            return 200, {"ok": True, "result": True, "description": "Webhook was set"}

        def _m_deleteWebhook(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
            with state.lock:
                state.webhook = {}
            return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}

        def _m_getWebhookInfo(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:  # noqa: N802
            with state.lock:
                url = state.webhook.get("url", "")
            return 200, {"ok": True, "result": {"url": url, "has_custom_certificate": False,
                                                "pending_update_count": 0}}

    return Handler


class TelegramEmulator(LoopbackServer):
    """Owns a ThreadingHTTPServer on 127.0.0.1 in a background thread."""

    def __init__(self, *, token: str = "123456:TEST-bot-token", port: int = 0, host: str = "127.0.0.1") -> None:
        self.state = TelegramState(token=token)
        super().__init__(_handler(self.state), port=port, host=host, name="telegram-emulator")

    @property
    def sent(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.sent)

    @property
    def answered(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.answered)


    def fail_next(self, status: int) -> None:
        with self.state.lock:
            self.state.failures.append(status)

    # --- updates ------------------------------------------------------------------------------------

    def next_update_id(self) -> int:
        with self.state.lock:
            return next(self.state.update_ids)

    def text_update(self, *, chat_id: int, user: dict[str, Any], text: str, message_id: int,
                    date: int | None = None, chat_type: str = "private") -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat.update({k: user[k] for k in ("first_name", "username") if k in user})
        return {"update_id": self.next_update_id(),
                "message": {"message_id": message_id, "from": {"is_bot": False, **user}, "chat": chat,
                            "date": date or int(time.time()), "text": text}}

    def callback_update(self, *, sent_message: dict[str, Any], user: dict[str, Any], data: str,
                        query_id: str) -> dict[str, Any]:
        """A press on an inline keyboard button of a message this emulator sent."""
        return {"update_id": self.next_update_id(),
                "callback_query": {"id": query_id, "from": {"is_bot": False, **user},
                                   "message": sent_message, "chat_instance": "-5528377310911", "data": data}}

    @staticmethod
    def deliver(url: str, secret: str, update: dict[str, Any]) -> httpx.Response:
        """POST ``update`` to ``url`` with the secret header, as Telegram does."""
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return httpx.post(url, content=json.dumps(update).encode(), headers=headers, timeout=10.0)

    def push(self, update: dict[str, Any]) -> httpx.Response:
        """Deliver ``update`` to the webhook registered with setWebhook."""
        with self.state.lock:
            hook = dict(self.state.webhook)
        if not hook.get("url"):
            raise RuntimeError("no webhook set: call setWebhook first")
        return self.deliver(hook["url"], hook.get("secret_token", ""), update)
