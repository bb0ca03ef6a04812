"""Per-brand noise adaptation learned from agent corrections, and threshold helpers.

The shipped actionability model is global. Each brand gets a small online logistic correction on
top of it, updated every time an agent marks a filtered message "not noise" or an inbox message
"noise":

    logit_brand(x) = scale * logit_global(x) + bias + w . x

``x`` is the same hashed TF-IDF vector the global model reads; ``w`` starts at zero, ``scale`` at 1
and ``bias`` at 0, so an adapter without corrections returns the global probability unchanged.
Each correction is one AdaGrad step on the log loss with a small L2 pull towards that starting
point (per-coordinate learning rates: words seen in few corrections move fast, frequent ones
settle). Only coordinates touched by a correction are stored, so the state stays a few kilobytes
per hundred corrections and the lead can keep it in the database and update it without a restart.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:  # pragma: no cover
    from .enrich import Enricher

STATE_VERSION = 1


class BrandNoiseAdapter:
    def __init__(self, *, learning_rate: float = 0.2, l2: float = 1e-3, enricher: Enricher | None = None) -> None:
        self.learning_rate = learning_rate
        self.l2 = l2
        self.scale = 1.0
        self.bias = 0.0
        self.n_updates = 0
        self.n_positive = 0
        self._g_bias = 1.0  # AdaGrad accumulators start at 1 to keep early steps bounded
        self._g_scale = 1.0
        self._weights: dict[int, list[float]] = {}  # index -> [weight, squared-gradient sum]
        self._dense: np.ndarray | None = None
        self._enricher = enricher

    # persistence -----------------------------------------------------------------------------
    @classmethod
    def from_state(cls, state: bytes | None, *, enricher: Enricher | None = None) -> BrandNoiseAdapter:
        adapter = cls(enricher=enricher)
        if not state:
            return adapter
        with np.load(io.BytesIO(state)) as z:
            if int(z["version"]) != STATE_VERSION:
                raise ValueError(f"unsupported adapter state version {int(z['version'])}")
            scalars = z["scalars"].astype(float)
            (adapter.learning_rate, adapter.l2, adapter.scale, adapter.bias, adapter._g_bias,
             adapter._g_scale) = (float(v) for v in scalars[:6])
            adapter.n_updates, adapter.n_positive = (int(v) for v in z["counts"])
            adapter._weights = {
                int(i): [float(w), float(g)] for i, w, g in zip(z["index"], z["weight"], z["grad"], strict=True)
            }
        return adapter

    def to_state(self) -> bytes:
        index = np.fromiter(self._weights.keys(), dtype=np.int32, count=len(self._weights))
        values = np.array(list(self._weights.values()), dtype=np.float32).reshape(-1, 2)
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            version=np.int32(STATE_VERSION),
            scalars=np.array([self.learning_rate, self.l2, self.scale, self.bias, self._g_bias, self._g_scale]),
            counts=np.array([self.n_updates, self.n_positive], dtype=np.int64),
            index=index,
            weight=values[:, 0],
            grad=values[:, 1],
        )
        return buf.getvalue()

    # learning on features ------------------------------------------------------------------------
    def _dense_weights(self, n_features: int) -> np.ndarray:
        if self._dense is None or self._dense.shape[0] != n_features:
            dense = np.zeros(n_features, np.float32)
            if self._weights:
                idx = np.fromiter(self._weights.keys(), dtype=np.int64, count=len(self._weights))
                dense[idx] = [v[0] for v in self._weights.values()]
            self._dense = dense
        return self._dense

    def logits_features(self, x: sp.csr_matrix, base_logits: np.ndarray) -> np.ndarray:
        base = np.asarray(base_logits, dtype=np.float64).reshape(-1)
        out = self.scale * base + self.bias
        if self._weights:
            out = out + np.asarray(x @ self._dense_weights(x.shape[1])).reshape(-1)
        return out

    def predict_proba_features(self, x: sp.csr_matrix, base_logits: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits_features(x, base_logits), -35, 35)))

    def update_features(self, x: sp.csr_matrix, base_logits: np.ndarray, labels: Sequence[bool]) -> None:
        """One AdaGrad step per labelled row, in order."""
        x = sp.csr_matrix(x)
        base = np.asarray(base_logits, dtype=np.float64).reshape(-1)
        lr = self.learning_rate
        for row, label in enumerate(labels):
            lo, hi = x.indptr[row], x.indptr[row + 1]
            idx = x.indices[lo:hi]
            val = x.data[lo:hi].astype(np.float64)
            z = self.scale * base[row] + self.bias
            for i, v in zip(idx.tolist(), val.tolist(), strict=True):
                entry = self._weights.get(i)
                if entry is not None:
                    z += entry[0] * v
            p = 1.0 / (1.0 + math.exp(-max(-35.0, min(35.0, z))))
            g = p - (1.0 if label else 0.0)
            for i, v in zip(idx.tolist(), val.tolist(), strict=True):
                entry = self._weights.setdefault(i, [0.0, 1e-8])
                grad = g * v + self.l2 * entry[0]
                entry[1] += grad * grad
                entry[0] -= lr * grad / math.sqrt(entry[1])
            grad_b = g + self.l2 * self.bias
            self._g_bias += grad_b * grad_b
            self.bias -= lr * grad_b / math.sqrt(self._g_bias)
            grad_s = g * base[row] + self.l2 * (self.scale - 1.0)
            self._g_scale += grad_s * grad_s
            self.scale -= 0.1 * lr * grad_s / math.sqrt(self._g_scale)
            self.n_updates += 1
            self.n_positive += int(bool(label))
        self._dense = None

    # learning on texts (uses the shipped featurizer and global actionability model) ------------
    def _enr(self) -> Enricher:
        if self._enricher is None:
            from .enrich import get_enricher

            self._enricher = get_enricher()
        return self._enricher

    def update(self, texts: Sequence[str], labels: Sequence[bool]) -> None:
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        if not texts:
            return
        x, base = self._enr().actionability_inputs(list(texts))
        self.update_features(x, base, [bool(v) for v in labels])

    def predict_proba(self, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        x, base = self._enr().actionability_inputs(list(texts))
        return [float(p) for p in self.predict_proba_features(x, base)]


def threshold_for_target_recall(
    probabilities: Sequence[float], labels: Sequence[bool], target_recall: float
) -> float:
    """Highest threshold ``t`` such that ``p >= t`` keeps at least ``target_recall`` of the positives.

    With no positive label there is nothing to protect and 0.5 is returned.
    """
    if not 0.0 < target_recall <= 1.0:
        raise ValueError("target_recall must be in (0, 1]")
    pos = np.sort(np.asarray([p for p, y in zip(probabilities, labels, strict=True) if y], dtype=float))[::-1]
    if pos.size == 0:
        return 0.5
    k = math.ceil(target_recall * pos.size - 1e-9)
    return float(pos[max(k, 1) - 1])


def precision_recall_at(
    probabilities: Sequence[float], labels: Sequence[bool], threshold: float
) -> tuple[float, float]:
    """(precision, recall) of "actionable when p >= threshold" against agent labels.

    Precision is 1.0 when nothing is predicted actionable (no false alarm was raised) and recall is
    1.0 when no label is actionable (nothing could be missed).
    """
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels, dtype=bool)
    pred = p >= threshold
    tp = int(np.sum(pred & y))
    fp = int(np.sum(pred & ~y))
    fn = int(np.sum(~pred & y))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall
