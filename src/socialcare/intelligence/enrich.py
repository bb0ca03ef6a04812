"""Batch enrichment of inbound messages: language, sentiment, actionability, PII and intent.

Pure Python (no Django). The pipeline calls ``get_enricher().enrich_batch(inputs)``; every result is
a JSON-serialisable dict::

    {"language": {"code": "de", "confidence": 0.97},
     "sentiment": {"label": "negative", "score": 0.81, "polarity": -0.74},
     "actionable": {"label": True, "probability": 0.93, "top_features": [["verspätung", 0.41], ...]},
     "intent": {"label": "complaint", "value": "value", "confidence": 0.66},
     "pii": [{"type": "phone", "start": 12, "end": 25}],
     "model_version": "sc-intel-1+…"}

``sentiment.score`` is the probability of the returned label, ``polarity`` is P(positive) minus
P(negative). ``actionable.top_features`` lists up to five word features of the message with their
contribution to the actionability logit (positive pushes towards "needs attention").
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .adaptation import BrandNoiseAdapter
from .features import _BUCKETS, N_CHAR, N_WORD, meta_token, normalise
from .heads import HeadBundle
from .intent import INTENT_VALUE, rule_intent, spam_score
from .language import DEFAULT_LANGUAGES, UNKNOWN, LanguageIdentifier, get_language_identifier
from .paths import ARTEFACT_DIR, BUNDLE_NAME
from .pii import detect_pii

KNOWN_SOURCES = frozenset({"twitter", "facebook", "web"})
SENTIMENT_HEADS = {"de": "sentiment_de", "en": "sentiment_en"}
SPAM_RULE_THRESHOLD = 0.6


@dataclass(frozen=True)
class EnrichInput:
    text: str
    channel: str = ""
    source: str = ""
    brand: str = ""


class Enricher:
    """Holds the loaded models; thread-safe for concurrent ``enrich_batch`` calls."""

    def __init__(self, bundle: HeadBundle, *, languages: Sequence[str] = DEFAULT_LANGUAGES,
                 actionable_threshold: float = 0.5) -> None:
        self.bundle = bundle
        self.languages = tuple(sorted({c.lower() for c in languages}))
        self.actionable_threshold = actionable_threshold
        self.model_version = str(bundle.meta.get("version", "unknown"))
        self._lang = get_language_identifier(self.languages)
        act = bundle.heads["actionable"]
        self._act_col = act.start
        self._act_a, self._act_b = act.platt
        self._act_weights = bundle.weights[:, act.start].copy()

    @classmethod
    def load(cls, artefact_dir: Path | None = None, *, languages: Sequence[str] | None = None) -> Enricher:
        path = Path(artefact_dir or ARTEFACT_DIR) / BUNDLE_NAME
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing; run `socialcare train`")
        return cls(HeadBundle.load(path), languages=languages or DEFAULT_LANGUAGES)

    # ------------------------------------------------------------------------------------------
    def _features(self, inputs: Sequence[EnrichInput]) -> tuple[sp.csr_matrix, list[list[str]]]:
        """Feature matrix and each message's word tokens (to name the top features)."""
        norm = [normalise(i.text) for i in inputs]
        extra = [[meta_token("src", i.source)] if i.source.lower() in KNOWN_SOURCES else [] for i in inputs]
        tokens: list[list[str]] = []
        return self.bundle.featurizer.transform([], extra, normalised=norm, keep_tokens=tokens), tokens

    def actionability_inputs(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Features and calibrated global actionability logits (used by ``BrandNoiseAdapter``)."""
        x, _ = self._features([EnrichInput(t) for t in texts])
        z = np.asarray(x @ self._act_weights) + self.bundle.bias[self._act_col]
        return x, self._act_a * z + self._act_b

    def _identifier(self, languages: Sequence[str] | None) -> LanguageIdentifier:
        if not languages:
            return self._lang
        return get_language_identifier(tuple(sorted({c.lower() for c in languages})))

    def _top_features(self, x: sp.csr_matrix, tokens: Sequence[Sequence[str]], k: int = 5) -> list[list[list]]:
        """Per row, the ``k`` word features with the largest absolute contribution to the
        actionability logit, vectorised over the batch; names come from the row's own tokens."""
        word = (x.indices >= N_CHAR) & (x.indices < N_CHAR + N_WORD)
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))[word]
        cols = x.indices[word]
        contrib = x.data[word] * self._act_weights[cols] * self._act_a
        order = np.lexsort((-np.abs(contrib), rows))
        rows, cols, contrib = rows[order], cols[order], contrib[order]
        starts = np.searchsorted(rows, np.arange(x.shape[0]))
        rank = np.arange(rows.shape[0]) - starts[rows]
        top = (rank < k) & (contrib != 0)
        picked: list[dict[int, float]] = [{} for _ in range(x.shape[0])]
        for r, c, v in zip(rows[top].tolist(), cols[top].tolist(), contrib[top].tolist(), strict=True):
            picked[r][c] = v
        out: list[list[list]] = []
        get = _BUCKETS.__getitem__
        for r, wanted in enumerate(picked):
            if not wanted:
                out.append([])
                continue
            names: dict[int, str] = {}
            for tok in tokens[r]:
                c = get(tok)
                if c in wanted and c not in names:
                    names[c] = tok
                    if len(names) == len(wanted):
                        break
            out.append([[names[c], round(v, 4)] for c, v in wanted.items() if c in names])
        return out

    def enrich_batch(
        self,
        inputs: Sequence[EnrichInput],
        languages: Sequence[str] | None = None,
        *,
        pii_patterns: Mapping[str, str] | None = None,
        adapters: Mapping[str, BrandNoiseAdapter] | None = None,
    ) -> list[dict]:
        """Enrich a batch.

        ``languages`` restricts language identification (ISO 639-1 codes); ``pii_patterns`` adds a
        brand's customer/order number regexes; ``adapters`` maps a brand to its
        ``BrandNoiseAdapter`` so corrections already made for that brand change the probability.
        """
        inputs = [i if isinstance(i, EnrichInput) else EnrichInput(str(i)) for i in inputs]
        if not inputs:
            return []
        x, tokens = self._features(inputs)
        scores = self.bundle.scores(x)
        explanations = self._top_features(x, tokens)
        ident = self._identifier(languages)
        langs = ident.detect_batch([i.text for i in inputs])

        act_logit = self._act_a * scores[:, self._act_col] + self._act_b
        act_prob = 1.0 / (1.0 + np.exp(-act_logit))
        if adapters:
            for brand, adapter in adapters.items():
                rows = [r for r, i in enumerate(inputs) if i.brand == brand]
                if rows:
                    act_prob[rows] = adapter.predict_proba_features(x[rows], act_logit[rows])

        sent_probs = {name: self.bundle.probabilities(scores, name)
                      for name in ("sentiment_de", "sentiment_en", "sentiment_xx")}
        intent_head = self.bundle.heads["intent"]
        intent_probs = self.bundle.probabilities(scores, "intent")
        sentiment_classes = self.bundle.heads["sentiment_xx"].classes

        results = []
        for r, item in enumerate(inputs):
            code, conf = langs[r]
            sp_row = sent_probs[SENTIMENT_HEADS.get(code, "sentiment_xx")][r]
            s_idx = int(sp_row.argmax())
            spam = spam_score(item.text)
            i_idx = int(intent_probs[r].argmax())
            intent = intent_head.classes[i_idx]
            i_conf = float(intent_probs[r, i_idx])
            p_act = float(act_prob[r])
            if spam >= SPAM_RULE_THRESHOLD:
                intent, i_conf = "spam", max(i_conf, spam) if intent == "spam" else spam
                p_act = min(p_act, 1.0 - spam)
            else:
                ruled = rule_intent(item.text, intent)
                if ruled is not None:
                    intent, i_conf = ruled, max(float(intent_probs[r, intent_head.classes.index(ruled)]), 0.8)
            results.append(
                {
                    "language": {"code": code, "confidence": round(conf, 4)},
                    "sentiment": {
                        "label": sentiment_classes[s_idx],
                        "score": round(float(sp_row[s_idx]), 4),
                        "polarity": round(float(sp_row[2] - sp_row[0]), 4),
                    },
                    "actionable": {
                        "label": p_act >= self.actionable_threshold,
                        "probability": round(p_act, 4),
                        "top_features": explanations[r],
                    },
                    "intent": {"label": intent, "value": INTENT_VALUE[intent], "confidence": round(i_conf, 4)},
                    "pii": detect_pii(item.text, pii_patterns),
                    "model_version": self.model_version,
                }
            )
        return results

    def enrich_one(self, item: EnrichInput | str, languages: Sequence[str] | None = None, **kwargs) -> dict:
        if isinstance(item, str):
            item = EnrichInput(item)
        return self.enrich_batch([item], languages, **kwargs)[0]


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, tuple[str, ...]], Enricher] = {}


def configured_languages() -> tuple[str, ...]:
    """``SOCIALCARE_LANGUAGES`` (comma-separated ISO 639-1 codes) or the default list."""
    raw = os.environ.get("SOCIALCARE_LANGUAGES", "")
    codes = tuple(c.strip().lower() for c in raw.split(",") if c.strip())
    return codes if len(codes) >= 2 else DEFAULT_LANGUAGES


def get_enricher(artefact_dir: Path | None = None, languages: Sequence[str] | None = None) -> Enricher:
    """Process-wide cached ``Enricher`` loaded from the committed artefacts (no network)."""
    key = (str(artefact_dir or ARTEFACT_DIR), tuple(sorted(languages or configured_languages())))
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = Enricher.load(artefact_dir, languages=key[1])
        return _CACHE[key]


__all__ = ["EnrichInput", "Enricher", "get_enricher", "UNKNOWN"]
