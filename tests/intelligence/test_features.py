import numpy as np

from socialcare.intelligence.features import N_FEATURES, Featurizer, count_matrix, normalise


def test_normalise_replaces_volatile_tokens():
    assert normalise("Hi @DB_Bahn see https://t.co/x 123") == " hi @user see http 000 "


def test_hashing_is_stable_and_batch_independent():
    texts = ["Zug fällt aus", "Where is my parcel?", "Zug fällt aus"]
    m = count_matrix([normalise(t) for t in texts])
    assert m.shape == (3, N_FEATURES)
    assert (m[0] != m[2]).nnz == 0
    single = count_matrix([normalise(texts[1])])
    assert (m[1] != single[0]).nnz == 0


def test_tfidf_rows_are_block_normalised():
    fz = Featurizer().fit(["a b c", "b c d", "something else"])
    x = fz.transform(["a b c d"])
    assert np.isclose((x.data ** 2).sum(), 2.0, atol=1e-4)
