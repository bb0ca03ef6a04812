"""A loopback X API emulator for tests and the demo.

It serves, with the documented v2 shapes and ``x-rate-limit-*`` headers:

- ``POST /2/tweets`` (``{text, reply: {in_reply_to_tweet_id}}``) -> ``{"data": {"id", "text"}}``
- ``POST /2/dm_conversations/with/:participant_id/messages`` -> ``{"data": {"dm_conversation_id", "dm_event_id"}}``
- ``POST /2/users/:id/likes`` (``{tweet_id}``) and ``DELETE /2/users/:id/likes/:tweet_id``
- ``GET /2/tweets/search/recent?query=&since_id=&until_id=&max_results=&next_token=``
- ``GET /2/tweets/search/stream``: newline-delimited JSON, one ``{"data", "includes": {"users"},
  "matching_rules"}`` per matching post and a blank ``\\r\\n`` heartbeat every ``heartbeat_seconds``
- ``GET|POST /2/tweets/search/stream/rules`` (``{"add": [{value, tag}]}`` / ``{"delete": {"ids": [...]}}``)

Not X, but useful: writes carrying an ``Idempotency-Key`` header are performed once (a retry gets the
first answer), ``fail_next(status)`` injects failures, ``drop_response_next()`` performs a write and
then closes the connection without answering (a lost response), ``drop_streams()`` cuts open streams,
and ``deliver(url, payload)`` POSTs an Account Activity body signed with the consumer secret.
``POST /_control/fail`` and ``GET /_control/state`` expose the same over HTTP for the demo.
"""

from __future__ import annotations

import itertools
import json
import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from socialcare.channels.connectors.loopback import LoopbackServer

from .adapter import SIGNATURE_HEADER, sign
from .length import MAX_WEIGHTED_LENGTH, weighted_length
from .payloads import account_activity, v1_dm_event, v1_tweet, v1_user, v2_post, v2_user
from .query import QueryError, compile_query

logger = logging.getLogger(__name__)
FIRST_ID = 1_860_000_000_000_000_000
RATE_WINDOW_SECONDS = 900
DEFAULT_LIMITS = {"tweets": 200, "dm": 200, "likes": 200, "search": 450, "rules": 450, "stream": 50}


@dataclass
class _Stream:
    lines: queue.Queue[bytes | None] = field(default_factory=queue.Queue)


@dataclass
class XState:
    consumer_secret: str
    tokens: set[str]
    brand_id: str
    heartbeat_seconds: float
    posts: list[dict[str, Any]] = field(default_factory=list)  # every public post, oldest first
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # v2 user objects by id
    published: list[dict[str, Any]] = field(default_factory=list)  # what the brand posted via the API
    dms: list[dict[str, Any]] = field(default_factory=list)
    likes: dict[str, set[str]] = field(default_factory=dict)  # user id -> liked post ids
    by_key: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    failures: list[int] = field(default_factory=list)
    drop_responses: int = 0
    rules: dict[str, dict[str, str]] = field(default_factory=dict)
    streams: list[_Stream] = field(default_factory=list)
    limits: dict[str, list[int]] = field(default_factory=dict)  # group -> [limit, remaining, reset]
    calls: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(FIRST_ID))
    closing: threading.Event = field(default_factory=threading.Event)

    def next_id(self) -> str:
        return str(next(self.ids))

    def bucket(self, group: str) -> list[int]:
        now = int(time.time())
        entry = self.limits.get(group)
        if entry is None or entry[2] <= now:
            limit = DEFAULT_LIMITS.get(group, 100) if entry is None else entry[0]
            entry = [limit, limit, now + RATE_WINDOW_SECONDS]
            self.limits[group] = entry
        return entry


class _Dropped(Exception):
    """Close the connection without an answer (a lost response)."""


def _handler(state: XState) -> type[BaseHTTPRequestHandler]:  # noqa: C901 - one routing table
    class Handler(BaseHTTPRequestHandler):
        server_version = "SocialcareXEmulator/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            logger.debug("x-emulator %s", format % args)

        # --- plumbing ---------------------------------------------------------------------------
        def _send(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _problem(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> None:
            self._send(status, {"title": title, "detail": detail, "type": "about:blank", "status": status},
                       headers)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            return json.loads(raw) if raw else {}

        def _authorised(self) -> bool:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer ") and auth[7:] in state.tokens:
                return True
            self._problem(401, "Unauthorized", "Unauthorized")
            return False

        def _limited(self, group: str) -> dict[str, str] | None:
            """Spend one call of ``group``; answer 429 (and return None) when the window is used up."""
            with state.lock:
                if state.failures:
                    status = state.failures.pop(0)
                    bucket = state.bucket(group)
                    headers = self._limit_headers(bucket)
                    if status == 429:
                        headers["x-rate-limit-remaining"] = "0"
                    self._problem(status, "Injected failure", f"injected failure {status}", headers)
                    return None
                bucket = state.bucket(group)
                if bucket[1] <= 0:
                    self._problem(429, "Too Many Requests", "Too Many Requests", self._limit_headers(bucket))
                    return None
                bucket[1] -= 1
                return self._limit_headers(bucket)

        @staticmethod
        def _limit_headers(bucket: list[int]) -> dict[str, str]:
            return {"x-rate-limit-limit": str(bucket[0]), "x-rate-limit-remaining": str(max(0, bucket[1])),
                    "x-rate-limit-reset": str(bucket[2])}

        def _idempotent(self, key: str, make: Any, headers: dict[str, str]) -> None:
            """Run ``make() -> (status, doc)`` once per idempotency key; replay the first answer after."""
            with state.lock:
                if key and key in state.by_key:
                    status, doc = state.by_key[key]
                else:
                    status, doc = make()
                    if key and status < 300:
                        state.by_key[key] = (status, doc)
                    if state.drop_responses and status < 300:
                        state.drop_responses -= 1
                        raise _Dropped
            self._send(status, doc, headers)

        # --- routing ------------------------------------------------------------------------------
        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            state.calls.append(("GET", url.path))
            if url.path == "/_control/state":
                with state.lock:
                    self._send(200, {"published": state.published, "dms": state.dms,
                                     "likes": {k: sorted(v) for k, v in state.likes.items()},
                                     "rules": list(state.rules.values()), "posts": len(state.posts)})
                return
            if not self._authorised():
                return
            if url.path == "/2/tweets/search/recent":
                self._search(query)
            elif url.path == "/2/tweets/search/stream/rules":
                headers = self._limited("rules")
                if headers is not None:
                    with state.lock:
                        rules = list(state.rules.values())
                    meta = {"sent": _now_iso(), "result_count": len(rules)}
                    self._send(200, {"data": rules, "meta": meta} if rules else {"meta": meta}, headers)
            elif url.path == "/2/tweets/search/stream":
                self._stream()
            else:
                self._problem(404, "Not Found Error", f"no route {url.path}")

        def do_POST(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            parts = url.path.strip("/").split("/")
            state.calls.append(("POST", url.path))
            try:
                doc = self._body()
            except json.JSONDecodeError:
                self._problem(400, "Invalid Request", "body is not JSON")
                return
            if url.path == "/_control/fail":
                with state.lock:
                    state.failures.extend([int(doc.get("status", 500))] * int(doc.get("count", 1)))
                self._send(200, {"ok": True})
                return
            if not self._authorised():
                return
            try:
                if url.path == "/2/tweets":
                    self._create_post(doc)
                elif len(parts) == 5 and parts[:3] == ["2", "dm_conversations", "with"] and parts[4] == "messages":
                    self._create_dm(parts[3], doc)
                elif len(parts) == 4 and parts[:2] == ["2", "users"] and parts[3] == "likes":
                    self._like(parts[2], str(doc.get("tweet_id") or ""), liked=True)
                elif url.path == "/2/tweets/search/stream/rules":
                    self._change_rules(doc, dry_run=parse_qs(url.query).get("dry_run") == ["true"])
                else:
                    self._problem(404, "Not Found Error", f"no route {url.path}")
            except _Dropped:
                self.close_connection = True
                self.connection.close()

        def do_DELETE(self) -> None:  # noqa: N802
            parts = urlsplit(self.path).path.strip("/").split("/")
            state.calls.append(("DELETE", self.path))
            if not self._authorised():
                return
            if len(parts) == 5 and parts[:2] == ["2", "users"] and parts[3] == "likes":
                self._like(parts[2], parts[4], liked=False)
            else:
                self._problem(404, "Not Found Error", f"no route {self.path}")

        # --- endpoints ----------------------------------------------------------------------------
        def _create_post(self, doc: dict[str, Any]) -> None:
            text = doc.get("text")
            if not isinstance(text, str) or not text.strip():
                self._problem(400, "Invalid Request", "text is required")
                return
            if weighted_length(text) > MAX_WEIGHTED_LENGTH:
                self._problem(403, "Forbidden", "Your Tweet text is too long.")
                return
            parent = str((doc.get("reply") or {}).get("in_reply_to_tweet_id") or "")
            headers = self._limited("tweets")
            if headers is None:
                return

            def make() -> tuple[int, dict[str, Any]]:
                post = _world_post(state, text=text, author_id=state.brand_id, in_reply_to=parent)
                state.published.append(post)
                return 201, {"data": {"id": post["id"], "text": text, "edit_history_tweet_ids": [post["id"]]}}

            self._idempotent(self.headers.get("Idempotency-Key", ""), make, headers)

        def _create_dm(self, participant: str, doc: dict[str, Any]) -> None:
            text = doc.get("text")
            if not isinstance(text, str) or not text.strip():
                self._problem(400, "Invalid Request", "text is required")
                return
            headers = self._limited("dm")
            if headers is None:
                return

            def make() -> tuple[int, dict[str, Any]]:
                event_id = state.next_id()
                conversation = "-".join(sorted([participant, state.brand_id]))
                state.dms.append({"id": event_id, "text": text, "sender_id": state.brand_id,
                                  "recipient_id": participant, "dm_conversation_id": conversation,
                                  "created_at": _now_iso()})
                return 201, {"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}}

            self._idempotent(self.headers.get("Idempotency-Key", ""), make, headers)

        def _like(self, user_id: str, tweet_id: str, *, liked: bool) -> None:
            if not tweet_id:
                self._problem(400, "Invalid Request", "tweet_id is required")
                return
            headers = self._limited("likes")
            if headers is None:
                return
            with state.lock:
                mine = state.likes.setdefault(user_id, set())
                (mine.add if liked else mine.discard)(tweet_id)
            self._send(200, {"data": {"liked": liked}}, headers)

        def _search(self, query: dict[str, str]) -> None:
            try:
                predicate = compile_query(query.get("query", ""))
            except QueryError as exc:
                self._problem(400, "Invalid Request", f"query: {exc}")
                return
            headers = self._limited("search")
            if headers is None:
                return
            since = int(query.get("since_id") or 0)
            until = int(query.get("until_id") or 0) or None
            size = max(10, min(100, int(query.get("max_results") or 10)))
            before = int(query.get("next_token") or 0) or None
            with state.lock:
                hits = [p for p in reversed(state.posts)
                        if int(p["id"]) > since and (until is None or int(p["id"]) < until)
                        and (before is None or int(p["id"]) < before)
                        and predicate(p, state.users.get(p["author_id"], {}))]
                page, more = hits[:size], len(hits) > size
                users = _users_of(state, page)
            meta: dict[str, Any] = {"result_count": len(page)}
            if page:
                meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
            if more:
                meta["next_token"] = page[-1]["id"]
            body: dict[str, Any] = {"meta": meta}
            if page:
                body.update(data=page, includes={"users": users})
            self._send(200, body, headers)

        def _change_rules(self, doc: dict[str, Any], *, dry_run: bool) -> None:
            headers = self._limited("rules")
            if headers is None:
                return
            with state.lock:
                if "add" in doc:
                    created, invalid = [], 0
                    for item in doc.get("add") or []:
                        value = str(item.get("value") or "")
                        try:
                            compile_query(value)
                        except QueryError:
                            invalid += 1
                            continue
                        rule = {"id": state.next_id(), "value": value}
                        if item.get("tag"):
                            rule["tag"] = str(item["tag"])
                        created.append(rule)
                        if not dry_run:
                            state.rules[rule["id"]] = rule
                    summary = {"created": len(created), "not_created": invalid, "valid": len(created),
                               "invalid": invalid}
                    self._send(201 if created else 200,
                               {"data": created, "meta": {"sent": _now_iso(), "summary": summary}}, headers)
                    return
                if "delete" in doc:
                    ids = [str(i) for i in (doc.get("delete") or {}).get("ids") or []]
                    values = set((doc.get("delete") or {}).get("values") or [])
                    ids += [r["id"] for r in state.rules.values() if r["value"] in values]
                    gone = [i for i in ids if i in state.rules]
                    if not dry_run:
                        for rule_id in gone:
                            del state.rules[rule_id]
                    summary = {"deleted": len(gone), "not_deleted": len(ids) - len(gone)}
                    self._send(200, {"meta": {"sent": _now_iso(), "summary": summary}}, headers)
                    return
            self._problem(400, "Invalid Request", "expected 'add' or 'delete'")

        def _stream(self) -> None:
            headers = self._limited("stream")
            if headers is None:
                return
            stream = _Stream()
            with state.lock:
                state.streams.append(stream)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            try:
                while not state.closing.is_set():
                    try:
                        line = stream.lines.get(timeout=state.heartbeat_seconds)
                    except queue.Empty:
                        line = b""
                    if line is None:
                        break
                    self.wfile.write(line + b"\r\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with state.lock:
                    if stream in state.streams:
                        state.streams.remove(stream)
            self.close_connection = True

    return Handler


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _users_of(state: XState, posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for post in posts:
        user = state.users.get(post["author_id"])
        if user is not None:
            seen.setdefault(user["id"], user)
    return list(seen.values())


def _world_post(state: XState, *, text: str, author_id: str, in_reply_to: str = "", lang: str = "en",
                created_at: datetime | None = None, post_id: str = "") -> dict[str, Any]:
    """Add a public post to the emulated world (search index + open streams). Call with the lock held."""
    parent = next((p for p in state.posts if p["id"] == in_reply_to), None) if in_reply_to else None
    post = v2_post(
        post_id=post_id or state.next_id(), text=text, author_id=author_id,
        created_at=created_at or datetime.now(UTC),
        conversation_id=parent["conversation_id"] if parent else "",
        in_reply_to_post_id=in_reply_to, in_reply_to_user_id=parent["author_id"] if parent else "", lang=lang,
    )
    state.posts.append(post)
    user = state.users.get(author_id, {})
    matched = []
    for rule in state.rules.values():
        try:
            if compile_query(rule["value"])(post, user):
                matched.append({k: rule[k] for k in ("id", "tag") if k in rule})
        except QueryError:
            continue
    if matched and state.streams:
        line = json.dumps({"data": post, "includes": {"users": [user] if user else []},
                           "matching_rules": matched}).encode()
        for stream in state.streams:
            stream.lines.put(line)
    return post


class XEmulator(LoopbackServer):
    """Owns a ThreadingHTTPServer on 127.0.0.1 in a background thread.

    ``XEmulator(consumer_secret=..., access_token=..., brand_id=..., heartbeat_seconds=20)``; use it as
    a context manager or call ``start()``/``stop()``.
    """

    def __init__(self, *, consumer_secret: str = "x-consumer-secret", access_token: str = "x-user-token",
                 bearer_token: str = "x-app-bearer", brand_id: str = "1000", brand_username: str = "acme",
                 heartbeat_seconds: float = 20.0, port: int = 0, host: str = "127.0.0.1") -> None:
        self.state = XState(consumer_secret=consumer_secret, tokens={access_token, bearer_token},
                            brand_id=brand_id, heartbeat_seconds=heartbeat_seconds)
        self.add_user(brand_id, brand_username, name=brand_username.title(), followers=25_000, verified=True)
        super().__init__(_handler(self.state), port=port, host=host, name="x-emulator")

    # --- lifecycle ---------------------------------------------------------------------------------------
    def stop(self) -> None:
        self.state.closing.set()
        self.drop_streams()
        super().stop()

    # --- controls ----------------------------------------------------------------------------------------
    def fail_next(self, status: int, count: int = 1) -> None:
        with self.state.lock:
            self.state.failures.extend([status] * count)

    def drop_response_next(self, count: int = 1) -> None:
        """The next successful write is performed, but its response is lost (the connection closes)."""
        with self.state.lock:
            self.state.drop_responses += count

    def set_rate_limit(self, group: str, *, remaining: int, limit: int | None = None,
                       reset_in: float = RATE_WINDOW_SECONDS) -> None:
        """Groups: tweets, dm, likes, search, rules, stream."""
        with self.state.lock:
            bucket = self.state.bucket(group)
            bucket[0] = limit if limit is not None else bucket[0]
            bucket[1] = remaining
            bucket[2] = int(time.time() + reset_in)

    def drop_streams(self) -> None:
        """Cut every open filtered-stream connection (the client sees the stream end)."""
        with self.state.lock:
            for stream in list(self.state.streams):
                stream.lines.put(None)

    @property
    def open_streams(self) -> int:
        with self.state.lock:
            return len(self.state.streams)

    @property
    def published(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.published)

    @property
    def dms(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.dms)

    def liked(self, user_id: str | None = None) -> set[str]:
        with self.state.lock:
            return set(self.state.likes.get(user_id or self.state.brand_id, set()))

    @property
    def rules(self) -> list[dict[str, str]]:
        with self.state.lock:
            return list(self.state.rules.values())

    # --- the world ---------------------------------------------------------------------------------------
    def add_user(self, user_id: str, username: str, *, name: str = "", followers: int = 0,
                 verified: bool = False) -> dict[str, Any]:
        user = v2_user(user_id, username, name, followers, verified)
        with self.state.lock:
            self.state.users[user_id] = user
        return user

    def publish(self, text: str, *, author_id: str, in_reply_to: str = "", lang: str = "en",
                created_at: datetime | None = None, post_id: str = "") -> dict[str, Any]:
        """Someone posts publicly: the post becomes searchable and is pushed to matching streams."""
        with self.state.lock:
            if author_id not in self.state.users:
                self.state.users[author_id] = v2_user(author_id, f"user{author_id}")
            return _world_post(self.state, text=text, author_id=author_id, in_reply_to=in_reply_to,
                               lang=lang, created_at=created_at, post_id=post_id)

    def mention_payload(self, post: dict[str, Any]) -> dict[str, Any]:
        """The Account Activity delivery X sends the brand for a public post (mention, reply or echo)."""
        with self.state.lock:
            author = self.state.users.get(post["author_id"]) or v2_user(post["author_id"], post["author_id"])
            parent_author = str(post.get("in_reply_to_user_id") or "")
            parent_user = self.state.users.get(parent_author, {})
        user = v1_user(author["id"], author["username"], author["name"],
                       author["public_metrics"]["followers_count"], author["verified"])
        replied = next((r["id"] for r in post.get("referenced_tweets") or [] if r["type"] == "replied_to"), "")
        tweet = v1_tweet(tweet_id=post["id"], text=post["text"], user=user,
                         created_at=datetime.fromisoformat(post["created_at"].replace("Z", "+00:00")),
                         in_reply_to_status_id=replied, in_reply_to_user_id=parent_author,
                         in_reply_to_screen_name=str(parent_user.get("username") or ""))
        return account_activity(self.state.brand_id, tweet_create_events=[tweet])

    def dm_payload(self, *, event_id: str, sender_id: str, recipient_id: str, text: str,
                   created_at: datetime | None = None) -> dict[str, Any]:
        from .payloads import v1_dm_user

        with self.state.lock:
            users = {}
            for uid in (sender_id, recipient_id):
                u = self.state.users.get(uid) or v2_user(uid, f"user{uid}")
                users[uid] = v1_dm_user(uid, u["username"], u["name"], u["public_metrics"]["followers_count"],
                                        u["verified"])
        event = v1_dm_event(event_id=event_id, sender_id=sender_id, recipient_id=recipient_id, text=text,
                            created_at=created_at or datetime.now(UTC))
        return account_activity(self.state.brand_id, direct_message_events=[event], users=users)

    # --- webhooks ----------------------------------------------------------------------------------------
    def signed(self, payload: dict[str, Any] | bytes) -> tuple[bytes, dict[str, str]]:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return body, {"Content-Type": "application/json",
                      SIGNATURE_HEADER: sign(self.state.consumer_secret, body)}

    def deliver(self, url: str, payload: dict[str, Any] | bytes, *, timeout: float = 10.0) -> httpx.Response:
        """POST an Account Activity / X Activity API body to ``url``, signed like X does."""
        body, headers = self.signed(payload)
        return httpx.post(url, content=body, headers=headers, timeout=timeout)

    def crc(self, url: str, token: str = "crc-challenge") -> bool:
        """Run X's CRC check against ``url``; True when the response token is right."""
        response = httpx.get(url, params={"crc_token": token}, timeout=10.0)
        if response.status_code != 200:
            return False
        expected = sign(self.state.consumer_secret, token.encode())
        return bool(response.json().get("response_token") == expected)
