from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialcare.channels.connectors.sandbox.server import SandboxServer
from socialcare.channels.models import ChannelAccount


class Command(BaseCommand):
    help = "The loopback sandbox network: `serve` accepts replies from Socialcare."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["serve"])
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--token", default="", help="API token replies must carry (default: the demo's)")

    def handle(self, *args: Any, **options: Any) -> None:
        token = options["token"]
        if not token:
            account = ChannelAccount.objects.filter(kind="sandbox").first()
            if account is None:
                raise CommandError("no sandbox channel account exists; pass --token")
            token = str(account.credentials.get("api_token", ""))
        server = SandboxServer(api_token=token, port=options["port"]).start()
        self.stdout.write(f"sandbox network listening on {server.url}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        stop.wait()
        server.stop()
