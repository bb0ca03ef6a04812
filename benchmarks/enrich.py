"""Enrichment speed: 10,000 real messages through all five enrichments on one core.

    python benchmarks/enrich.py [--data-dir ../shared/data] [--messages 10000]

Pins itself to one CPU, loads the committed models, then measures
* batch throughput (messages/s, batches of 1,000),
* single-message latency (``enrich_one``, p50/p99 over 2,000 messages),
* peak resident memory of the process,
* where the time goes (each stage timed separately over the same messages).
Prints one markdown table and writes ``benchmarks/results/enrich.json``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

TARGETS = {"throughput": 5000.0, "p99_ms": 5.0, "rss_mb": 400.0}


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu or platform.processor(), "cores_available": os.cpu_count(), "cores_used": 1,
            "python": platform.python_version(), "platform": platform.platform()}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def load_messages(data_dir: Path, n: int):
    import numpy as np

    from socialcare.intelligence import datasets as D
    from socialcare.intelligence.enrich import EnrichInput

    pools = [
        [EnrichInput(d.text, source="twitter") for d in D.twcs_inbound(data_dir)],
        [EnrichInput(d.text, source=d.group) for d in D.germeval(data_dir, "dev") + D.germeval(data_dir, "test_syn")],
        [EnrichInput(d.text, source="twitter") for d in D.complaints(data_dir)],
        [EnrichInput(d.text, source="twitter") for d in D.umsab(data_dir, "test")],
        [EnrichInput(d.text, source="twitter") for d in D.ibm_client_turns(data_dir)],
    ]
    share = [0.45, 0.25, 0.12, 0.13, 0.05]
    rng = np.random.default_rng(7)
    out = []
    for pool, s in zip(pools, share, strict=True):
        k = min(len(pool), int(round(n * s)))
        out.extend(pool[i] for i in rng.choice(len(pool), size=k, replace=False))
    while len(out) < n:
        out.append(pools[0][len(out) % len(pools[0])])
    order = rng.permutation(len(out))
    return [out[i] for i in order[:n]]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "enrich.json"))
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    import numpy as np

    from socialcare.intelligence import datasets as D
    from socialcare.intelligence.enrich import get_enricher
    from socialcare.intelligence.intent import rule_intent, spam_score
    from socialcare.intelligence.pii import detect_pii

    rss_start = rss_mb()
    t0 = time.perf_counter()
    enricher = get_enricher()
    load_s = time.perf_counter() - t0
    rss_loaded = rss_mb()

    data_dir = Path(args.data_dir) if args.data_dir else D.default_data_dir()
    messages = load_messages(data_dir, args.messages)
    chars = np.mean([len(m.text) for m in messages])

    enricher.enrich_batch(messages[:500])  # warm-up
    batch = 1000
    t0 = time.perf_counter()
    results = []
    for i in range(0, len(messages), batch):
        results.extend(enricher.enrich_batch(messages[i : i + batch]))
    batch_s = time.perf_counter() - t0
    throughput = len(messages) / batch_s
    json.dumps(results)  # results must serialise

    lat = []
    for m in messages[:2000]:
        t = time.perf_counter()
        enricher.enrich_one(m)
        lat.append((time.perf_counter() - t) * 1000)
    p50, p99 = float(np.percentile(lat, 50)), float(np.percentile(lat, 99))

    # where the time goes: the same stages, timed one by one over all messages
    stages: dict[str, float] = {}
    texts = [m.text for m in messages]
    for i in range(0, len(messages), batch):
        chunk = messages[i : i + batch]
        t = time.perf_counter()
        x, tokens = enricher._features(chunk)
        stages["features (normalise + hash + tf-idf)"] = stages.get("features (normalise + hash + tf-idf)", 0) + time.perf_counter() - t
        t = time.perf_counter()
        enricher.bundle.scores(x)
        stages["linear heads (one sparse x dense product)"] = stages.get("linear heads (one sparse x dense product)", 0) + time.perf_counter() - t
        t = time.perf_counter()
        enricher._top_features(x, tokens)
        stages["top features (explanations)"] = stages.get("top features (explanations)", 0) + time.perf_counter() - t
    t = time.perf_counter()
    for i in range(0, len(texts), batch):
        enricher._lang.detect_batch(texts[i : i + batch])
    stages["language (lingua, low accuracy, batch call)"] = time.perf_counter() - t
    t = time.perf_counter()
    for s in texts:
        detect_pii(s)
    stages["personal data (regex + validation)"] = time.perf_counter() - t
    t = time.perf_counter()
    for s in texts:
        rule_intent(s, "question") if spam_score(s) < 0.6 else None
    stages["intent rules (spam, failure demand)"] = time.perf_counter() - t
    per_msg_us = {k: v / len(messages) * 1e6 for k, v in stages.items()}
    per_msg_us["rest (softmax, dict building)"] = max(0.0, 1e6 / throughput - sum(per_msg_us.values()))
    peak = rss_mb()

    figures = [
        {"name": "batch throughput (10k real messages, 1 core)", "value": round(throughput, 1), "unit": "messages/s",
         "compared_to": TARGETS["throughput"], "ratio": round(throughput / TARGETS["throughput"], 3)},
        {"name": "single-message latency p99", "value": round(p99, 3), "unit": "ms",
         "compared_to": TARGETS["p99_ms"], "ratio": round(p99 / TARGETS["p99_ms"], 3)},
        {"name": "single-message latency p50", "value": round(p50, 3), "unit": "ms", "compared_to": None, "ratio": None},
        {"name": "peak resident memory (models loaded, after the run)", "value": round(peak, 1), "unit": "MB",
         "compared_to": TARGETS["rss_mb"], "ratio": round(peak / TARGETS["rss_mb"], 3)},
        {"name": "resident memory after loading models", "value": round(rss_loaded, 1), "unit": "MB",
         "compared_to": None, "ratio": None},
        {"name": "model load time", "value": round(load_s, 3), "unit": "s", "compared_to": None, "ratio": None},
    ]
    for k, v in per_msg_us.items():
        figures.append({"name": f"time per message: {k}", "value": round(v, 1), "unit": "µs", "compared_to": None,
                        "ratio": None})

    print(f"Enrichment speed: {len(messages)} real messages (mean {chars:.0f} chars), one core, "
          f"model {enricher.model_version}\n")
    print("| figure | value | target | ratio |")
    print("|---|---|---|---|")
    for f in figures:
        target = "" if f["compared_to"] is None else f"{f['compared_to']:g}"
        ratio = "" if f["ratio"] is None else f"{f['ratio']:.2f}"
        print(f"| {f['name']} | {f['value']:g} {f['unit']} | {target} | {ratio} |")
    print(f"\n(python interpreter alone before imports: {rss_start:.0f} MB)")

    out = {"benchmark": "enrich", "machine": machine(), "figures": figures}
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
