"""``socialcare run``: the whole product in one process group.

Starts the web server (uvicorn, ASGI), a Celery worker, Celery beat and, with ``--demo``, the sandbox
network and the demo traffic. Ctrl-C (SIGINT to the group) or SIGTERM stops every child cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run web server, worker and scheduler together (and the demo with --demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--demo", action="store_true", help="load the demo workspace and play its traffic")
        parser.add_argument("--sandbox-port", type=int, default=8765)
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        base_url = f"http://{options['host']}:{options['port']}"
        python = sys.executable
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        commands: list[tuple[str, list[str]]] = [
            ("web", [python, "-m", "uvicorn", "config.asgi:application", "--host", options["host"],
                     "--port", str(options["port"]), "--no-access-log", "--timeout-graceful-shutdown", "3"]),
            ("worker", [python, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "warning",
                        "-Q", settings.SOCIALCARE_ALL_QUEUES, "--without-gossip", "--without-mingle", "--without-heartbeat"]),
            ("scheduler", [python, "-m", "celery", "-A", "config", "beat", "-l", "warning",
                           "-s", str(settings.CELERY_BEAT_SCHEDULE_FILENAME)]),
        ]
        if options["demo"]:
            credentials = call_command_json("demo", "load", "--sandbox-url",
                                            f"http://127.0.0.1:{options['sandbox_port']}")
            commands.append(("sandbox", [python, "-m", "socialcare.cli", "sandbox", "serve",
                                         "--port", str(options["sandbox_port"])]))
            commands.append(("demo-traffic", [python, "-m", "socialcare.cli", "demo", "play", "--url", base_url,
                                              "--wait"]))
            commands.append(("demo-platforms", [python, "-m", "socialcare.cli", "demo-platforms", "--url", base_url,
                                                "--wait"]))
            commands.append(("listen", [python, "-m", "socialcare.cli", "listen", "--interval", "10"]))
            self._banner(base_url, credentials)
        children: list[tuple[str, subprocess.Popen[bytes]]] = []
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        argv_of = dict(commands)
        one_shot = {"demo-traffic"}  # plays its script and ends
        restarts: dict[str, list[float]] = {}
        for name, argv in commands:
            children.append((name, subprocess.Popen(argv, env=env)))
        self.stdout.write(f"Socialcare is running at {base_url}/  (Ctrl-C stops everything)")
        try:
            while not stopping:
                for index, (name, child) in enumerate(children):
                    code = child.poll()
                    if code is None or name in one_shot or stopping:
                        continue
                    # A crashed child is restarted (nothing is lost: raw events wait in the database and
                    # the sweeper hands them out again); one that keeps crashing stops everything.
                    recent = [t for t in restarts.get(name, []) if time.monotonic() - t < 60] + [time.monotonic()]
                    restarts[name] = recent
                    if name == "web" or len(recent) > 5:
                        self.stderr.write(f"{name} exited with code {code}; stopping")
                        stopping = True
                        break
                    self.stderr.write(f"{name} exited with code {code}; restarting it")
                    children[index] = (name, subprocess.Popen(argv_of[name], env=env))
                time.sleep(0.3)
        finally:
            self.stdout.write("stopping...")
            for _name, child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            for _name, child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("stopped.")

    def _banner(self, base_url: str, credentials: dict[str, Any]) -> None:
        lines = ["", "=" * 72, f"  Socialcare demo: {base_url}/", "", "  Logins (password for all: "
                 f"{credentials['password']}):"]
        for login in credentials["logins"]:
            lines.append(f"    {login['username']:<8} {login['role']:<11} {login['description']}")
        lines += ["", f"  API token:   {credentials['api_token']}  (try {base_url}/api/docs)",
                  f"  Credentials: {credentials['file']}", "=" * 72, ""]
        self.stdout.write("\n".join(lines))


def call_command_json(*args: str) -> dict[str, Any]:
    from io import StringIO

    out = StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]
