"""Integration lane: PostgreSQL + a real Celery worker on Redis (run by `make test-postgres` / .ci/run).

Webhooks go through the live HTTP server, tasks through Redis to a worker subprocess that shares the
test database. Skipped (with the reason) unless the suite runs on PostgreSQL with a Redis broker.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection

from socialcare.channels.connectors.sandbox.adapter import sign
from socialcare.channels.models import RawEvent
from socialcare.inbox.models import Message, Ticket
from tests.factories import BrandFactory, ChannelAccountFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres_and_redis():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("integration lane needs DATABASE_URL=postgres://... and SOCIALCARE_BROKER_URL=redis://... "
                    "(make test-postgres)")


@pytest.fixture
def real_worker(settings):
    """Start/stop Celery workers on the test database; tasks leave through the real broker."""
    settings.SOCIALCARE_TASKS_INLINE = False
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.base",
           "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
           "SOCIALCARE_BROKER_URL": settings.CELERY_BROKER_URL, "SOCIALCARE_VAR_DIR": tempfile.mkdtemp(),
           "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}", "SOCIALCARE_LOG_LEVEL": "WARNING",
           # the worker must decrypt the credentials the test process encrypted
           "SOCIALCARE_ENCRYPTION_KEY": settings.SOCIALCARE_ENCRYPTION_KEY, "SOCIALCARE_SECRET_KEY": settings.SECRET_KEY,
           "SOCIALCARE_INGEST_BATCH": "5"}  # small batches, so a kill lands mid-way
    workers: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
                                   "-Q", settings.SOCIALCARE_ALL_QUEUES,
                                   "-l", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
                                  env=env, cwd=ROOT)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=20)


@pytest.fixture
def account():
    return ChannelAccountFactory(brand=BrandFactory(name="Acme", slug="acme"), webhook_secret="it-secret")


def post_all(live_server, account, n, prefix):
    with httpx.Client(timeout=10) as client:
        for i in range(n):
            body = json.dumps({"events": [{"type": "post", "id": f"{prefix}{i}", "created_at": "2026-11-20T09:00:00Z",
                                           "author": {"id": f"u{i % 40}"}, "text": f"message {i}"}]}).encode()
            response = client.post(f"{live_server.url}/hooks/sandbox/{account.pk}", content=body,
                                   headers={"X-Sandbox-Signature": sign("it-secret", body),
                                            "Content-Type": "application/json"})
            assert response.status_code == 200


def wait_until(predicate, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_real_worker_processes_webhooks_from_redis(live_server, real_worker, account):
    real_worker()
    post_all(live_server, account, 150, "a")
    assert wait_until(lambda: Message.objects.count() == 150)
    assert not RawEvent.objects.filter(status="received").exists()
    assert Ticket.objects.count() == 40  # one per customer


def test_worker_killed_mid_batch_loses_nothing(live_server, real_worker, account):
    post_all(live_server, account, 300, "k")  # queued in Redis, no worker yet
    assert RawEvent.objects.filter(status="received").count() == 300
    first = real_worker()
    assert wait_until(lambda: Message.objects.count() >= 20, timeout=60)
    first.send_signal(signal.SIGKILL)  # no warm shutdown: unacknowledged work is simply gone
    first.wait()
    done = Message.objects.count()
    assert done < 300, "the worker finished before it could be killed; raise the event count"
    real_worker()
    from socialcare.channels.tasks import sweep_raw_events

    sweep_raw_events.apply_async(kwargs={"older_than_seconds": 0})  # the beat job, sent by hand
    assert wait_until(lambda: Message.objects.count() == 300, timeout=120)
    assert Message.objects.values("external_id").distinct().count() == 300
    assert not RawEvent.objects.filter(status="received").exists()
