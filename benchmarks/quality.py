"""Quality of the triage models on published splits, next to the published anchors.

    python benchmarks/quality.py [--data-dir ../shared/data] [--quick]

Every figure is computed by ``socialcare.intelligence.evaluation`` with the same recipe as the
shipped models, trained only on the protocol's training part. Prints one markdown table (plus the
learning-from-feedback curve per domain and the PII test set) and writes
``benchmarks/results/quality.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform()}


def figure(name: str, value: float, unit: str, compared_to: float | None, anchors: str) -> dict:
    return {
        "name": name,
        "value": round(float(value), 4),
        "unit": unit,
        "compared_to": compared_to,
        "ratio": round(float(value) / compared_to, 3) if compared_to else None,
        "anchors": anchors,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--quick", action="store_true", help="one repeat of the feedback curve")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "results" / "quality.json"))
    args = parser.parse_args()

    from socialcare.intelligence import datasets as D
    from socialcare.intelligence import evaluation as E
    from socialcare.intelligence.pii_testset import score as pii_score

    data_dir = Path(args.data_dir) if args.data_dir else D.default_data_dir()
    figures: list[dict] = []
    timings: dict[str, float] = {}

    def timed(name, fn, *a, **kw):
        t = time.perf_counter()
        out = fn(*a, **kw)
        timings[name] = round(time.perf_counter() - t, 1)
        print(f"[{timings[name]:6.1f}s] {name}", file=sys.stderr, flush=True)
        return out

    ge = timed("GermEval 2017", E.germeval, data_dir)
    figures.append(figure("GermEval 2017 A relevance, micro-F1 (train dev, test test_syn)", ge["relevance"], "F1",
                          0.903, "majority 0.816; best 2017 system 0.903 (8x more training data); German BERT 0.957"))
    figures.append(figure("GermEval 2017 B sentiment, micro-F1 (train dev, test test_syn)", ge["sentiment"], "F1",
                          0.749, "majority 0.655; best 2017 system 0.749; German BERT 0.807"))

    co = timed("complaints 10-fold CV", E.complaints_cv, data_dir)
    figures.append(figure("Complaints (Preotiuc-Pietro 2019), 10-fold CV macro-F1", co["macro_f1"], "F1", 0.87,
                          "feature models up to 0.79; transformers up to 0.87 (Jin & Aletras 2020)"))
    figures.append(figure("Complaints, same CV, 9 customer-service domains only", co["macro_f1_customer_service_domains"],
                          "F1", None, "no published figure (random tweets removed from scoring)"))

    se = timed("SemEval-2017 English", E.semeval_english, data_dir)
    figures.append(figure("English sentiment, SemEval-2017 test (12,284), macro-recall", se["macro_recall"], "recall",
                          0.70, "SVM / FastText 0.629; RoBERTa-retrained 0.728; best (TimeLMs) 0.737; target 0.70"))

    um = timed("UMSAB sentiment", E.umsab_sentiment, data_dir)
    figures.append(figure("Multilingual sentiment, UMSAB test, macro-F1 (8 languages)", um["all"], "F1", 0.694,
                          "FastText mono 0.510; XLM-R multi 0.668; XLM-T multi 0.694"))
    for code in ("de", "en"):
        anchor = {"de": (0.773, "FT mono 0.596; XLM-T multi 0.773"), "en": (0.706, "FT mono 0.509; XLM-T multi 0.706")}
        figures.append(figure(f"UMSAB sentiment {code}, macro-F1", um[code], "F1", anchor[code][0], anchor[code][1]))

    low = timed("language id (low accuracy)", E.language_id, data_dir, low_accuracy=True)
    high = timed("language id (high accuracy)", E.language_id, data_dir, low_accuracy=False)
    figures.append(figure("Language id accuracy, UMSAB test (6,960 tweets, 8 langs, 9 candidates), shipped low-accuracy mode",
                          low["accuracy"], "accuracy", high["accuracy"],
                          f"no published anchor; compared to lingua high-accuracy mode {high['accuracy']:.3f}"))
    figures.append(figure("Language id accuracy without Hindi (romanised Hindi is not Devanagari)",
                          sum(v for k, v in low.items() if k.startswith("accuracy_") and k != "accuracy_hi") / 7,
                          "accuracy", None, "mean over the 7 other languages"))

    fb = timed("learning from feedback", E.feedback_curve, data_dir, repeats=1 if args.quick else 3)
    zero = fb["mean"][0]
    for k, v in fb["mean"].items():
        figures.append(figure(f"Learning from feedback: complaint F1 after {k} corrections (mean of 9 domains)", v, "F1",
                              zero, "start = model trained without the domain (ratio to 0 corrections)"))

    pii = timed("PII test set", pii_score)
    figures.append(figure(f"PII test set precision ({pii['cases']} DE/EN/NL cases, exact spans)", pii["precision"],
                          "precision", None, "no published anchor"))
    figures.append(figure("PII test set recall", pii["recall"], "recall", None, "no published anchor"))

    print("## Quality (ours vs published anchors)\n")
    print("| benchmark | ours | compared to | ratio | published anchors |")
    print("|---|---|---|---|---|")
    for f in figures:
        comp = "" if f["compared_to"] is None else f"{f['compared_to']:.3f}"
        ratio = "" if f["ratio"] is None else f"{f['ratio']:.2f}"
        print(f"| {f['name']} | {f['value']:.3f} | {comp} | {ratio} | {f['anchors']} |")

    print("\n### Learning from feedback per domain (complaint F1 on the held-out 40 %)\n")
    steps = list(fb["mean"].keys())
    print("| domain | " + " | ".join(str(k) for k in steps) + " |")
    print("|---|" + "---|" * len(steps))
    for domain, row in fb["per_domain"].items():
        print(f"| {domain} | " + " | ".join(f"{row[k]:.3f}" for k in steps) + " |")
    print("| **mean** | " + " | ".join(f"**{fb['mean'][k]:.3f}**" for k in steps) + " |")
    print("\n(domains with fewer than 200 stream messages stop at their stream size; see docs/intelligence.md)")

    print("\n### PII test set per type\n")
    print("| type | precision | recall |")
    print("|---|---|---|")
    for kind, pr in pii["per_type"].items():
        print(f"| {kind} | {pr['precision']:.3f} | {pr['recall']:.3f} |")
    print("\n### Language identification per language (low / high accuracy mode)\n")
    print("| language | low | high |")
    print("|---|---|---|")
    for key in sorted(k for k in low if k.startswith("accuracy_")):
        print(f"| {key[9:]} | {low[key]:.3f} | {high[key]:.3f} |")

    out = {
        "benchmark": "quality",
        "machine": machine(),
        "figures": [{k: f[k] for k in ("name", "value", "unit", "compared_to", "ratio")} for f in figures],
        "details": {"feedback_curve": fb, "language_id_low": low, "language_id_high": high,
                    "umsab_macro_f1": um, "pii_per_type": pii["per_type"], "seconds": timings},
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
