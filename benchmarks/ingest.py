"""Ingestion benchmark: signed sandbox webhooks through the real HTTP endpoint and the real worker.

For each configuration (embedded SQLite + filesystem broker; PostgreSQL + Redis when reachable) it
starts a fresh database, one uvicorn web process and ONE Celery worker (solo pool), posts N signed
webhooks with C concurrent clients, and reports side by side:

- webhook acknowledgement latency p50/p99 (client-measured, loopback),
- end-to-end events/s from the first webhook sent to the last message stored,
- a plain bulk insert of the same number of messages into the same database (the floor).

Usage: python benchmarks/ingest.py [--events 3000] [--concurrency 16] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(Path(__file__).resolve().parent)]

from _common import figure, markdown_table, write_results  # noqa: E402

PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "socialcare_bench"
REDIS = "redis://127.0.0.1:6379/13"


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def django_env(config: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **config, "DJANGO_SETTINGS_MODULE": "config.settings.base", "PYTHONPATH":
           f"{ROOT}:{ROOT / 'src'}", "SOCIALCARE_LOG_LEVEL": "WARNING", "SOCIALCARE_RAW_EVENT_SWEEP_AFTER_SECONDS": "3600"}
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True,
                            capture_output=True, text=True)
    return result.stdout


SETUP = """
from socialcare.core.models import Brand
from socialcare.channels.models import ChannelAccount
brand = Brand.objects.create(name="Bench", slug="bench")
account = ChannelAccount.objects.create(brand=brand, kind="sandbox", display_name="Bench", external_id="brand",
    webhook_secret="bench-secret", credentials={"api_token": "t"}, api_base_url="http://127.0.0.1:9")
print(account.pk)
"""

COUNT = """
from socialcare.inbox.models import Message
from socialcare.channels.models import RawEvent
print(Message.objects.count(), RawEvent.objects.exclude(status="received").count())
"""

BULK = """
import time, json
from django.utils import timezone
from django.db import transaction
from socialcare.channels.models import ChannelAccount
from socialcare.crm.models import Customer, Identity
from socialcare.inbox.models import Message, Ticket
n = {n}
account = ChannelAccount.objects.get()
customer = Customer.objects.create(display_name="bulk")
identity = Identity.objects.create(customer=customer, channel_account=account, external_user_id="bulk")
now = timezone.now()
ticket = Ticket.objects.create(brand=account.brand, channel_account=account, customer=customer, subject="bulk",
                               created_at=now, updated_at=now)
rows = [Message(ticket=ticket, channel_account=account, direction="in", visibility="public", kind="mention",
                external_id=f"bulk-{{i}}", text=f"bulk message number {{i}} about my order", author_identity=identity,
                occurred_at=now) for i in range(n)]
start = time.perf_counter()
with transaction.atomic():
    Message.objects.bulk_create(rows, batch_size=1000)
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed}}))
"""


def shell(env: dict[str, str], code: str) -> str:
    return manage(env, "shell", "-c", code).strip()


def bodies(n: int) -> list[bytes]:
    sys.path.insert(0, str(ROOT / "src"))
    out = []
    for i in range(n):
        author = f"user{i % max(1, n // 3)}"  # about three messages per customer
        event = {"type": "post", "id": f"bench-{i}", "created_at": "2026-11-20T09:00:00Z",
                 "author": {"id": author, "handle": author, "followers": i % 5000},
                 "text": f"@bench message {i}: my order {1000 + i} has not arrived, can you check?"}
        if i >= n // 3 and i % 3 == 0:
            event["in_reply_to"] = f"bench-{i - n // 3}"
        out.append(json.dumps({"events": [event]}).encode())
    return out


async def send_all(url: str, payloads: list[bytes], concurrency: int) -> tuple[list[float], float]:
    from socialcare.channels.connectors.sandbox.adapter import sign

    latencies: list[float] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in payloads:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:
        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                headers = {"Content-Type": "application/json", "X-Sandbox-Signature": sign("bench-secret", body)}
                start = time.perf_counter()
                response = await client.post(url, content=body, headers=headers)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    raise RuntimeError(f"webhook answered {response.status_code}: {response.text[:200]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[index]


def run_config(name: str, config: dict[str, str], n: int, concurrency: int, web_workers: int = 1) -> dict[str, Any]:
    env = django_env(config)
    manage(env, "migrate", "-v0")
    account_id = shell(env, SETUP).splitlines()[-1]
    port = free_port()
    web = subprocess.Popen([sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port),
                            "--no-access-log", "--log-level", "warning", "--workers", str(web_workers)],
                           env=env, cwd=ROOT)
    worker = start_worker(env, "ingest")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        payloads = bodies(n)
        # warm up: one event end to end (model/adapter imports, connections)
        asyncio.run(send_all(f"http://127.0.0.1:{port}/hooks/sandbox/{account_id}", [json.dumps(
            {"events": [{"type": "post", "id": "warm", "created_at": "2026-11-20T09:00:00Z",
                         "author": {"id": "warm"}, "text": "warm up"}]}).encode()], 1))
        wait_for(env, 1, 60)
        latencies, started = asyncio.run(send_all(f"http://127.0.0.1:{port}/hooks/sandbox/{account_id}", payloads,
                                                  concurrency))
        acked = time.perf_counter()
        wait_for(env, n + 1, 600)
        finished = time.perf_counter()
        # phase 2: the reactions (noise filter, rules, routing, SLA) queued on "decide", drained by one worker
        backlog = decide_backlog(config)
        worker.terminate()
        worker.wait(timeout=30)
        decide_started = time.perf_counter()
        worker = start_worker(env, "decide")
        deadline = time.monotonic() + 900
        while decide_backlog(config) > 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        decide_seconds = time.perf_counter() - decide_started
    finally:
        for process in (web, worker):
            process.terminate()
        for process in (web, worker):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    bulk = json.loads(shell(env, BULK.format(n=n)).splitlines()[-1])
    e2e_rate = n / (finished - started)
    bulk_rate = n / bulk["seconds"]
    return {
        "config": name,
        "events": n,
        "ack_p50_ms": percentile(latencies, 50) * 1000,
        "ack_p99_ms": percentile(latencies, 99) * 1000,
        "ack_rate": n / (acked - started),
        "e2e_rate": e2e_rate,
        "decide_rate": n / decide_seconds if backlog else 0.0,
        "decide_tasks": backlog,
        "bulk_rate": bulk_rate,
        "ratio": e2e_rate / bulk_rate,
    }


def start_worker(env: dict[str, str], queues: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", queues,
                             "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL)


def decide_backlog(config: dict[str, str]) -> int:
    """Messages waiting on the 'decide' queue (Redis list length, or files of the embedded broker)."""
    broker = config["SOCIALCARE_BROKER_URL"]
    if broker.startswith("redis://"):
        import redis

        return int(redis.Redis.from_url(broker).llen("decide"))
    folder = Path(config["SOCIALCARE_VAR_DIR"]) / "broker" / "out"
    return sum(1 for name in os.listdir(folder) if name.endswith(".decide.msg"))


def wait_for(env: dict[str, str], count: int, timeout: float) -> None:
    """Poll until `count` messages exist (cheap: one query per 0.2 s in a persistent process)."""
    code = (
        "import time\nfrom socialcare.inbox.models import Message\n"
        f"deadline = time.monotonic() + {timeout}\n"
        f"while Message.objects.count() < {count} and time.monotonic() < deadline:\n    time.sleep(0.05)\n"
        "print(Message.objects.count())"
    )
    got = int(shell(env, code).splitlines()[-1])
    if got < count:
        raise RuntimeError(f"only {got} of {count} messages arrived")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--web-workers", type=int, default=1, help="uvicorn processes")
    args = parser.parse_args()
    results = []
    if args.only in (None, "sqlite"):
        var = tempfile.mkdtemp(prefix="socialcare-bench-")
        try:
            results.append(run_config("SQLite + filesystem broker", {"SOCIALCARE_VAR_DIR": var,
                                                                   "DATABASE_URL": f"sqlite:///{var}/bench.sqlite3",
                                                                   "SOCIALCARE_BROKER_URL": "filesystem://"},
                                      args.events, args.concurrency, args.web_workers))
        finally:
            shutil.rmtree(var, ignore_errors=True)
    if args.only in (None, "postgres"):
        if reachable(5432) and reachable(6379):
            import psycopg

            with psycopg.connect(PG_ADMIN.replace("postgres://", "postgresql://"), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                conn.execute(f"CREATE DATABASE {PG_DB}")
            import redis

            redis.Redis.from_url(REDIS).flushdb()
            var = tempfile.mkdtemp(prefix="socialcare-bench-")
            try:
                results.append(run_config("PostgreSQL + Redis", {
                    "SOCIALCARE_VAR_DIR": var, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{PG_DB}",
                    "SOCIALCARE_BROKER_URL": REDIS}, args.events, args.concurrency, args.web_workers))
            finally:
                shutil.rmtree(var, ignore_errors=True)
        else:
            print("PostgreSQL or Redis not reachable on 127.0.0.1: PostgreSQL run skipped", file=sys.stderr)
    rows = [[r["config"], r["events"], f"{r['ack_p50_ms']:.1f}", f"{r['ack_p99_ms']:.1f}", f"{r['ack_rate']:.0f}",
             f"{r['e2e_rate']:.0f}", f"{r['bulk_rate']:.0f}", f"{r['ratio']:.3f}", f"{r['decide_rate']:.0f}"]
            for r in results]
    print(f"\nIngestion, {args.events} signed webhooks, {args.concurrency} concurrent clients, "
          f"{args.web_workers} web process(es), "
          "1 worker (solo pool) on the ingest queue; then 1 worker draining the reactions (decide queue)\n")
    print(markdown_table(["configuration", "events", "ack p50 ms", "ack p99 ms", "acks/s",
                          "webhook -> ticket events/s", "bulk insert rows/s", "end-to-end / bulk",
                          "reactions events/s"], rows))
    figures = []
    for r in results:
        key = "sqlite" if r["config"].startswith("SQLite") else "postgres"
        figures += [
            figure(f"{key}.ack_p50", r["ack_p50_ms"], "ms"),
            figure(f"{key}.ack_p99", r["ack_p99_ms"], "ms"),
            figure(f"{key}.end_to_end", r["e2e_rate"], "events/s", f"{key}.bulk_insert", r["ratio"]),
            figure(f"{key}.bulk_insert", r["bulk_rate"], "rows/s"),
            figure(f"{key}.reactions", r["decide_rate"], "events/s"),
        ]
    path = write_results("ingest", figures, {"events": args.events, "concurrency": args.concurrency,
                                             "web_workers": args.web_workers, "worker": "1 Celery worker, solo pool"})
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
