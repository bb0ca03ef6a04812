import numpy as np
import pytest

from socialcare.intelligence.adaptation import (
    BrandNoiseAdapter,
    precision_recall_at,
    threshold_for_target_recall,
)


def test_adapter_moves_towards_agent_labels():
    adapter = BrandNoiseAdapter.from_state(None)
    noise = ["Check out our raffle for the summer festival tickets", "raffle tickets still available for the festival"]
    before = adapter.predict_proba(noise)
    for _ in range(5):
        adapter.update(noise, [False, False])
    after = adapter.predict_proba(noise)
    assert all(a < b for a, b in zip(after, before, strict=True))
    assert after[0] < 0.5
    # an unrelated German complaint is hardly affected
    other = "Die Rechnung ist falsch, mir wurde doppelt abgebucht"
    assert adapter.predict_proba([other])[0] > 0.5


def test_adapter_without_corrections_equals_global_model():
    from socialcare.intelligence.enrich import get_enricher

    text = "Where is my refund? Waiting for two weeks."
    adapter = BrandNoiseAdapter.from_state(None)
    assert adapter.predict_proba([text])[0] == pytest.approx(get_enricher().enrich_one(text)["actionable"]["probability"],
                                                             abs=1e-3)


def test_state_round_trip_is_small_and_exact():
    adapter = BrandNoiseAdapter()
    adapter.update(["the raffle is open", "my order never arrived"], [False, True])
    state = adapter.to_state()
    assert len(state) < 50_000
    clone = BrandNoiseAdapter.from_state(state)
    texts = ["raffle", "order missing"]
    assert clone.predict_proba(texts) == pytest.approx(adapter.predict_proba(texts), abs=1e-6)
    assert clone.n_updates == 2
    clone.update(["the raffle is open"], [False])
    assert clone.n_updates == 3


def test_threshold_achieves_target_recall():
    rng = np.random.default_rng(1)
    labels = rng.random(500) < 0.4
    probs = np.clip(np.where(labels, rng.normal(0.7, 0.2, 500), rng.normal(0.3, 0.2, 500)), 0, 1)
    for target in (0.8, 0.9, 0.97, 1.0):
        t = threshold_for_target_recall(probs, labels, target)
        precision, recall = precision_recall_at(probs, labels, t)
        assert recall >= target
        # the threshold is the highest that keeps the promise
        _, recall_above = precision_recall_at(probs, labels, np.nextafter(t, 1.0))
        assert recall_above < target
        assert 0.0 < precision <= 1.0


def test_precision_recall_edge_cases():
    assert precision_recall_at([0.1, 0.2], [True, False], 0.5) == (1.0, 0.0)
    assert precision_recall_at([0.9], [False], 0.5) == (0.0, 1.0)
    assert threshold_for_target_recall([0.2, 0.9], [False, False], 0.9) == 0.5
    with pytest.raises(ValueError):
        threshold_for_target_recall([0.5], [True], 0.0)
