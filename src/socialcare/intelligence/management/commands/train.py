"""``socialcare train [--data-dir DIR] [--no-eval]``: rebuild every shipped model (thin wrapper)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Rebuild the intelligence artefacts and their metrics from ../shared/data."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=None,
                            help="dataset folder (default: $SOCIALCARE_DATA_DIR or ../shared/data beside the project)")
        parser.add_argument("--output-dir", default=None, help="artefact folder (default: the committed one)")
        parser.add_argument("--no-eval", action="store_true", help="skip the held-out evaluations")
        parser.add_argument("--no-cards", action="store_true", help="do not rewrite the metrics in docs/models")

    def handle(self, *args, **options):
        from socialcare.intelligence.training import train_all, update_model_cards

        try:
            metrics = train_all(
                Path(options["data_dir"]) if options["data_dir"] else None,
                Path(options["output_dir"]) if options["output_dir"] else None,
                evaluate=not options["no_eval"],
                log=lambda msg: self.stderr.write(msg),
            )
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_cards"] and not options["no_eval"]:
            for path in update_model_cards(metrics):
                self.stdout.write(f"updated {path}")
        self.stdout.write(f"model version {metrics['model_version']}")
