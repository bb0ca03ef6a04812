"""``socialcare listen``: run every active listening source until interrupted.

- one thread per X account with running X streams: filtered stream with rules, heartbeat detection,
  reconnect with backoff and recent-search backfill;
- a polling loop (``--interval`` seconds) over Bluesky/Mastodon brand accounts and their streams.

``--once`` does one polling round plus one X recent-search backfill and exits (cron-friendly).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from socialcare.channels.models import ChannelAccount
from socialcare.listening import pollers
from socialcare.listening.models import Platform
from socialcare.listening.x_stream import XStreamRunner, x_poll_fallback


class Command(BaseCommand):
    help = "Run the listening streams and the Bluesky/Mastodon pollers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one polling round, then exit")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between polling rounds")
        parser.add_argument("--heartbeat-timeout", type=float, default=30.0,
                            help="reconnect an X stream after this many silent seconds")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            counts = pollers.poll_all()
            counts["x_hits"] = x_poll_fallback(stale_after=0)
            self.stdout.write(f"polled: {counts}")
            return
        stop = threading.Event()
        runners: dict[int, tuple[XStreamRunner, threading.Thread]] = {}

        def shutdown(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGINT, shutdown)
        signal.signal(signal.SIGTERM, shutdown)
        self.stdout.write("listening (Ctrl-C to stop)")
        while not stop.is_set():
            x_accounts = ChannelAccount.objects.filter(
                is_active=True, kind="x", streams__platform=Platform.X, streams__is_active=True).distinct()
            for account in x_accounts:
                if account.pk not in runners or not runners[account.pk][1].is_alive():
                    runner = XStreamRunner(account, heartbeat_timeout=options["heartbeat_timeout"])
                    thread = threading.Thread(target=runner.run, name=f"x-stream-{account.pk}", daemon=True)
                    thread.start()
                    runners[account.pk] = (runner, thread)
            counts = pollers.poll_all()
            if counts["raw_events"] or counts["hits"]:
                self.stdout.write(f"polled: {counts}")
            close_old_connections()
            stop.wait(options["interval"])
        for runner, thread in runners.values():
            runner.stop()
            thread.join(timeout=5)
        self.stdout.write("stopped")
