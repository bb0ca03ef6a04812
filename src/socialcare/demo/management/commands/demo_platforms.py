"""``socialcare demo-platforms``: the demo's platform emulators and their live traffic.

Starts the X, Graph (Facebook, Messenger, Instagram), WhatsApp, Telegram, Bluesky and Mastodon emulators on
loopback ports ``--port-base`` ... ``--port-base + 6``, points the demo accounts at them, delivers the
platform script to ``--url`` and keeps the emulators serving until Ctrl-C / SIGTERM.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from socialcare.demo.platforms import DEFAULT_PORT_BASE, run_platforms


class Command(BaseCommand):
    help = "Run the demo's platform emulators and deliver their traffic to a running Socialcare."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Socialcare base URL")
        parser.add_argument("--speedup", type=float, default=1.0)
        parser.add_argument("--wait", action="store_true", help="wait for the web server (/healthz) first")
        parser.add_argument("--port-base", type=int, default=DEFAULT_PORT_BASE,
                            help=f"first of the emulators' loopback ports (default {DEFAULT_PORT_BASE})")
        parser.add_argument("--limit", type=int, default=None, help="deliver only the first N events")
        parser.add_argument("--no-serve", action="store_true", help="exit after the last event")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"demo platforms: emulators on 127.0.0.1:{options['port_base']}-"
                          f"{options['port_base'] + 6}, traffic to {options['url']}")
        sent = run_platforms(options["url"], speedup=options["speedup"], port_base=options["port_base"],
                             wait=options["wait"], limit=options["limit"], serve=not options["no_serve"])
        self.stdout.write(f"demo platforms stopped ({sent} events delivered)")
