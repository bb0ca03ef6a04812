"""``socialcare triage``: enrich a JSONL file of messages, one output line per valid input line.

Input lines need ``id`` and ``text`` (a non-empty string); ``channel``, ``source`` and ``brand`` are
optional. Each output line is the input object plus ``language``, ``sentiment``, ``actionable``,
``intent``, ``pii`` and ``model_version``. A line that is not JSON, not an object, or lacks
``id``/``text`` is reported on stderr with its line number and skipped; the run never stops for it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .enrich import Enricher, EnrichInput, get_enricher

BATCH_SIZE = 512


@dataclass
class TriageReport:
    read: int = 0
    written: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _parse(line_no: int, line: str) -> tuple[dict | None, str | None]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON ({exc.msg})"
    if not isinstance(obj, dict):
        return None, "not a JSON object"
    if "id" not in obj or obj["id"] is None or obj["id"] == "":
        return None, "missing 'id'"
    if not isinstance(obj.get("text"), str):
        return None, "missing or non-string 'text'"
    for key in ("channel", "source", "brand"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str):
            return None, f"'{key}' must be a string"
    return obj, None


def _batches(lines: Iterator[str], report: TriageReport, err: TextIO) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for line_no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        report.read += 1
        obj, problem = _parse(line_no, raw)
        if problem is not None:
            report.skipped += 1
            report.errors.append((line_no, problem))
            print(f"line {line_no}: {problem}; skipped", file=err)
            continue
        batch.append(obj)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def triage_stream(
    src: TextIO, dst: TextIO, *, err: TextIO | None = None, enricher: Enricher | None = None,
    languages: list[str] | None = None, progress: bool | None = None, total: int | None = None,
) -> TriageReport:
    """Enrich ``src`` (JSONL) into ``dst``; problems go to ``err`` (default stderr)."""
    err = err if err is not None else sys.stderr
    enricher = enricher or get_enricher()
    report = TriageReport()
    show = progress if progress is not None else bool(getattr(err, "isatty", lambda: False)())
    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="msg", file=err)
    for batch in _batches(iter(src), report, err):
        inputs = [
            EnrichInput(o["text"], o.get("channel") or "", o.get("source") or "", o.get("brand") or "") for o in batch
        ]
        for obj, enriched in zip(batch, enricher.enrich_batch(inputs, languages), strict=True):
            dst.write(json.dumps({**obj, **enriched}, ensure_ascii=False) + "\n")
            report.written += 1
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()
    return report


def triage_file(input_path: Path | str, output_path: Path | str, **kwargs) -> TriageReport:
    input_path, output_path = Path(input_path), Path(output_path)
    total = None
    if kwargs.get("progress") is not False:
        with input_path.open(encoding="utf-8", errors="replace") as fh:
            total = sum(1 for line in fh if line.strip())
    with input_path.open(encoding="utf-8", errors="replace") as src, output_path.open("w", encoding="utf-8") as dst:
        return triage_stream(src, dst, total=total, **kwargs)
