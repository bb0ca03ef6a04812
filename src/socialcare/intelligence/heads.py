"""Linear model heads over the shared features, stored as one compressed npz bundle.

All heads share one weight matrix ``W`` (features x outputs) so that scoring a batch is a single
sparse-dense product. A head is a contiguous slice of columns: a multi-class head is a softmax over
its columns, a binary head is one logit that goes through Platt scaling (``a * z + b``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .features import Featurizer


@dataclass
class Head:
    name: str
    classes: list[str]
    start: int
    stop: int
    binary: bool = False
    platt: tuple[float, float] = (1.0, 0.0)


@dataclass
class HeadBundle:
    featurizer: Featurizer
    weights: np.ndarray  # (n_features, n_outputs) float32
    bias: np.ndarray  # (n_outputs,) float32
    heads: dict[str, Head] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)

    @classmethod
    def empty(cls, featurizer: Featurizer) -> HeadBundle:
        n = featurizer.idf.shape[0] if featurizer.idf is not None else 0
        return cls(featurizer, np.zeros((n, 0), np.float32), np.zeros(0, np.float32))

    def add(self, name: str, classes: list[str], coef: np.ndarray, intercept: np.ndarray, *, binary: bool = False,
            platt: tuple[float, float] = (1.0, 0.0)) -> None:
        """Append a head; ``coef`` is (outputs, n_features) as in scikit-learn."""
        coef = np.atleast_2d(coef).astype(np.float32)
        start = self.weights.shape[1]
        self.weights = np.hstack([self.weights, coef.T])
        self.bias = np.concatenate([self.bias, np.atleast_1d(intercept).astype(np.float32)])
        self.heads[name] = Head(name, list(classes), start, self.weights.shape[1], binary,
                                (float(platt[0]), float(platt[1])))

    def scores(self, x: sp.csr_matrix) -> np.ndarray:
        """Raw scores of every output column for a feature matrix."""
        return np.asarray(x @ self.weights) + self.bias

    @staticmethod
    def softmax(z: np.ndarray) -> np.ndarray:
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def probabilities(self, scores: np.ndarray, name: str) -> np.ndarray:
        h = self.heads[name]
        z = scores[:, h.start : h.stop]
        if h.binary:
            a, b = h.platt
            return 1.0 / (1.0 + np.exp(-(a * z[:, 0] + b)))
        return self.softmax(z)

    # persistence -----------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        # float16 halves the file; the rounding error (~1e-3 relative) does not move predictions.
        np.savez_compressed(
            path,
            idf=self.featurizer.idf.astype(np.float16),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            heads=np.frombuffer(json.dumps({k: asdict(v) for k, v in self.heads.items()}).encode(), np.uint8),
            meta=np.frombuffer(json.dumps(self.meta, sort_keys=True).encode(), np.uint8),
        )

    @classmethod
    def load(cls, path: Path) -> HeadBundle:
        with np.load(path) as z:
            fz = Featurizer(idf=z["idf"].astype(np.float32))
            heads_raw = json.loads(bytes(z["heads"]).decode())
            meta = json.loads(bytes(z["meta"]).decode())
            heads = {k: Head(**{**v, "platt": tuple(v["platt"])}) for k, v in heads_raw.items()}
            return cls(fz, z["weights"].astype(np.float32), z["bias"].astype(np.float32), heads, meta)
