"""``socialcare triage --input messages.jsonl --output enriched.jsonl`` (thin wrapper)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Enrich a JSONL file of messages (language, sentiment, actionability, intent, personal data)."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="JSONL file; each line needs id and text")
        parser.add_argument("--output", required=True, help="JSONL file to write")
        parser.add_argument("--languages", default="", help="comma-separated ISO 639-1 codes (default: all configured)")
        parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")

    def handle(self, *args, **options):
        from socialcare.intelligence.triage import triage_file

        languages = [c.strip() for c in options["languages"].split(",") if c.strip()] or None
        try:
            report = triage_file(
                options["input"], options["output"], err=sys.stderr, languages=languages,
                progress=False if options["no_progress"] else None,
            )
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{report.written} enriched, {report.skipped} skipped of {report.read} lines")
