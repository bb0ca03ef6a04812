"""Deterministic learners used by training and by the quality benchmark."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

SEED = 20240605


def fit_multiclass(
    x: sp.csr_matrix, y: Sequence[str], classes: Sequence[str], *, c: float = 10.0,
    sample_weight: np.ndarray | None = None, class_weight: str | dict | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression; returns (coef, intercept) in ``classes`` order."""
    y_arr = np.asarray(y)
    model = LogisticRegression(C=c, max_iter=3000, tol=1e-4, class_weight=class_weight, random_state=SEED)
    model.fit(x, y_arr, sample_weight=sample_weight)
    learned = list(model.classes_)
    coef = np.zeros((len(classes), x.shape[1]), np.float32)
    intercept = np.full(len(classes), -30.0, np.float32)  # classes absent from training never win
    if len(learned) == 2:  # scikit-learn keeps a single row for two classes
        coef[classes.index(learned[1])] = model.coef_[0] / 2
        coef[classes.index(learned[0])] = -model.coef_[0] / 2
        intercept[classes.index(learned[1])] = model.intercept_[0] / 2
        intercept[classes.index(learned[0])] = -model.intercept_[0] / 2
    else:
        for i, name in enumerate(learned):
            coef[classes.index(name)] = model.coef_[i]
            intercept[classes.index(name)] = model.intercept_[i]
    return coef, intercept


def fit_binary(
    x: sp.csr_matrix, y: Sequence[bool], *, c: float = 10.0, sample_weight: np.ndarray | None = None,
    class_weight: str | dict | None = None,
) -> tuple[np.ndarray, float]:
    model = LogisticRegression(C=c, max_iter=3000, tol=1e-4, class_weight=class_weight, random_state=SEED)
    model.fit(x, np.asarray(y, dtype=bool), sample_weight=sample_weight)
    return model.coef_[0].astype(np.float32), float(model.intercept_[0])


def platt_scaling(scores: np.ndarray, y: Sequence[bool]) -> tuple[float, float]:
    """Fit ``p = sigmoid(a * score + b)`` on out-of-fold scores (Platt 1999)."""
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(scores.reshape(-1, 1), np.asarray(y, dtype=bool))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def fit_binary_calibrated(
    x: sp.csr_matrix, y: Sequence[bool], *, c: float = 10.0, folds: int = 5, class_weight: str | dict | None = None,
) -> tuple[np.ndarray, float, tuple[float, float], np.ndarray]:
    """Binary logistic regression whose probability is Platt-calibrated on out-of-fold scores.

    Returns (coef, intercept, (a, b), out-of-fold calibrated probabilities).
    """
    y_arr = np.asarray(y, dtype=bool)
    oof = np.zeros(len(y_arr))
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    for train, test in skf.split(np.zeros(len(y_arr)), y_arr):
        coef, b = fit_binary(x[train], y_arr[train], c=c, class_weight=class_weight)
        oof[test] = x[test] @ coef + b
    a, b2 = platt_scaling(oof, y_arr)
    coef, b = fit_binary(x, y_arr, c=c, class_weight=class_weight)
    probs = 1.0 / (1.0 + np.exp(-(a * oof + b2)))
    return coef, b, (a, b2), probs


def predict_multiclass(x: sp.csr_matrix, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str]) -> list[str]:
    scores = np.asarray(x @ coef.T) + intercept
    return [classes[i] for i in scores.argmax(axis=1)]
