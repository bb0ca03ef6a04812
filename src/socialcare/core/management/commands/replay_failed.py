from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from socialcare.channels.models import RawEvent
from socialcare.channels.pipeline import raw_events_requeue_failed
from socialcare.channels.tasks import process_raw_event


class Command(BaseCommand):
    help = "Reprocess raw events stored as failed (all, or the given ids)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="raw event ids (default: every failed one)")
        parser.add_argument("--list", action="store_true", help="only list failed events and their reasons")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for raw in RawEvent.objects.filter(status="failed").order_by("id"):
                self.stdout.write(f"{raw.pk}\t{raw.channel_account_id}\t{raw.received_at:%Y-%m-%d %H:%M:%S}\t{raw.error}")
            return
        ids = raw_events_requeue_failed(ids=options["ids"] or None)
        results: dict[str, int] = {}
        for raw_event_id in ids:
            status = process_raw_event(raw_event_id)
            results[status] = results.get(status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(results.items())) or "nothing to do"
        self.stdout.write(f"replayed {len(ids)} failed raw events: {summary}")
