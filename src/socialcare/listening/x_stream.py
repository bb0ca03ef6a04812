"""X listening: filtered-stream rules from the Stream queries, the NDJSON stream, recent-search backfill.

One ``XStreamRunner`` per X channel account (X allows one filtered-stream connection per app). It

1. syncs rules (``/2/tweets/search/stream/rules``): one rule per running stream, tagged
   ``socialcare-stream-<id>``; rules of paused/removed streams are deleted;
2. backfills every stream with recent search (``since_id`` = the stream's durable cursor) so posts
   published while we were not connected (restart, dropped connection) are not lost;
3. consumes ``/2/tweets/search/stream``; blank lines are heartbeats (every 20 s): when nothing at all
   arrives for ``heartbeat_timeout`` seconds the connection is considered dead and re-opened;
4. on a drop or error waits with backoff (exponential, capped; 429 starts at a minute) and goes to 1.

Every post is recorded with ``services.hits_record`` together with the stream's cursor (the highest
post id seen), so a restart neither loses nor duplicates posts; duplicates between backfill and stream
are skipped by the (stream, post id) unique constraint.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import httpx
from django.db import close_old_connections

from socialcare.channels.connectors.base import SendError
from socialcare.channels.connectors.http import check_base_url
from socialcare.channels.models import ChannelAccount

from . import services
from .models import Platform, Stream
from .query import x_rule

logger = logging.getLogger(__name__)
TAG_PREFIX = "socialcare-stream-"
FIELDS = {
    "tweet.fields": "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,lang,public_metrics",
    "expansions": "author_id",
    "user.fields": "username,name,public_metrics,verified",
}


class StreamSilent(Exception):
    """No data and no heartbeat for longer than the heartbeat timeout."""


def cursor_key(stream: Stream) -> str:
    return f"stream:{stream.pk}:x"


def state_key(account: ChannelAccount) -> str:
    return f"account:{account.pk}:x-stream"


def envelope(post: Mapping[str, Any], users: Iterable[Mapping[str, Any]]) -> bytes:
    """The payload stored for a hit: an X Activity API ``post.create`` envelope around the v2 post, which
    the X adapter parses like any other delivery."""
    author = [u for u in users if str(u.get("id")) == str(post.get("author_id"))]
    return json.dumps({"data": {"event_type": "post.create", "payload": dict(post),
                                "includes": {"users": author}}}, sort_keys=True).encode()


def _hit(post: Mapping[str, Any], users: list[Mapping[str, Any]]) -> services.Hit:
    author = next((u for u in users if str(u.get("id")) == str(post.get("author_id"))), {})
    handle = str(author.get("username") or "")
    created = post.get("created_at")
    return services.Hit(
        external_id=str(post["id"]), payload=envelope(post, users), text=str(post.get("text") or ""),
        author_handle=handle, url=f"https://x.com/{handle or 'i'}/status/{post['id']}",
        occurred_at=datetime.fromisoformat(str(created).replace("Z", "+00:00")) if created else None,
    )


def _newest(cursor: Mapping[str, Any], ids: Iterable[str]) -> dict[str, Any]:
    best = max([int(cursor.get("since_id") or 0), *(int(i) for i in ids)])
    return {"since_id": str(best)} if best else dict(cursor)


class XStreamRunner:
    def __init__(self, account: ChannelAccount, *, heartbeat_timeout: float = 30.0, backoff_base: float = 1.0,
                 backoff_max: float = 64.0, rate_limit_backoff: float = 60.0) -> None:
        self.account_id = account.pk
        self.heartbeat_timeout = heartbeat_timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.rate_limit_backoff = rate_limit_backoff
        self.stop_event = threading.Event()
        self.connections = 0
        self.response: httpx.Response | None = None

    # --- plumbing ------------------------------------------------------------------------------------
    @property
    def account(self) -> ChannelAccount:
        return ChannelAccount.objects.get(pk=self.account_id)

    def _client(self, account: ChannelAccount, read_timeout: float = 10.0) -> httpx.Client:
        token = str(account.credentials.get("bearer_token") or account.credentials.get("access_token") or "")
        return httpx.Client(base_url=check_base_url(account.api_base_url),
                            headers={"Authorization": f"Bearer {token}"},
                            timeout=httpx.Timeout(read_timeout, connect=3.0))

    def _check(self, response: httpx.Response) -> httpx.Response:
        remaining = response.headers.get("x-rate-limit-remaining")
        if response.status_code == 429:
            raise SendError("rate limited (429)", retriable=True, retry_after=self.rate_limit_backoff)
        if response.status_code >= 400:
            raise SendError(f"rejected by platform ({response.status_code}): {response.text[:300]}",
                            retriable=response.status_code >= 500)
        if remaining is not None:
            reset = response.headers.get("x-rate-limit-reset")
            services.health_ok(self.account, remaining=int(remaining),
                               reset_at=datetime.fromtimestamp(int(reset)).astimezone() if reset else None)
        return response

    def streams(self) -> list[Stream]:
        return list(Stream.objects.filter(channel_account_id=self.account_id, platform=Platform.X,
                                          is_active=True, paused_reason=""))

    # --- rules -----------------------------------------------------------------------------------------
    def sync_rules(self) -> dict[str, str]:
        """Make the account's ``socialcare-stream-*`` rules equal the running streams' queries."""
        account = self.account
        wanted: dict[str, str] = {}
        for stream in self.streams():
            try:
                wanted[stream.rule_tag] = x_rule(stream)
            except ValueError as exc:
                services.health_error(account, f"stream:{stream.pk}", f"invalid query: {exc}")
        with self._client(account) as client:
            existing = self._check(client.get("/2/tweets/search/stream/rules")).json().get("data") or []
            ours = [r for r in existing if str(r.get("tag", "")).startswith(TAG_PREFIX)]
            stale = [r["id"] for r in ours if wanted.get(r["tag"]) != r["value"]]
            kept = {r["tag"] for r in ours if wanted.get(r["tag"]) == r["value"]}
            if stale:
                self._check(client.post("/2/tweets/search/stream/rules", json={"delete": {"ids": stale}}))
            add = [{"value": value, "tag": tag} for tag, value in wanted.items() if tag not in kept]
            if add:
                self._check(client.post("/2/tweets/search/stream/rules", json={"add": add}))
        return wanted

    # --- recent search ------------------------------------------------------------------------------------
    def backfill(self, stream: Stream, *, max_pages: int = 10) -> int:
        """Recent search since the stream's cursor; returns the number of new hits."""
        account = self.account
        cursor = services.cursor_get(cursor_key(stream))
        params: dict[str, Any] = {"query": x_rule(stream), "max_results": 100, **FIELDS}
        if cursor.get("since_id"):
            params["since_id"] = cursor["since_id"]
        posts: list[Mapping[str, Any]] = []
        users: list[Mapping[str, Any]] = []
        with self._client(account) as client:
            for _ in range(max_pages):
                doc = self._check(client.get("/2/tweets/search/recent", params=params)).json()
                posts += doc.get("data") or []
                users += (doc.get("includes") or {}).get("users") or []
                token = (doc.get("meta") or {}).get("next_token")
                if not token or not cursor.get("since_id"):
                    break  # first run: the newest page only
                params["next_token"] = token
        if not posts:
            return 0
        new_cursor = _newest(cursor, [str(p["id"]) for p in posts])
        ordered = sorted(posts, key=lambda p: int(p["id"]))
        created = services.hits_record(stream, [_hit(p, users) for p in ordered], cursor_key=cursor_key(stream),
                                       cursor=new_cursor)
        return len(created)

    def backfill_all(self) -> int:
        return sum(self.backfill(stream) for stream in self.streams())

    # --- the stream ------------------------------------------------------------------------------------------
    def handle_line(self, line: str) -> int:
        """One NDJSON line of the filtered stream; returns the number of new hits."""
        doc = json.loads(line)
        if "data" not in doc:
            if doc.get("errors"):
                raise SendError(f"stream error: {json.dumps(doc['errors'])[:300]}", retriable=True)
            return 0
        post = doc["data"]
        users = (doc.get("includes") or {}).get("users") or []
        created = 0
        for rule in doc.get("matching_rules") or []:
            tag = str(rule.get("tag") or "")
            if not tag.startswith(TAG_PREFIX):
                continue
            stream = Stream.objects.filter(pk=int(tag.removeprefix(TAG_PREFIX)), channel_account_id=self.account_id,
                                           platform=Platform.X).first()
            if stream is None or not stream.is_running:
                continue  # paused meanwhile: its rule goes at the next sync
            cursor = services.cursor_get(cursor_key(stream))
            created += len(services.hits_record(stream, [_hit(post, users)], cursor_key=cursor_key(stream),
                                                cursor=_newest(cursor, [str(post["id"])])))
            stream.refresh_from_db(fields=["paused_reason"])
            if not stream.is_running:
                self.sync_rules()  # the cap was reached: stop X from delivering (and billing) more
        return created

    def consume(self) -> int:
        """Read the stream until it ends, goes silent, or ``stop()``; returns lines handled."""
        account = self.account
        handled = 0
        with self._client(account, read_timeout=self.heartbeat_timeout) as client:
            try:
                with client.stream("GET", "/2/tweets/search/stream", params=FIELDS) as response:
                    self.response = response
                    if response.status_code != 200:
                        response.read()
                        self._check(response)
                    self.connections += 1
                    services.health_ok(account)
                    services.cursor_set(state_key(account), {"connected_at": time.time(), "heartbeat_at": time.time()})
                    last_beat = time.monotonic()
                    for line in response.iter_lines():
                        if self.stop_event.is_set():
                            break
                        if time.monotonic() - last_beat > 5:
                            services.cursor_set(state_key(account), {"heartbeat_at": time.time()})
                            last_beat = time.monotonic()
                        if not line.strip():
                            continue  # heartbeat
                        self.handle_line(line)
                        handled += 1
            except httpx.ReadTimeout as exc:
                raise StreamSilent(f"no data or heartbeat for {self.heartbeat_timeout:g} s") from exc
            except httpx.StreamError:
                if not self.stop_event.is_set():  # closed by stop(): a normal end
                    raise
            finally:
                self.response = None
        return handled

    def stop(self) -> None:
        self.stop_event.set()
        response = self.response
        if response is not None:
            try:
                response.close()
            except Exception:  # noqa: BLE001 - closing from another thread is best effort
                logger.debug("x_stream.close_failed")

    def _backoff(self, attempt: int, exc: Exception | None) -> float:
        if isinstance(exc, SendError) and exc.retry_after:
            return min(exc.retry_after * 2 ** max(0, attempt - 1), max(self.backoff_max, exc.retry_after))
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, attempt - 1)) if attempt else 0.0

    def run(self) -> None:
        """Connect, backfill and consume until ``stop()``; reconnects with backoff."""
        attempt = 0
        while not self.stop_event.is_set():
            error: Exception | None = None
            try:
                self.sync_rules()
                self.backfill_all()
                if not self.streams():
                    self.stop_event.wait(max(1.0, self.backoff_max))
                    continue
                handled = self.consume()
                attempt = 0 if handled else attempt + 1
                if not self.stop_event.is_set():
                    logger.info("x_stream.ended", extra={"account_id": self.account_id})
            except (httpx.TransportError, httpx.StreamError, SendError, StreamSilent, json.JSONDecodeError) as exc:
                error = exc
                attempt += 1
                if not self.stop_event.is_set():
                    services.health_error(self.account, "x-stream", f"{exc.__class__.__name__}: {exc}")
            finally:
                close_old_connections()
            if not self.stop_event.is_set():
                self.stop_event.wait(self._backoff(attempt, error))


def x_poll_fallback(*, stale_after: float = 120.0) -> int:
    """Recent-search polling for X streams whose account has no live filtered-stream connection."""
    hits = 0
    accounts = ChannelAccount.objects.filter(is_active=True, kind="x", streams__platform=Platform.X,
                                             streams__is_active=True, streams__paused_reason="").distinct()
    for account in accounts:
        state = services.cursor_get(state_key(account))
        if state.get("heartbeat_at") and time.time() - float(state["heartbeat_at"]) < stale_after:
            continue  # `socialcare listen` is connected
        runner = XStreamRunner(account)
        try:
            hits += runner.backfill_all()
        except (httpx.TransportError, SendError, ValueError) as exc:
            services.health_error(account, "x-recent-search", f"{exc.__class__.__name__}: {exc}")
    return hits
