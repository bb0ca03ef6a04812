"""A loopback Mastodon instance emulator for tests and the demo.

Serves, in the documented REST shapes: ``GET /api/v2/instance``, ``GET /api/v1/accounts/verify_credentials``,
``GET /api/v1/accounts/:id``, ``GET /api/v1/statuses/:id``, ``POST /api/v1/statuses`` (``Idempotency-Key``
honoured, ``max_characters`` enforced with Mastodon's counting), ``GET /api/v1/notifications``,
``GET /api/v1/timelines/tag/:hashtag`` and ``GET /api/v1/timelines/public`` (``max_id``/``since_id``/
``min_id`` paging with ``Link`` headers). Every response carries ``X-RateLimit-*`` headers.
Failure injection: ``fail_next(status)`` or ``POST /_control/fail``.
"""

from __future__ import annotations

import html
import itertools
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from socialcare.channels.connectors.loopback import LoopbackServer

from .adapter import relay_sign
from .common import count_mastodon

logger = logging.getLogger(__name__)
RATE_LIMIT = 300
DOMAIN = "social.example"


def _z(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class MastodonState:
    token: str
    max_characters: int
    brand_id: str = ""
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    by_key: dict[str, dict[str, Any]] = field(default_factory=dict)
    created: list[dict[str, Any]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    remaining: int = RATE_LIMIT
    clock: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    ids: itertools.count = field(default_factory=lambda: itertools.count(113_500_000_000_000_001))
    lock: threading.RLock = field(default_factory=threading.RLock)

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def account(self, username: str, name: str = "", domain: str = "") -> dict[str, Any]:
        acct = f"{username}@{domain}" if domain and domain != DOMAIN else username
        for existing in self.accounts.values():
            if existing["acct"] == acct:
                return existing
        account_id = str(next(self.ids))
        doc = {"id": account_id, "username": username, "acct": acct, "display_name": name, "locked": False,
               "bot": False, "created_at": "2023-01-10T00:00:00.000Z", "note": "",
               "url": f"https://{domain or DOMAIN}/@{username}", "avatar": f"https://{DOMAIN}/avatars/{username}.png",
               "followers_count": 12, "following_count": 30, "statuses_count": 40, "emojis": [], "fields": []}
        self.accounts[account_id] = doc
        return doc


class MastodonEmulator(LoopbackServer):
    def __init__(self, *, token: str = "masto-token", max_characters: int = 500, port: int = 0) -> None:
        self.state = MastodonState(token=token, max_characters=max_characters)
        self.state.brand_id = self.state.account("acme", "Acme Support")["id"]
        super().__init__(_handler(self.state), port=port, host="127.0.0.1", name="mastodon-emulator")


    # --- scripting ---------------------------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1) -> None:
        with self.state.lock:
            self.state.failures.extend([status] * count)

    def post(self, *, username: str, text: str, name: str = "", domain: str = "", reply_to: str = "",
             visibility: str = "public", tags: tuple[str, ...] = (), language: str = "en") -> str:
        """Someone publishes a status; returns its id. A status mentioning @acme notifies the brand."""
        state = self.state
        with state.lock:
            author = state.account(username, name, domain)
            status = _status(state, author, text, reply_to=reply_to, visibility=visibility, tags=tags,
                             language=language)
            if "@acme" in text.lower() or (reply_to and state.statuses[reply_to]["account"]["id"] == state.brand_id):
                state.notifications.append({"id": str(next(state.ids)), "type": "mention",
                                            "created_at": status["created_at"], "account": author,
                                            "status": status})
            return str(status["id"])

    def favourite(self, *, username: str, status_id: str) -> str:
        state = self.state
        with state.lock:
            notification = {"id": str(next(state.ids)), "type": "favourite", "created_at": _z(state.tick()),
                            "account": state.account(username), "status": state.statuses[status_id]}
            state.notifications.append(notification)
            return str(notification["id"])

    def brand_statuses(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.created)

    def relay(self, url: str, secret: str) -> httpx.Response:
        body = json.dumps(sorted(self.state.notifications, key=lambda n: -int(n["id"]))).encode()
        return httpx.post(url, content=body, timeout=10, headers={
            "Content-Type": "application/json", "X-Socialcare-Relay-Signature": relay_sign(secret, body)})


def _status(state: MastodonState, author: dict[str, Any], text: str, *, reply_to: str = "",
            visibility: str = "public", tags: tuple[str, ...] = (), language: str = "en") -> dict[str, Any]:
    status_id = str(next(state.ids))
    parent = state.statuses.get(reply_to) if reply_to else None
    found_tags = {w.lstrip("#").lower() for w in text.split() if w.startswith("#") and len(w) > 1} | set(tags)
    status = {
        "id": status_id, "created_at": _z(state.tick()), "in_reply_to_id": reply_to or None,
        "in_reply_to_account_id": parent["account"]["id"] if parent else None, "sensitive": False,
        "spoiler_text": "", "visibility": visibility, "language": language,
        "uri": f"https://{DOMAIN}/users/{author['username']}/statuses/{status_id}",
        "url": f"https://{DOMAIN}/@{author['username']}/{status_id}", "replies_count": 0, "reblogs_count": 0,
        "favourites_count": 0, "edited_at": None,
        "content": "<p>" + html.escape(text).replace("\n", "<br />") + "</p>", "reblog": None,
        "account": author, "media_attachments": [], "mentions": [],
        "tags": [{"name": t, "url": f"https://{DOMAIN}/tags/{t}"} for t in sorted(found_tags)], "emojis": [],
        "card": None, "poll": None,
    }
    state.statuses[status_id] = status
    return status


def _page(items: list[dict[str, Any]], query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Mastodon paging: newest first; ``max_id`` < id; ``since_id`` newest above; ``min_id`` just above."""
    limit = min(80, int((query.get("limit") or ["20"])[0]))
    ordered = sorted(items, key=lambda i: int(i["id"]), reverse=True)
    if query.get("max_id"):
        ordered = [i for i in ordered if int(i["id"]) < int(query["max_id"][0])]
    if query.get("since_id"):
        ordered = [i for i in ordered if int(i["id"]) > int(query["since_id"][0])]
    if query.get("min_id"):
        above = [i for i in ordered if int(i["id"]) > int(query["min_id"][0])]
        return list(reversed(list(reversed(above))[:limit]))
    return ordered[:limit]


def _handler(state: MastodonState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "MastodonEmulator/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            logger.debug("mastodon.http %s", format % args)

        def _json(self, status: int, doc: Any, link: str = "") -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-RateLimit-Limit", str(RATE_LIMIT))
            self.send_header("X-RateLimit-Remaining", str(max(0, state.remaining)))
            self.send_header("X-RateLimit-Reset", _z(datetime.now(UTC) + timedelta(minutes=5)))
            if link:
                self.send_header("Link", link)
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) or b"{}"
            if (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            return dict(json.loads(raw))

        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            path = parts.path.rstrip("/")
            if path == "/_control/fail":
                doc = self._body()
                with state.lock:
                    state.failures.extend([int(doc.get("status", 500))] * int(doc.get("count", 1)))
                self._json(200, {"ok": True})
                return
            with state.lock:
                if state.failures:
                    status = state.failures.pop(0)
                    self._json(status, {"error": f"injected failure {status}"})
                    return
                state.remaining -= 1
                if path == "/api/v2/instance":
                    self._json(200, {"domain": DOMAIN, "title": "Social Example", "version": "4.3.0",
                                     "source_url": "https://github.com/mastodon/mastodon",
                                     "configuration": {"statuses": {"max_characters": state.max_characters,
                                                                    "max_media_attachments": 4,
                                                                    "characters_reserved_per_url": 23}}})
                    return
                if self.headers.get("Authorization") != f"Bearer {state.token}":
                    self._json(401, {"error": "The access token is invalid"})
                    return
                self._authed(method, path, query)

        def _authed(self, method: str, path: str, query: dict[str, list[str]]) -> None:
            segments = path.split("/")[1:]
            if method == "POST" and path == "/api/v1/statuses":
                self._create_status()
            elif path == "/api/v1/accounts/verify_credentials":
                self._json(200, state.accounts[state.brand_id])
            elif segments[:3] == ["api", "v1", "accounts"] and len(segments) == 4:
                found = state.accounts.get(segments[3])
                self._json(200 if found else 404, found or {"error": "Record not found"})
            elif segments[:3] == ["api", "v1", "statuses"] and len(segments) == 4:
                found = state.statuses.get(segments[3])
                self._json(200 if found else 404, found or {"error": "Record not found"})
            elif path == "/api/v1/notifications":
                types = set(query.get("types[]") or [])
                items = [n for n in state.notifications if not types or n["type"] in types]
                self._list(path, _page(items, query))
            elif segments[:4] == ["api", "v1", "timelines", "tag"] and len(segments) == 5:
                wanted = {segments[4].lower(), *(t.lower() for t in query.get("any[]") or [])}
                items = [s for s in state.statuses.values() if s["visibility"] == "public"
                         and wanted & {t["name"] for t in s["tags"]}]
                self._list(path, _page(items, query))
            elif path == "/api/v1/timelines/public":
                self._list(path, _page([s for s in state.statuses.values() if s["visibility"] == "public"], query))
            else:
                self._json(404, {"error": "Record not found"})

        def _list(self, path: str, items: list[dict[str, Any]]) -> None:
            link = ""
            if items:
                base = f"http://{self.headers.get('Host')}{path}"
                link = (f'<{base}?max_id={items[-1]["id"]}>; rel="next", '
                        f'<{base}?min_id={items[0]["id"]}>; rel="prev"')
            self._json(200, items, link)

        def _create_status(self) -> None:
            key = self.headers.get("Idempotency-Key", "")
            if key and key in state.by_key:
                self._json(200, state.by_key[key])
                return
            doc = self._body()
            text = doc.get("status")
            if not isinstance(text, str) or not text.strip():
                self._json(422, {"error": "Validation failed: Text can't be blank"})
                return
            if count_mastodon(text) > state.max_characters:
                self._json(422, {"error": f"Validation failed: Text character limit of {state.max_characters} exceeded"})
                return
            reply_to = str(doc.get("in_reply_to_id") or "")
            if reply_to and reply_to not in state.statuses:
                self._json(404, {"error": "Record not found"})
                return
            visibility = str(doc.get("visibility") or "public")
            if visibility not in ("public", "unlisted", "private", "direct"):
                self._json(422, {"error": "Validation failed: Visibility is not included in the list"})
                return
            status = _status(state, state.accounts[state.brand_id], text, reply_to=reply_to, visibility=visibility)
            state.created.append(status)
            if key:
                state.by_key[key] = status
            self._json(200, status)

        def do_GET(self) -> None:  # noqa: N802
            self._route("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._route("POST")

    return Handler
