"""Shared helpers for benchmarks: result tables and JSON files in the agreed shape."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    return f"{platform.node()} {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}"


def figure(name: str, value: float, unit: str, compared_to: str = "", ratio: float | None = None) -> dict[str, Any]:
    return {"name": name, "value": round(value, 3), "unit": unit, "compared_to": compared_to,
            "ratio": None if ratio is None else round(ratio, 3)}


def write_results(benchmark: str, figures: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{benchmark}.json"
    path.write_text(json.dumps({"benchmark": benchmark, "machine": machine(), "figures": figures, **(extra or {})},
                               indent=2) + "\n")
    return path


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
