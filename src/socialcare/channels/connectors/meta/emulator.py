"""A loopback Graph API emulator for Facebook Pages, Messenger, Instagram and Threads.

Used by the tests and the demo. It accepts the calls the Meta adapters make, records them
(``state.calls``), and answers in Graph's shapes:

- Send API: ``POST /{me|page-id|ig-id}/messages`` -> ``{"recipient_id", "message_id"}``. A recipient
  ``{"comment_id"}`` (private reply) is answered with the commenter's page-scoped id ``psid_<user id>``.
  The 24-hour window is enforced for customers it has seen through ``deliver`` (error code 10, subcode
  2018278); the ``HUMAN_AGENT`` tag stretches it to 7 days.
- Facebook comments: ``POST /{id}/comments``, ``POST|DELETE /{id}/likes``, ``POST /{id}?is_hidden=``,
  ``DELETE /{id}``. Instagram: ``POST /{id}/replies``, ``POST /{id}?hide=``.
- Threads: ``POST /{user}/threads`` + ``POST /{user}/threads_publish``, ``GET
  /{user}/threads_publishing_limit`` (1,000 replies per 24 h), ``POST /{id}/manage_reply?hide=``.
- Control: ``POST /_control/fail`` ``{"status": 400, "code": 613, "count": 1}``; ``GET /_calls``.

A Graph version prefix (``/v21.0/...``) is accepted and ignored. ``deliver(url, app_secret, payload)``
signs a webhook with ``X-Hub-Signature-256`` and posts it to Socialcare.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from socialcare.channels.connectors.loopback import LoopbackServer

from .common import sign_body

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 24 * 3600
HUMAN_AGENT_SECONDS = 7 * 24 * 3600
THREADS_REPLY_QUOTA = 1000
_VERSION = re.compile(r"^v\d+(\.\d+)?$")
_DEFAULT_CODES = {400: 100, 401: 190, 403: 10, 404: 803, 429: 4}


@dataclass
class GraphState:
    access_token: str | None
    calls: list[dict[str, Any]] = field(default_factory=list)
    sent_messages: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    hidden: dict[str, bool] = field(default_factory=dict)
    liked: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    threads_published: list[dict[str, Any]] = field(default_factory=list)
    threads_containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    commenters: dict[str, str] = field(default_factory=dict)  # comment id -> author id
    last_customer_message: dict[str, float] = field(default_factory=dict)  # scoped id -> epoch seconds
    failures: list[dict[str, Any]] = field(default_factory=list)
    usage_percent: int = 5
    threads_quota: int = THREADS_REPLY_QUOTA
    clock: Callable[[], float] = time.time
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self.ids)}"

    def learn(self, payload: dict[str, Any]) -> None:
        """Remember commenters and customers' last message times from a webhook we deliver."""
        with self.lock:
            for entry in payload.get("entry") or []:
                for change in entry.get("changes") or []:
                    value = change.get("value") or {}
                    comment_id = value.get("comment_id") or value.get("id")
                    author = (value.get("from") or {}).get("id")
                    if comment_id and author and value.get("item") not in ("reaction", "like", "share"):
                        self.commenters[str(comment_id)] = str(author)
                for item in entry.get("messaging") or []:
                    message = item.get("message") or {}
                    sender = (item.get("sender") or {}).get("id")
                    if sender and not message.get("is_echo") and item.get("timestamp"):
                        stamp = float(item["timestamp"]) / 1000
                        self.last_customer_message[str(sender)] = max(stamp, self.last_customer_message.get(
                            str(sender), 0.0))

    def threads_used(self) -> int:
        since = self.clock() - 24 * 3600
        return sum(1 for p in self.threads_published if p["at"] >= since)


def graph_error_body(code: int, message: str, *, subcode: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Aemu"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


def _handler(state: GraphState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SocialcareGraphEmulator/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            logger.debug("graph-emulator %s", format % args)

        def _json(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            usage = {"call_count": state.usage_percent, "total_cputime": 1, "total_time": 1}
            self.send_header("X-App-Usage", json.dumps(usage))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: int, message: str, subcode: int | None = None) -> None:
            self._json(status, graph_error_body(code, message, subcode=subcode))

        def _read(self) -> tuple[list[str], dict[str, Any]]:
            split = urlsplit(self.path)
            parts = [p for p in split.path.split("/") if p]
            if parts and _VERSION.match(parts[0]):
                parts = parts[1:]
            params: dict[str, Any] = dict(parse_qsl(split.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if raw:
                try:
                    doc = json.loads(raw)
                except ValueError:
                    doc = dict(parse_qsl(raw.decode()))
                if isinstance(doc, dict):
                    params.update(doc)
            return parts, params

        def _authorised(self, params: dict[str, Any]) -> bool:
            if state.access_token is None:
                return True
            given = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
            return state.access_token in (given, params.get("access_token"))

        def _dispatch(self, method: str) -> None:
            parts, params = self._read()
            if parts == ["_calls"]:
                with state.lock:
                    self._json(200, {"calls": list(state.calls)})
                return
            if parts == ["_control", "fail"]:
                with state.lock:
                    for _ in range(int(params.get("count", 1))):
                        state.failures.append(dict(params))
                self._json(200, {"ok": True})
                return
            with state.lock:
                state.calls.append({"method": method, "path": "/".join(parts), "params": params})
                failure = state.failures.pop(0) if state.failures else None
            if failure is not None:
                status = int(failure.get("status", 500))
                code = int(failure.get("code") or _DEFAULT_CODES.get(status, 2))
                headers = {str(k): str(v) for k, v in (failure.get("headers") or {}).items()}
                self._json(status, graph_error_body(code, f"injected failure (code {code})"), headers)
                return
            if not self._authorised(params):
                self._error(400, 190, "Error validating access token: the session is invalid")
                return
            try:
                self._route(method, parts, params)
            except KeyError as exc:
                self._error(400, 100, f"(#100) missing parameter {exc.args[0]}")

        def _route(self, method: str, parts: list[str], params: dict[str, Any]) -> None:
            if len(parts) == 2 and parts[1] == "messages" and method == "POST":
                self._send_api(params)
            elif len(parts) == 2 and parts[1] in ("comments", "replies") and method == "POST":
                text = str(params["message"])
                record: dict[str, Any] = {"id": state.next_id(f"{parts[0]}_r"), "parent_id": parts[0], "message": text,
                          "edge": parts[1]}
                with state.lock:
                    state.comments.append(record)
                self._json(200, {"id": record["id"]})
            elif len(parts) == 2 and parts[1] == "likes":
                with state.lock:
                    (state.liked.add if method == "POST" else state.liked.discard)(parts[0])
                self._json(200, {"success": True})
            elif len(parts) == 2 and parts[1] == "threads" and method == "POST":
                text = str(params["text"])
                if len(text) > 500:
                    self._error(400, 100, "(#100) text is longer than 500 characters")
                    return
                container = state.next_id("container_")
                with state.lock:
                    state.threads_containers[container] = {"text": text, "reply_to_id": params.get("reply_to_id")}
                self._json(200, {"id": container})
            elif len(parts) == 2 and parts[1] == "threads_publish" and method == "POST":
                with state.lock:
                    draft = state.threads_containers.pop(str(params["creation_id"]), None)
                    if draft is None:
                        self._error(400, 100, "(#100) unknown creation_id")
                        return
                    if draft.get("reply_to_id") and state.threads_used() >= state.threads_quota:
                        self._error(400, 4, "reply quota exceeded")
                        return
                    record = {"id": state.next_id("thr_"), **draft, "at": state.clock()}
                    state.threads_published.append(record)
                self._json(200, {"id": record["id"]})
            elif len(parts) == 2 and parts[1] == "threads_publishing_limit" and method == "GET":
                with state.lock:
                    used = state.threads_used()
                self._json(200, {"data": [{"reply_quota_usage": used,
                                           "reply_config": {"quota_total": state.threads_quota,
                                                            "quota_duration": 86400}}]})
            elif len(parts) == 2 and parts[1] == "manage_reply" and method == "POST":
                with state.lock:
                    state.hidden[parts[0]] = str(params.get("hide")).lower() == "true"
                self._json(200, {"success": True})
            elif len(parts) == 1 and method == "POST" and ("is_hidden" in params or "hide" in params):
                flag = params.get("is_hidden", params.get("hide"))
                with state.lock:
                    state.hidden[parts[0]] = str(flag).lower() == "true"
                self._json(200, {"success": True})
            elif len(parts) == 1 and method == "DELETE":
                with state.lock:
                    state.deleted.add(parts[0])
                self._json(200, {"success": True})
            else:
                self._error(400, 100, f"(#100) unsupported request {method} /{'/'.join(parts)}")

        def _send_api(self, params: dict[str, Any]) -> None:
            recipient = params.get("recipient") or {}
            message = params.get("message") or {}
            text = str(message.get("text") or "")
            if not text:
                self._error(400, 100, "(#100) message text is required")
                return
            if len(message.get("quick_replies") or []) > 13:
                self._error(400, 100, "(#100) at most 13 quick replies")
                return
            with state.lock:
                if recipient.get("comment_id"):
                    author = state.commenters.get(str(recipient["comment_id"]), str(recipient["comment_id"]))
                    scoped = f"psid_{author}"
                else:
                    scoped = str(recipient.get("id") or "")
                if not scoped:
                    self._error(400, 100, "(#100) recipient is required")
                    return
                last = state.last_customer_message.get(scoped)
                tagged = params.get("messaging_type") == "MESSAGE_TAG" and params.get("tag") == "HUMAN_AGENT"
                limit = HUMAN_AGENT_SECONDS if tagged else WINDOW_SECONDS
                if last is not None and state.clock() - last > limit:
                    self._error(400, 10, "(#10) This message is sent outside of allowed window.", subcode=2018278)
                    return
                record = {"message_id": state.next_id("m_emu_"), "recipient_id": scoped, "text": text,
                          "recipient": recipient, "messaging_type": params.get("messaging_type"),
                          "tag": params.get("tag"), "quick_replies": message.get("quick_replies") or []}
                state.sent_messages.append(record)
            self._json(200, {"recipient_id": scoped, "message_id": record["message_id"]})

        def do_GET(self) -> None:  # noqa: N802
            self._dispatch("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._dispatch("POST")

        def do_DELETE(self) -> None:  # noqa: N802
            self._dispatch("DELETE")

    return Handler


def deliver(url: str, app_secret: str, payload: dict[str, Any] | bytes, *,
            emulator: GraphEmulator | None = None) -> httpx.Response:
    """Sign ``payload`` like Meta does and POST it to ``url`` (Socialcare's /hooks/<kind>/<id>)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    if emulator is not None:
        emulator.state.learn(json.loads(body))
    return httpx.post(url, content=body, timeout=10.0, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": sign_body(app_secret, body),
        "User-Agent": "facebookexternalua"})


class GraphEmulator(LoopbackServer):
    """Owns a ThreadingHTTPServer on loopback in a background thread."""

    def __init__(self, *, access_token: str | None = "graph-token", port: int = 0, host: str = "127.0.0.1") -> None:
        self.state = GraphState(access_token=access_token)
        super().__init__(_handler(self.state), port=port, host=host, name="graph-emulator")

    def fail_next(self, status: int, code: int | None = None, *, count: int = 1,
                  headers: dict[str, str] | None = None) -> None:
        """Make the next ``count`` API calls fail with ``status`` and a Graph error body (``code``)."""
        with self.state.lock:
            for _ in range(count):
                self.state.failures.append({"status": status, "code": code, "headers": headers or {}})

    def learn(self, payload: dict[str, Any]) -> None:
        self.state.learn(payload)

    def deliver(self, url: str, app_secret: str, payload: dict[str, Any] | bytes) -> httpx.Response:
        return deliver(url, app_secret, payload, emulator=self)

    def calls(self, path_suffix: str = "") -> list[dict[str, Any]]:
        with self.state.lock:
            return [c for c in self.state.calls if c["path"].endswith(path_suffix)]


