"""The ``socialcare`` command: Django management commands with dashes allowed.

    socialcare run              web + worker + scheduler (+ sandbox network and demo traffic)
    socialcare replay-failed    reprocess raw events that failed
    socialcare demo load|play   create the demo workspace / play its traffic
    socialcare sandbox serve    run the loopback sandbox network
    socialcare migrate, createsuperuser, ... (any Django command)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    root = Path(__file__).resolve().parents[2]
    if (root / "config").is_dir() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
