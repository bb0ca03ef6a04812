"""The sandbox network: a loopback HTTP server that accepts replies and plays scripted traffic.

Run it with ``socialcare sandbox serve``. It answers:

- ``POST /api/v1/messages``: publish a reply or a private message (Bearer token required). The same
  ``idempotency_key`` returns the message created the first time, so a retried send never posts twice.
- ``GET /api/v1/messages``: everything published so far (for tests and curious humans).
- ``POST /_control/fail``: ``{"status": 429, "count": 2}`` makes the next sends fail that way.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from socialcare.channels.connectors.loopback import LoopbackServer

logger = logging.getLogger(__name__)


@dataclass
class SandboxState:
    api_token: str
    published: list[dict[str, Any]] = field(default_factory=list)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))


def _handler(state: SandboxState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SocialcareSandbox/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from stdlib
            logger.debug("sandbox.http %s", format % args)

        def _json(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_GET(self) -> None:  # noqa: N802
            if self.path.startswith("/api/v1/messages"):
                with state.lock:
                    self._json(200, {"messages": list(state.published)})
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path == "/_control/fail":
                doc = self._body()
                with state.lock:
                    state.failures.extend([int(doc.get("status", 500))] * int(doc.get("count", 1)))
                self._json(200, {"ok": True})
                return
            if self.path != "/api/v1/messages":
                self._json(404, {"error": "not found"})
                return
            if self.headers.get("Authorization") != f"Bearer {state.api_token}":
                self._json(401, {"error": "bad token"})
                return
            try:
                doc = self._body()
            except json.JSONDecodeError:
                self._json(400, {"error": "body is not JSON"})
                return
            text = doc.get("text")
            if not isinstance(text, str) or not text.strip():
                self._json(400, {"error": "text is required"})
                return
            if len(text) > 500:
                self._json(400, {"error": "text longer than 500 characters"})
                return
            with state.lock:
                if state.failures:
                    status = state.failures.pop(0)
                    self._json(status, {"error": f"injected failure {status}"}, {"Retry-After": "0"})
                    return
                key = str(doc.get("idempotency_key") or "")
                if key and key in state.by_key:
                    self._json(200, state.by_key[key], {"x-rate-limit-remaining": "99"})
                    return
                record = {
                    "id": f"sbx_out_{next(state.ids)}",
                    "text": text,
                    "visibility": doc.get("visibility", "public"),
                    "in_reply_to": doc.get("in_reply_to"),
                    "recipient_id": doc.get("recipient_id"),
                    "conversation_id": doc.get("conversation_id"),
                    "idempotency_key": key,
                }
                state.published.append(record)
                if key:
                    state.by_key[key] = record
            self._json(201, record, {"x-rate-limit-remaining": "99"})

    return Handler


class SandboxServer(LoopbackServer):
    """Owns a ThreadingHTTPServer on 127.0.0.1 in a background thread."""

    def __init__(self, *, api_token: str, port: int = 0, host: str = "127.0.0.1") -> None:
        self.state = SandboxState(api_token=api_token)
        super().__init__(_handler(self.state), port=port, host=host, name="sandbox-server")


