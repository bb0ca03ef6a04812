"""Held-out evaluations on the published splits, shared by ``socialcare train`` and the benchmarks.

Every function fits its own featurizer and model on the protocol's training part only, with the
same recipe (features, C, seeds) as the shipped models, so the numbers describe the method.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score, recall_score
from sklearn.model_selection import StratifiedKFold

from . import datasets as D
from .adaptation import BrandNoiseAdapter
from .features import Featurizer, meta_token
from .learn import SEED, fit_binary, fit_multiclass, predict_multiclass

SENTIMENT_C = {"de": 10.0, "en": 3.0, "xx": 3.0}
ACTIONABLE_C = 10.0
RELEVANCE_C = 30.0
COMPLAINT_C = 10.0


def source_tokens(docs: Sequence[D.Doc]) -> list[list[str]]:
    return [[meta_token("src", d.group)] if d.group else [] for d in docs]


def germeval(data_dir: Path) -> dict[str, float]:
    """GermEval 2017 subtasks A and B: train on dev, micro-F1 on test_syn."""
    dev = D.germeval(data_dir, "dev")
    test = D.germeval(data_dir, "test_syn")
    fz = Featurizer().fit([d.text for d in dev], source_tokens(dev))
    xtr = fz.transform([d.text for d in dev], source_tokens(dev))
    xte = fz.transform([d.text for d in test], source_tokens(test))
    out = {}
    for task, name, c in ((0, "relevance", RELEVANCE_C), (1, "sentiment", SENTIMENT_C["de"])):
        ytr = [d.label.split("|")[task] for d in dev]
        yte = [d.label.split("|")[task] for d in test]
        classes = sorted(set(ytr))
        coef, b = fit_multiclass(xtr, ytr, classes, c=c)
        pred = predict_multiclass(xte, coef, b, classes)
        out[name] = float(f1_score(yte, pred, average="micro"))
    return out


def complaints_cv(data_dir: Path, folds: int = 10) -> dict[str, float]:
    """Complaint detection, stratified 10-fold cross-validation, macro-F1 (all 3,449 tweets)."""
    docs = D.complaints(data_dir)
    y = np.array([d.label == "1" for d in docs])
    texts = [d.text for d in docs]
    pred = np.zeros(len(docs), dtype=bool)
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train, test in skf.split(texts, y):
        fz = Featurizer().fit([texts[i] for i in train])
        coef, b = fit_binary(fz.transform([texts[i] for i in train]), y[train], c=COMPLAINT_C)
        pred[test] = (fz.transform([texts[i] for i in test]) @ coef + b) > 0
    real = np.array([d.group in D.COMPLAINT_DOMAINS for d in docs])
    return {
        "macro_f1": float(f1_score(y, pred, average="macro")),
        "macro_f1_customer_service_domains": float(f1_score(y[real], pred[real], average="macro")),
    }


def semeval_english(data_dir: Path) -> dict[str, float]:
    """English sentiment: train on the 2013-2016 pool minus test tweets, macro-recall on SemEval-2017."""
    test = D.semeval_test(data_dir)
    pool = D.without_texts(D.semeval_pool(data_dir), test)
    fz = Featurizer().fit([d.text for d in pool])
    coef, b = fit_multiclass(fz.transform([d.text for d in pool]), [d.label for d in pool], list(D.SENTIMENTS),
                             c=SENTIMENT_C["en"], class_weight="balanced")
    pred = predict_multiclass(fz.transform([d.text for d in test]), coef, b, list(D.SENTIMENTS))
    return {"macro_recall": float(recall_score([d.label for d in test], pred, average="macro")), "train_size": len(pool)}


def umsab_sentiment(data_dir: Path) -> dict[str, float]:
    """One multilingual model on UMSAB train+val (8 languages), macro-F1 per language on test."""
    train = D.umsab(data_dir, "train") + D.umsab(data_dir, "val")
    test = D.umsab(data_dir, "test")
    fz = Featurizer().fit([d.text for d in train])
    coef, b = fit_multiclass(fz.transform([d.text for d in train]), [d.label for d in train], list(D.SENTIMENTS),
                             c=SENTIMENT_C["xx"])
    pred = np.array(predict_multiclass(fz.transform([d.text for d in test]), coef, b, list(D.SENTIMENTS)))
    gold = np.array([d.label for d in test])
    lang = np.array([d.group for d in test])
    out = {code: float(f1_score(gold[lang == code], pred[lang == code], average="macro"))
           for code in sorted(set(lang))}
    out["all"] = float(f1_score(gold, pred, average="macro"))
    return out


def language_id(data_dir: Path, *, low_accuracy: bool = True,
                languages: Sequence[str] | None = None) -> dict[str, float]:
    """Accuracy of the language identifier on the 6,960 UMSAB test tweets (8 languages)."""
    from .language import DEFAULT_LANGUAGES, LanguageIdentifier

    ident = LanguageIdentifier(languages or DEFAULT_LANGUAGES, low_accuracy=low_accuracy)
    test = D.umsab(data_dir, "test")
    t0 = time.perf_counter()
    pred = [ident.detect(d.text)[0] for d in test]
    elapsed = time.perf_counter() - t0
    gold = [d.group for d in test]
    out = {"accuracy": float(np.mean([p == g for p, g in zip(pred, gold, strict=True)])),
           "messages_per_second": len(test) / elapsed}
    for code in sorted(set(gold)):
        idx = [i for i, g in enumerate(gold) if g == code]
        out[f"accuracy_{code}"] = float(np.mean([pred[i] == code for i in idx]))
    return out


FEEDBACK_STEPS = (0, 25, 50, 100, 200)


def feedback_curve(data_dir: Path, *, repeats: int = 3, steps: Sequence[int] = FEEDBACK_STEPS,
                   log: Callable[[str], None] | None = None) -> dict:
    """Learning from agent corrections, one complaint domain at a time.

    For each of the nine customer-service domains: a global complaint model is trained on the other
    eight domains plus the random tweets; the domain's tweets are split into a correction stream
    (60 %) and a fixed test part (40 %); the stream is fed one message at a time to a fresh
    ``BrandNoiseAdapter`` and the complaint-class F1 on the test part is measured after 0, 25, 50,
    100 and 200 corrections (or the whole stream when it is shorter). Repeated with ``repeats``
    shuffles; the mean is reported.
    """
    docs = D.complaints(data_dir)
    per_domain: dict[str, dict[int, float]] = {}
    for domain in D.COMPLAINT_DOMAINS:
        train = [d for d in docs if d.group != domain]
        target = [d for d in docs if d.group == domain]
        fz = Featurizer().fit([d.text for d in train])
        coef, b = fit_binary(fz.transform([d.text for d in train]), [d.label == "1" for d in train], c=COMPLAINT_C)
        scores: dict[int, list[float]] = {k: [] for k in steps}
        for rep in range(repeats):
            rng = np.random.default_rng(SEED + rep)
            order = rng.permutation(len(target))
            cut = int(len(target) * 0.6)
            stream = [target[i] for i in order[:cut]]
            test = [target[i] for i in order[cut:]]
            x_test = fz.transform([d.text for d in test])
            y_test = np.array([d.label == "1" for d in test])
            base_test = np.asarray(x_test @ coef + b)
            adapter = BrandNoiseAdapter()
            fed = 0
            for k in steps:
                k_eff = min(k, len(stream))
                for d in stream[fed:k_eff]:
                    x = fz.transform([d.text])
                    adapter.update_features(x, np.asarray(x @ coef + b), [d.label == "1"])
                fed = k_eff
                p = adapter.predict_proba_features(x_test, base_test)
                scores[k].append(float(f1_score(y_test, p >= 0.5, pos_label=True)))
        per_domain[domain] = {k: float(np.mean(v)) for k, v in scores.items()}
        if log:
            log(f"feedback {domain}: " + " ".join(f"{k}:{v:.3f}" for k, v in per_domain[domain].items()))
    mean = {k: float(np.mean([per_domain[d][k] for d in per_domain])) for k in steps}
    return {"per_domain": per_domain, "mean": mean}
