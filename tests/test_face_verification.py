"""utils.face_verification: triplet loss (numpy == TF == direct), selection, verify/who_is_it, ROC, baselines."""

import numpy as np
import pytest

from utils.face_verification import (active_fraction, auc, build_database, build_encoder, choose_threshold, distance,
                                     encode, evaluate_encoder, fit_eigenfaces, load_face_identities,
                                     load_offline_identities, make_identity_views, make_pairs, pair_distances,
                                     pairwise_distances, raw_pixel_encode, roc_curve, select_triplets,
                                     split_identities, train_encoder, triplet_loss, triplet_loss_numpy,
                                     verification_accuracy, verify, who_is_it)


def direct_triplet_loss(a, p, n, alpha):
    total = 0.0
    for i in range(a.shape[0]):
        pos = sum((a[i, k] - p[i, k]) ** 2 for k in range(a.shape[1]))
        neg = sum((a[i, k] - n[i, k]) ** 2 for k in range(a.shape[1]))
        total += max(pos - neg + alpha, 0.0)
    return total


def test_triplet_loss_numpy_and_tensorflow_match_a_direct_computation(rng):
    for alpha in (0.0, 0.2, 1.0):
        a, p, n = (rng.normal(size=(7, 5)) for _ in range(3))
        want = direct_triplet_loss(a, p, n, alpha)
        assert triplet_loss_numpy(None, (a, p, n), alpha) == pytest.approx(want, rel=1e-12)
        assert float(triplet_loss(None, (a, p, n), alpha)) == pytest.approx(want, rel=1e-5)
        stacked = np.stack([a, p, n], axis=1)
        assert triplet_loss_numpy(None, stacked, alpha) == pytest.approx(want, rel=1e-12)


def test_triplet_loss_matches_the_course_example():
    import tensorflow as tf

    tf.random.set_seed(1)
    y_pred = (tf.random.normal([3, 128], mean=6, stddev=0.1, seed=1),
              tf.random.normal([3, 128], mean=1, stddev=1, seed=1),
              tf.random.normal([3, 128], mean=3, stddev=4, seed=1))
    np_value = triplet_loss_numpy(None, tuple(t.numpy() for t in y_pred))
    assert float(triplet_loss(None, y_pred)) == pytest.approx(np_value, rel=1e-5)
    assert float(triplet_loss(None, ([[1.0, 1.0]], [[1.0, 1.0]], [[1.0, 1.0]]), 5)) == 5.0


def test_triplet_loss_is_zero_when_the_margin_is_met_and_rejects_bad_shapes():
    a = np.zeros((2, 3))
    assert triplet_loss_numpy(None, (a, a, a + 1), 0.2) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        triplet_loss_numpy(None, (a, a, np.zeros((2, 4))))
    with pytest.raises(ValueError, match="anchor, positive, negative"):
        triplet_loss_numpy(None, (a, a))
    with pytest.raises(ValueError, match="same shape"):
        triplet_loss(None, (a, a, np.zeros((2, 4))))


def test_pairwise_distances_match_numpy_norms(rng):
    E = rng.normal(size=(6, 4))
    D = pairwise_distances(E)
    np.testing.assert_allclose(D, np.linalg.norm(E[:, None] - E[None], axis=-1), atol=1e-7)


def test_semi_hard_selection_picks_negatives_inside_the_margin_band():
    labels = np.repeat(np.arange(4), 5)
    rng = np.random.default_rng(0)
    E = rng.normal(size=(20, 3)) * 0.3 + labels[:, None] * 0.4
    T = select_triplets(E, labels, 200, "semi-hard", alpha=0.2, seed=1)
    assert T.shape == (200, 3)
    assert np.all(labels[T[:, 0]] == labels[T[:, 1]]) and np.all(labels[T[:, 0]] != labels[T[:, 2]])
    assert np.all(T[:, 0] != T[:, 1])
    D = pairwise_distances(E)
    d_ap, d_an = D[T[:, 0], T[:, 1]], D[T[:, 0], T[:, 2]]
    band = (d_an > d_ap) & (d_an < d_ap + 0.2)
    assert band.mean() > 0.5
    R = select_triplets(E, labels, 200, "random", seed=1)
    assert active_fraction(E, T) > active_fraction(E, R)


def test_select_triplets_rejects_bad_input():
    with pytest.raises(ValueError, match="strategy"):
        select_triplets(np.zeros((4, 2)), [0, 0, 1, 1], 3, "hardest")
    with pytest.raises(ValueError, match="one per embedding"):
        select_triplets(np.zeros((4, 2)), [0, 0, 1], 3)
    with pytest.raises(ValueError, match="two identities"):
        select_triplets(np.zeros((3, 2)), [0, 1, 2], 3)


def stand_in_encoder(images):
    """Encodes an image by the mean brightness of its top and bottom halves."""
    X = np.asarray(images)
    h = X.shape[1] // 2
    return np.stack([X[:, :h].mean(axis=(1, 2, 3)), X[:, h:].mean(axis=(1, 2, 3))], axis=1)


def test_verify_and_who_is_it_on_a_tiny_database():
    alice = np.zeros((4, 4)); alice[:2] = 1.0   # bright top
    bob = np.zeros((4, 4)); bob[2:] = 1.0       # bright bottom
    database = build_database(np.stack([alice, bob]), ["alice", "bob"], stand_in_encoder)
    np.testing.assert_allclose(database["alice"], [1, 0])
    probe = alice * 0.9
    dist, same = verify(probe, "alice", database, stand_in_encoder, threshold=0.5)
    assert dist == pytest.approx(0.1) and same
    dist, same = verify(probe, "bob", database, stand_in_encoder, threshold=0.5)
    assert dist == pytest.approx(np.hypot(0.9, 1.0)) and not same
    min_dist, who = who_is_it(bob * 0.8, database, stand_in_encoder)
    assert who == "bob" and min_dist == pytest.approx(0.2)
    with pytest.raises(ValueError, match="not in the database"):
        verify(probe, "carol", database, stand_in_encoder)
    with pytest.raises(ValueError, match="empty"):
        who_is_it(probe, {}, stand_in_encoder)


def test_verify_says_different_at_exactly_the_threshold_and_who_is_it_returns_a_name():
    database = {"ana": np.array([0.0, 0.0]), "ben": np.array([1.0, 1.0])}
    flat = lambda X: np.asarray(X).reshape(len(X), -1)  # noqa: E731 - f(x) = the pixels
    dist, same = verify(np.array([[3.0, 4.0]]), "ana", database, flat, threshold=5.0)
    assert dist == 5.0 and same is False
    min_dist, who = who_is_it(np.array([[0.9, 1.2]]), database, flat)
    assert who == "ben" and isinstance(who, str) and min_dist == pytest.approx(np.hypot(0.1, 0.2))
    assert distance(np.array([0.0, 0.0]), np.array([[3.0, 4.0]])) == 5.0  # a (1, d) batch of one is accepted


def test_encodings_of_different_lengths_are_rejected():
    with pytest.raises(ValueError, match="enc1 and enc2 must have the same length d"):
        distance(np.zeros(3), np.zeros(4))
    database = {"alice": np.zeros(3)}
    with pytest.raises(ValueError, match="enc1 and enc2 must have the same length d"):
        verify(np.zeros((4, 4)), "alice", database, stand_in_encoder)


def test_roc_and_auc_match_scikit_learn(rng):
    from sklearn.metrics import roc_auc_score

    same = rng.random(200) < 0.5
    d = rng.normal(size=200) + np.where(same, 0.0, 1.0)
    d[:20] = np.round(d[:20], 1)  # some ties
    fpr, tpr, thr = roc_curve(d, same)
    assert fpr[0] == tpr[0] == 0 and fpr[-1] == tpr[-1] == 1
    assert auc(fpr, tpr) == pytest.approx(roc_auc_score(same, -d))
    with pytest.raises(ValueError, match="both"):
        roc_curve(d, np.ones(200, bool))


def test_choose_threshold_maximizes_accuracy_on_separable_pairs():
    d = np.array([0.1, 0.2, 0.3, 0.8, 0.9])
    same = np.array([True, True, True, False, False])
    t = choose_threshold(d, same)
    assert 0.3 < t < 0.8
    assert verification_accuracy(d, same, t) == 1.0
    assert verification_accuracy(d, same, 0.0) == pytest.approx(0.4)


def test_make_pairs_is_balanced_and_labels_are_right():
    labels = np.repeat(np.arange(5), 3)
    pairs, same = make_pairs(labels, 40, seed=0)
    assert pairs.shape == (40, 2) and same.sum() == 20
    np.testing.assert_array_equal(labels[pairs[:, 0]] == labels[pairs[:, 1]], same)
    assert np.all(pairs[same, 0] != pairs[same, 1])
    np.testing.assert_allclose(pair_distances(np.eye(15), pairs[:2]), np.sqrt(2) * (pairs[:2, 0] != pairs[:2, 1]))


def test_baselines_raw_pixels_and_eigenfaces(rng):
    X = rng.uniform(size=(30, 6, 5))
    R = raw_pixel_encode(X)
    assert R.shape == (30, 30)
    np.testing.assert_allclose(np.linalg.norm(R, axis=1), 1)
    eig = fit_eigenfaces(X, 4)
    Z = eig.encode(X)
    assert Z.shape == (30, 4)
    np.testing.assert_allclose(Z.var(axis=0, ddof=1), 1, rtol=1e-6)  # whitened on the training set
    with pytest.raises(ValueError, match="n_components"):
        fit_eigenfaces(X, 31)


def test_identity_views_and_split_keep_identities_apart():
    faces = np.random.default_rng(0).uniform(size=(6, 12, 12))
    images, labels = make_identity_views(faces, n_views=3, seed=0)
    assert images.shape == (18, 12, 12) and labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]
    assert not np.allclose(images[0], images[1])  # different views
    tr, dv, te = split_identities(labels, (0.5, 0.25, 0.25), seed=0)
    assert not (tr & dv).any() and not (tr & te).any() and (tr | dv | te).all()
    assert set(labels[tr]).isdisjoint(labels[te])
    with pytest.raises(ValueError, match="fractions"):
        split_identities(labels, (0.5, 0.5, 0.5))


def test_offline_identities_load_without_network():
    data = load_face_identities(use_lfw=False, n_views=2)
    assert data.images.shape == (200, 25, 25) and data.source.startswith("offline")
    assert np.unique(data.labels).size == 100


def test_encoder_trains_with_triplets_and_separates_views_of_training_faces():
    data = load_offline_identities(n_views=4, seed=0)
    keep = data.labels < 8
    X, y = data.images[keep], data.labels[keep]
    pairs, same = make_pairs(y, 60, seed=0)
    result = train_encoder(X, y, rounds=3, strategy="semi-hard", triplets_per_round=256, batch_size=64,
                           embedding_dim=8, width=4, dev=(X, pairs, same))
    E = encode(X, result.encoder)
    assert E.shape == (32, 8)
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1, atol=1e-5)
    assert len(result.loss) == len(result.active) == len(result.dev_auc) == 3
    assert result.dev_auc[-1] > 0.5
    scores = evaluate_encoder(lambda x: encode(x, result.encoder), (X, pairs, same), (X, pairs, same))
    assert set(scores) == {"dev_auc", "test_auc", "threshold", "test_accuracy"}
    with pytest.raises(ValueError, match=r"\(m, 25, 25, 1\)"):
        encode(np.zeros((2, 20, 20)), result.encoder)


def test_build_encoder_outputs_unit_vectors():
    enc = build_encoder((12, 12, 1), embedding_dim=6, width=4)
    out = encode(np.random.default_rng(0).uniform(size=(3, 12, 12)), enc)
    assert out.shape == (3, 6)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1, atol=1e-5)


def test_lfw_loader_returns_none_when_lfw_is_not_cached_and_never_downloads(tmp_path, monkeypatch):
    from utils.face_verification import load_lfw_identities

    monkeypatch.setenv("FACEAPP_DATA", str(tmp_path))
    assert load_lfw_identities(download=False) is None
    assert not any(tmp_path.rglob("*.tgz"))  # nothing fetched
    data = load_face_identities(use_lfw=True, download=False, n_views=1)
    assert data.source.startswith("offline")


def test_saved_encoder_loads_back_with_the_same_encodings(tmp_path):
    from utils.face_verification import load_encoder, load_or_train_encoder, save_encoder

    enc = build_encoder((12, 12, 1), embedding_dim=4, width=4)
    x = np.random.default_rng(0).uniform(size=(3, 12, 12))
    path = save_encoder(enc, tmp_path / "encoder.keras")
    np.testing.assert_allclose(encode(x, load_encoder(path)), encode(x, enc), atol=1e-6)
    np.testing.assert_allclose(encode(x, load_or_train_encoder(path, None, None)), encode(x, enc), atol=1e-6)
    with pytest.raises(ValueError, match=".keras"):
        save_encoder(enc, tmp_path / "encoder.h5")
    with pytest.raises(ValueError, match="no saved encoder"):
        load_encoder(tmp_path / "missing.keras")
