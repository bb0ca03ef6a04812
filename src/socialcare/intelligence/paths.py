"""Where the committed artefacts live (kept import-light for the enrichment worker)."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ARTEFACT_DIR = PACKAGE_DIR / "artefacts"
GOLD_DIR = PACKAGE_DIR / "gold"
BUNDLE_NAME = "models.npz"
METRICS_NAME = "metrics.json"
