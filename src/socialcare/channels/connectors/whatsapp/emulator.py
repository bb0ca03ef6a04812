"""A loopback emulator of the WhatsApp Cloud API, for the tests and the demo.

It answers ``POST /[v<version>/]{phone_number_id}/messages`` (Bearer token) with a ``wamid`` the way
the Cloud API does, records every accepted message, and refuses free-form messages to customers whose
last message (as told by ``customer_wrote``) is older than 24 hours with error 131047. It builds
webhook deliveries in the documented shapes (``message_delivery``, ``status_delivery``) and posts
them signed with the app secret (``deliver``), e.g. ``sent``/``delivered``/``read`` statuses for a
wamid it returned.

Failure injection: ``fail_next(status, code=None)`` (or ``POST /_control/fail``) makes the next send
fail with that HTTP status and Graph error code.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx

from socialcare.channels.connectors.loopback import LoopbackServer

from ..meta.common import sign_body

logger = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)


@dataclass
class WhatsAppState:
    phone_number_id: str
    access_token: str
    app_secret: str
    display_phone_number: str = "15550001111"
    waba_id: str = "102290129340398"
    sent: list[dict[str, Any]] = field(default_factory=list)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_inbound: dict[str, datetime] = field(default_factory=dict)
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))


def _error(code: int, message: str, details: str = "") -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": details or message},
                      "fbtrace_id": "AbCdEfGh"}}


def _handler(state: WhatsAppState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "WhatsAppEmulator/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            logger.debug("whatsapp.emulator %s", format % args)

        def _json(self, status: int, doc: Any) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def _parts(self) -> list[str]:
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            if parts and parts[0].startswith("v") and parts[0][1:].replace(".", "").isdigit():
                parts = parts[1:]  # /v21.0/... version prefix
            return parts

        def do_GET(self) -> None:  # noqa: N802
            if self._parts() == ["_control", "sent"]:
                with state.lock:
                    self._json(200, {"messages": list(state.sent)})
            else:
                self._json(404, _error(100, "Unknown path"))

        def do_POST(self) -> None:  # noqa: N802
            parts = self._parts()
            if parts == ["_control", "fail"]:
                doc = self._body()
                with state.lock:
                    state.failures.append((int(doc.get("status", 500)), doc.get("code")))
                self._json(200, {"ok": True})
                return
            if len(parts) != 2 or parts[1] != "messages":
                self._json(404, _error(100, "Unsupported post request"))
                return
            if parts[0] != state.phone_number_id:
                self._json(400, _error(100, f"Unknown phone number id {parts[0]}"))
                return
            if self.headers.get("Authorization") != f"Bearer {state.access_token}":
                self._json(401, _error(190, "Invalid OAuth access token."))
                return
            try:
                doc = self._body()
            except json.JSONDecodeError:
                self._json(400, _error(100, "Invalid JSON"))
                return
            status, answer = self._accept(doc)
            self._json(status, answer)

        def _accept(self, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
            if doc.get("messaging_product") != "whatsapp":
                return 400, _error(100, "messaging_product must be whatsapp")
            user = str(doc.get("to") or doc.get("recipient") or "")
            if not user:
                return 400, _error(100, "The parameter to or recipient is required")
            kind = doc.get("type", "text")
            if kind == "text":
                body = str((doc.get("text") or {}).get("body") or "")
                if not body or len(body) > 4096:
                    return 400, _error(100, "text.body must be 1 to 4096 characters")
            elif kind == "interactive":
                interactive = doc.get("interactive") or {}
                if interactive.get("type") == "button" and not 1 <= len(
                        (interactive.get("action") or {}).get("buttons") or []) <= 3:
                    return 400, _error(131009, "Parameter value is not valid", "buttons: 1 to 3 allowed")
            elif kind == "template":
                if not (doc.get("template") or {}).get("name"):
                    return 400, _error(132001, "Template name does not exist in the translation")
            else:
                return 400, _error(100, f"Unsupported message type {kind}")
            with state.lock:
                if state.failures:
                    status, code = state.failures.pop(0)
                    default = 4 if status == 429 else (1 if status >= 500 else 100)
                    return status, _error(int(code or default), f"injected failure {status}")
                key = str(doc.get("biz_opaque_callback_data") or "")
                if key and key in state.by_key:
                    return 200, state.by_key[key]["answer"]
                last = state.last_inbound.get(user)
                if kind != "template" and last is not None and datetime.now(UTC) - last > WINDOW:
                    return 400, _error(131047, "Re-engagement message",
                                       "Message failed to send because more than 24 hours have passed since "
                                       "the customer last replied to this number.")
                wamid = f"wamid.EMU{next(state.ids):06d}"
                answer = {"messaging_product": "whatsapp",
                          "contacts": [{"input": user, "wa_id": user} if "to" in doc else
                                       {"input": user, "user_id": user}],
                          "messages": [{"id": wamid}]}
                state.sent.append({"id": wamid, "to": user, "type": kind, "body": doc})
                if key:
                    state.by_key[key] = {"answer": answer}
            return 200, answer

    return Handler


class WhatsAppEmulator(LoopbackServer):
    """Owns a ThreadingHTTPServer on 127.0.0.1 in a background thread."""

    def __init__(self, *, phone_number_id: str = "106540352242922", access_token: str = "wa-token",
                 app_secret: str = "wa-app-secret", port: int = 0, host: str = "127.0.0.1") -> None:
        self.state = WhatsAppState(phone_number_id=phone_number_id, access_token=access_token,
                                   app_secret=app_secret)
        super().__init__(_handler(self.state), port=port, host=host, name="whatsapp-emulator")

    @property
    def sent(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.sent)


    # --- control ------------------------------------------------------------------------------------

    def fail_next(self, status: int, code: int | None = None) -> None:
        with self.state.lock:
            self.state.failures.append((status, code))

    def customer_wrote(self, user: str, at: datetime) -> None:
        """Tell the emulator when ``user`` (wa_id or BSUID) last wrote, for the 24-hour window."""
        with self.state.lock:
            self.state.last_inbound[user] = at

    # --- webhooks -----------------------------------------------------------------------------------

    def envelope(self, values: list[dict[str, Any]]) -> dict[str, Any]:
        """One delivery: one entry per value (a batch of several entries when given several)."""
        return {"object": "whatsapp_business_account",
                "entry": [{"id": self.state.waba_id, "changes": [{"field": "messages", "value": v}]} for v in values]}

    def _metadata(self) -> dict[str, str]:
        return {"display_phone_number": self.state.display_phone_number,
                "phone_number_id": self.state.phone_number_id}

    def message_value(self, *, wamid: str, wa_id: str, name: str, text: str, user_id: str = "",
                      at: datetime | None = None) -> dict[str, Any]:
        at = at or datetime.now(UTC)
        contact: dict[str, Any] = {"profile": {"name": name}, "wa_id": wa_id}
        message: dict[str, Any] = {"from": wa_id, "id": wamid, "timestamp": str(int(at.timestamp())),
                                   "type": "text", "text": {"body": text}}
        if user_id:
            contact["user_id"] = user_id
            message["from_user_id"] = user_id
        self.customer_wrote(user_id or wa_id, at)
        if user_id and wa_id:
            self.customer_wrote(wa_id, at)
        return {"messaging_product": "whatsapp", "metadata": self._metadata(), "contacts": [contact],
                "messages": [message]}

    def status_value(self, *, wamid: str, status: str, recipient: str, at: datetime | None = None,
                     errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        at = at or datetime.now(UTC)
        item: dict[str, Any] = {"id": wamid, "status": status, "timestamp": str(int(at.timestamp())),
                                "recipient_id": recipient}
        if status != "failed":
            item["conversation"] = {"id": "CONVERSATION_ID", "origin": {"type": "service"}}
            item["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "service"}
        if errors:
            item["errors"] = errors
        with self.state.lock:
            for record in self.state.sent:
                if record["id"] == wamid and record["body"].get("biz_opaque_callback_data"):
                    item["biz_opaque_callback_data"] = record["body"]["biz_opaque_callback_data"]
        return {"messaging_product": "whatsapp", "metadata": self._metadata(), "statuses": [item]}

    def sign(self, body: bytes) -> str:
        return sign_body(self.state.app_secret, body)

    def deliver(self, url: str, doc: dict[str, Any]) -> httpx.Response:
        """POST one webhook delivery to ``url`` signed with the app secret, as Meta does."""
        body = json.dumps(doc).encode()
        return httpx.post(url, content=body, timeout=10.0,
                          headers={"Content-Type": "application/json", "X-Hub-Signature-256": self.sign(body)})

    def deliver_statuses(self, url: str, wamid: str, statuses: tuple[str, ...] = ("sent", "delivered", "read"),
                         *, pause: float = 0.0) -> list[httpx.Response]:
        """Deliver the status lifecycle of a message this emulator accepted."""
        record = next((r for r in self.sent if r["id"] == wamid), None)
        recipient = record["to"] if record else ""
        answers = []
        for status in statuses:
            answers.append(self.deliver(url, self.envelope([self.status_value(wamid=wamid, status=status,
                                                                               recipient=recipient)])))
            if pause:
                time.sleep(pause)
        return answers
