from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Demo workspace: `load` creates it (idempotent); `play` delivers its traffic to a running instance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load", "play"])
        parser.add_argument("--sandbox-url", default="http://127.0.0.1:8765")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Socialcare base URL (play)")
        parser.add_argument("--speedup", type=float, default=1.0)
        parser.add_argument("--limit", type=int, default=None)
        parser.add_argument("--wait", action="store_true", help="wait for the web server first")
        parser.add_argument("--json", action="store_true", help="print the credentials as JSON (load)")

    def handle(self, *args: Any, **options: Any) -> None:
        from socialcare.demo.loader import demo_load, demo_play

        if options["action"] == "load":
            credentials = demo_load(sandbox_url=options["sandbox_url"])
            if options["json"]:
                self.stdout.write(json.dumps(credentials))
            else:
                self.stdout.write(f"demo workspace ready; credentials in {credentials['file']}")
            return
        sent = demo_play(base_url=options["url"], speedup=options["speedup"], wait=options["wait"],
                         limit=options["limit"])
        self.stdout.write(f"demo traffic delivered: {sent} events")
