"""A loopback Bluesky PDS/AppView/chat emulator for tests and the demo.

It serves the XRPC endpoints the connector uses, in their documented shapes:

- ``POST /xrpc/com.atproto.server.createSession`` (identifier + app password -> accessJwt)
- ``GET  /xrpc/app.bsky.notification.listNotifications`` (newest first, ``cursor`` paging)
- ``GET  /xrpc/app.bsky.feed.searchPosts`` (``q``, ``since``, ``lang``, ``sort=latest``, ``cursor``)
- ``GET  /xrpc/app.bsky.feed.getPosts`` (``uris``)
- ``POST /xrpc/com.atproto.repo.createRecord`` / ``GET /xrpc/com.atproto.repo.getRecord``
- ``GET  /xrpc/chat.bsky.convo.getConvoForMembers``, ``POST /xrpc/chat.bsky.convo.sendMessage``,
  ``GET /xrpc/chat.bsky.convo.getLog``

Every response carries ``ratelimit-*`` headers. Control endpoints (no auth): ``POST /_control/fail``
``{"status": 429, "count": 1}``, ``POST /_control/notify`` and ``POST /_control/post`` (see the methods
below), ``GET /_control/records``. ``relay(url, secret)`` pushes the notifications to Socialcare's relay
endpoint signed like the poller would.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from socialcare.channels.connectors.loopback import LoopbackServer

from .adapter import relay_sign

logger = logging.getLogger(__name__)
RATE_LIMIT = 3000


def _cid(seed: str) -> str:
    return "bafyrei" + hashlib.sha256(seed.encode()).hexdigest()[:52]


def _z(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class BlueskyState:
    did: str
    handle: str
    password: str
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)  # did -> profileViewBasic
    notifications: list[dict[str, Any]] = field(default_factory=list)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)  # uri -> postView
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (collection, rkey) -> record
    convos: dict[str, dict[str, Any]] = field(default_factory=dict)  # other did -> convo
    chat_log: list[dict[str, Any]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    remaining: int = RATE_LIMIT
    clock: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    lock: threading.RLock = field(default_factory=threading.RLock)

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    def profile(self, did: str, handle: str = "", name: str = "") -> dict[str, Any]:
        if did not in self.profiles:
            self.profiles[did] = {"did": did, "handle": handle or did.split(":")[-1] + ".bsky.social",
                                  "displayName": name, "avatar": f"https://cdn.bsky.app/img/avatar/{did}.jpg",
                                  "labels": [], "createdAt": "2024-02-01T10:00:00.000Z"}
        return self.profiles[did]


class BlueskyEmulator(LoopbackServer):
    """Owns a ThreadingHTTPServer on 127.0.0.1 in a background thread."""

    def __init__(self, *, did: str = "did:plc:acmebrand0000000000000", handle: str = "acme.bsky.social",
                 password: str = "app-pass-1234", port: int = 0) -> None:
        self.state = BlueskyState(did=did, handle=handle, password=password)
        self.state.profile(did, handle, "Acme Support")
        super().__init__(_handler(self.state), port=port, host="127.0.0.1", name="bluesky-emulator")


    # --- scripting ---------------------------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1) -> None:
        with self.state.lock:
            self.state.failures.extend([status] * count)

    def add_post(self, *, author_did: str, text: str, handle: str = "", name: str = "",
                 reply_to: str = "", langs: tuple[str, ...] = ("en",), at: datetime | None = None) -> str:
        """Publish a post by someone (visible to searchPosts and getPosts); returns its at:// uri."""
        state = self.state
        with state.lock:
            when = at or state.tick()
            uri = f"at://{author_did}/app.bsky.feed.post/3l{next(state.ids):011d}"
            record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": _z(when),
                                      "langs": list(langs)}
            if reply_to:
                parent = state.posts[reply_to]
                root = (parent["record"].get("reply") or {}).get("root") or {"uri": parent["uri"],
                                                                              "cid": parent["cid"]}
                record["reply"] = {"root": root, "parent": {"uri": parent["uri"], "cid": parent["cid"]}}
            state.posts[uri] = {"uri": uri, "cid": _cid(uri), "author": state.profile(author_did, handle, name),
                                "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 0,
                                "quoteCount": 0, "indexedAt": _z(when), "labels": []}
            return uri

    def notify(self, *, reason: str, author_did: str, text: str = "", handle: str = "", name: str = "",
               reply_to: str = "", subject: str = "", at: datetime | None = None) -> str:
        """Something happened to the brand: a mention/reply/quote (a new post) or a like/repost."""
        state = self.state
        with state.lock:
            when = at or state.tick()
            if reason in ("like", "repost"):
                uri = f"at://{author_did}/app.bsky.feed.{reason}/3k{next(state.ids):011d}"
                record = {"$type": f"app.bsky.feed.{reason}", "createdAt": _z(when),
                          "subject": {"uri": subject, "cid": _cid(subject)}}
            else:
                uri = self.add_post(author_did=author_did, text=text, handle=handle, name=name,
                                    reply_to=reply_to, at=when)
                record = state.posts[uri]["record"]
            state.notifications.append({
                "uri": uri, "cid": _cid(uri), "author": state.profile(author_did, handle, name),
                "reason": reason, "reasonSubject": subject or None, "record": record, "isRead": False,
                "indexedAt": _z(when), "labels": [],
            })
            return uri

    def dm(self, *, sender_did: str, text: str, handle: str = "") -> str:
        state = self.state
        with state.lock:
            convo = _convo(state, sender_did, handle)
            return str(_chat(state, convo, sender_did, text)["id"])

    def created(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [dict(r) for r in self.state.records.values()]

    def relay(self, url: str, secret: str) -> httpx.Response:
        body = json.dumps({"notifications": self.state.notifications}).encode()
        return httpx.post(url, content=body, timeout=10,
                          headers={"Content-Type": "application/json",
                                   "X-Socialcare-Relay-Signature": relay_sign(secret, body)})


def _handler(state: BlueskyState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "BlueskyEmulator/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            logger.debug("bluesky.http %s", format % args)

        def _json(self, status: int, doc: Any) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ratelimit-limit", str(RATE_LIMIT))
            self.send_header("ratelimit-remaining", str(max(0, state.remaining)))
            self.send_header("ratelimit-reset", str(int(time.time()) + 300))
            self.send_header("ratelimit-policy", f"{RATE_LIMIT};w=300")
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, error: str, message: str) -> None:
            self._json(status, {"error": error, "message": message})

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v for k, v in parse_qs(parts.query).items()}
            path = parts.path
            if path.startswith("/_control/"):
                self._control(method, path)
                return
            if not path.startswith("/xrpc/"):
                self._error(404, "NotFound", "not found")
                return
            nsid = path.removeprefix("/xrpc/")
            with state.lock:
                state.requests.append(nsid)
                if state.failures:
                    status = state.failures.pop(0)
                    self._error(status, "InjectedFailure", f"injected failure {status}")
                    return
                state.remaining -= 1
                if nsid == "com.atproto.server.createSession" and method == "POST":
                    self._create_session()
                    return
                auth = self.headers.get("Authorization", "")
                if auth.removeprefix("Bearer ") not in state.tokens:
                    self._error(401, "ExpiredToken", "Token has expired")
                    return
                handler = ROUTES.get((method, nsid))
                if handler is None:
                    self._error(501, "MethodNotImplemented", f"{nsid} is not emulated")
                    return
                handler(self, query)

        def do_GET(self) -> None:  # noqa: N802
            self._route("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._route("POST")

        # --- control -----------------------------------------------------------------------------
        def _control(self, method: str, path: str) -> None:
            doc = self._body() if method == "POST" else {}
            with state.lock:
                if path == "/_control/fail":
                    state.failures.extend([int(doc.get("status", 500))] * int(doc.get("count", 1)))
                    self._json(200, {"ok": True})
                elif path == "/_control/records":
                    self._json(200, {"records": list(state.records.values())})
                else:
                    self._error(404, "NotFound", "unknown control endpoint")

        # --- xrpc --------------------------------------------------------------------------------
        def _create_session(self) -> None:
            doc = self._body()
            if doc.get("identifier") not in (state.handle, state.did) or doc.get("password") != state.password:
                self._error(401, "AuthenticationRequired", "Invalid identifier or password")
                return
            token = f"jwt-{next(state.ids)}"
            state.tokens.add(token)
            self._json(200, {"accessJwt": token, "refreshJwt": f"refresh-{token}", "handle": state.handle,
                             "did": state.did, "active": True})

        def list_notifications(self, query: dict[str, list[str]]) -> None:
            limit = min(100, int((query.get("limit") or ["50"])[0]))
            items = sorted(state.notifications, key=lambda n: (n["indexedAt"], n["uri"]), reverse=True)
            after = (query.get("cursor") or [""])[0]
            if after:
                at, _, uri = after.partition("|")
                items = [n for n in items if (n["indexedAt"], n["uri"]) < (at, uri)]
            page = items[:limit]
            doc: dict[str, Any] = {"notifications": page, "priority": False}
            if len(items) > limit:
                doc["cursor"] = f"{page[-1]['indexedAt']}|{page[-1]['uri']}"
            self._json(200, doc)

        def search_posts(self, query: dict[str, list[str]]) -> None:
            q = (query.get("q") or [""])[0].strip().lower()
            if not q:
                self._error(400, "InvalidRequest", "q is required")
                return
            since = (query.get("since") or [""])[0]
            lang = (query.get("lang") or [""])[0]
            limit = min(100, int((query.get("limit") or ["25"])[0]))
            offset = int((query.get("cursor") or ["0"])[0])
            words = q.split()
            hits = []
            for post in state.posts.values():
                text = post["record"]["text"].lower()
                if not all(_term_matches(w, text, post) for w in words):
                    continue
                if since and _parse(post["indexedAt"]) < _parse(since):
                    continue
                if lang and lang not in post["record"].get("langs", []):
                    continue
                hits.append(post)
            hits.sort(key=lambda p: (p["indexedAt"], p["uri"]), reverse=True)
            page = hits[offset:offset + limit]
            doc: dict[str, Any] = {"posts": page, "hitsTotal": len(hits)}
            if offset + limit < len(hits):
                doc["cursor"] = str(offset + limit)
            self._json(200, doc)

        def get_posts(self, query: dict[str, list[str]]) -> None:
            uris = query.get("uris") or []
            self._json(200, {"posts": [state.posts[u] for u in uris if u in state.posts]})

        def create_record(self, query: dict[str, list[str]]) -> None:
            doc = self._body()
            record = doc.get("record") or {}
            collection = doc.get("collection")
            if doc.get("repo") not in (state.did, state.handle):
                self._error(400, "InvalidRequest", "repo must be the session's own repository")
                return
            text = record.get("text")
            if collection != "app.bsky.feed.post" or not isinstance(text, str) or not text.strip():
                self._error(400, "InvalidRequest", "a post record with text is required")
                return
            from socialcare.channels.rules import count_graphemes

            if count_graphemes(text) > 300:
                self._error(400, "InvalidRequest", "Record/text must not be longer than 300 graphemes")
                return
            reply = record.get("reply")
            if reply is not None:
                for ref in ("root", "parent"):
                    target = state.posts.get((reply.get(ref) or {}).get("uri", ""))
                    if target is None or target["cid"] != reply[ref].get("cid"):
                        self._error(400, "InvalidRequest", f"reply.{ref} does not reference an existing post")
                        return
            rkey = str(doc.get("rkey") or f"3m{next(state.ids):011d}")
            if (collection, rkey) in state.records:
                self._error(400, "InvalidSwap", "Record already exists")
                return
            uri = f"at://{state.did}/{collection}/{rkey}"
            stored = {"uri": uri, "cid": _cid(uri), "value": record}
            state.records[(collection, rkey)] = stored
            state.posts[uri] = {"uri": uri, "cid": stored["cid"], "author": state.profile(state.did),
                                "record": record, "replyCount": 0, "repostCount": 0, "likeCount": 0,
                                "quoteCount": 0, "indexedAt": _z(state.tick()), "labels": []}
            self._json(200, {"uri": uri, "cid": stored["cid"], "commit": {"cid": _cid("c" + uri), "rev": rkey},
                             "validationStatus": "valid"})

        def get_record(self, query: dict[str, list[str]]) -> None:
            key = ((query.get("collection") or [""])[0], (query.get("rkey") or [""])[0])
            if key not in state.records:
                self._error(400, "RecordNotFound", "Could not locate record")
                return
            self._json(200, state.records[key])

        def convo_for_members(self, query: dict[str, list[str]]) -> None:
            if self.headers.get("atproto-proxy") != "did:web:api.bsky.chat#bsky_chat":
                self._error(400, "InvalidRequest", "chat calls must be proxied to the chat service")
                return
            members = [m for m in query.get("members") or [] if m != state.did]
            if not members:
                self._error(400, "InvalidRequest", "members is required")
                return
            convo = _convo(state, members[0])
            self._json(200, {"convo": convo})

        def send_message(self, query: dict[str, list[str]]) -> None:
            doc = self._body()
            convo = next((c for c in state.convos.values() if c["id"] == doc.get("convoId")), None)
            text = (doc.get("message") or {}).get("text")
            if convo is None or not isinstance(text, str) or not text.strip():
                self._error(400, "InvalidConvo", "unknown convo or empty message")
                return
            message = _chat(state, convo, state.did, text)
            state.records[("chat", message["id"])] = {"convoId": convo["id"], **message}
            self._json(200, message)

        def get_log(self, query: dict[str, list[str]]) -> None:
            after = (query.get("cursor") or [""])[0]
            logs = [entry for entry in state.chat_log if not after or entry["rev"] > after]
            doc: dict[str, Any] = {"logs": logs[:100]}
            if logs:
                doc["cursor"] = logs[:100][-1]["rev"]
            elif after:
                doc["cursor"] = after
            self._json(200, doc)

    ROUTES = {
        ("GET", "app.bsky.notification.listNotifications"): Handler.list_notifications,
        ("GET", "app.bsky.feed.searchPosts"): Handler.search_posts,
        ("GET", "app.bsky.feed.getPosts"): Handler.get_posts,
        ("POST", "com.atproto.repo.createRecord"): Handler.create_record,
        ("GET", "com.atproto.repo.getRecord"): Handler.get_record,
        ("GET", "chat.bsky.convo.getConvoForMembers"): Handler.convo_for_members,
        ("POST", "chat.bsky.convo.sendMessage"): Handler.send_message,
        ("GET", "chat.bsky.convo.getLog"): Handler.get_log,
    }
    return Handler


def _convo(state: BlueskyState, other: str, handle: str = "") -> dict[str, Any]:
    if other not in state.convos:
        state.convos[other] = {"id": f"convo{next(state.ids)}", "rev": "1", "muted": False, "unreadCount": 0,
                               "members": [state.profile(state.did), state.profile(other, handle)]}
    return state.convos[other]


def _chat(state: BlueskyState, convo: dict[str, Any], sender: str, text: str) -> dict[str, Any]:
    rev = f"{next(state.ids):012d}"
    message = {"$type": "chat.bsky.convo.defs#messageView", "id": f"msg{rev}", "rev": rev, "text": text,
               "sender": {"did": sender}, "sentAt": _z(state.tick())}
    state.chat_log.append({"$type": "chat.bsky.convo.defs#logCreateMessage", "rev": rev,
                           "convoId": convo["id"], "message": message})
    return message


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _term_matches(word: str, text: str, post: dict[str, Any]) -> bool:
    if word.startswith("from:"):
        return bool(post["author"]["handle"].lower() == word.removeprefix("from:").lstrip("@"))
    return word in text
