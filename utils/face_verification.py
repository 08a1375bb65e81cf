"""Face verification and recognition: triplet loss, triplet selection, an encoder, ROC/AUC, baselines, data.

The course's contract (Course 4, week 4):

- ``triplet_loss(y_true, y_pred, alpha=0.2)``: ``y_pred = (anchor, positive, negative)``, three (m, d)
  batches of encodings; loss = sum over the batch of max(||a - p||^2 - ||a - n||^2 + alpha, 0). TensorFlow
  here, ``triplet_loss_numpy`` the same in numpy.
- ``verify(image, identity, database, model, threshold) -> (distance, same)`` and
  ``who_is_it(image, database, model) -> (min_distance, identity)``, where ``database`` maps a name to an
  encoding (d,) and ``model`` maps a batch of images (m, H, W[, C]) to encodings (m, d): a Keras encoder,
  or any callable.

Data: ``load_face_identities`` returns LFW people (scikit-learn's fetcher) only when already cached under
``utils.data.cache_dir()`` (``make data WHAT=lfw``, or when you ask for the download), else the offline stand-in
``make_identity_views``: augmented views of scikit-image's 100 ``lfw_subset`` faces, one identity per face.

TensorFlow/Keras are imported inside the functions that need them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from utils.validation import as_array, check_finite, check_positive_int, check_range

# --- the triplet loss ---------------------------------------------------------------------------------


def split_triplet(y_pred: Any) -> tuple[Any, Any, Any]:
    """(anchor, positive, negative) from ``y_pred``: a sequence of three (m, d) arrays or tensors (or three
    (d,) encodings of one triplet, as in the course's tests), or one (m, 3, d) array or tensor. Raises
    ValueError unless the three have the same shape (m, d) or (d,)."""
    if isinstance(y_pred, (list, tuple)):
        if len(y_pred) != 3:
            raise ValueError(f"y_pred must be (anchor, positive, negative), got {len(y_pred)} arrays")
        a, p, n = y_pred
    else:
        shape = getattr(y_pred, "shape", None)
        if shape is None or len(shape) != 3 or shape[1] != 3:
            raise ValueError(f"y_pred must be (anchor, positive, negative) or one tensor of shape (m, 3, d), "
                             f"got {type(y_pred).__name__} of shape {shape}")
        a, p, n = y_pred[:, 0], y_pred[:, 1], y_pred[:, 2]
    shapes = [tuple(np.shape(t)) if not hasattr(t, "shape") else tuple(t.shape) for t in (a, p, n)]
    if len(shapes[0]) not in (1, 2) or shapes[0] != shapes[1] or shapes[0] != shapes[2]:
        raise ValueError(f"y_pred's anchor, positive and negative must be encodings of the same shape (m, d) or (d,), "
                         f"got {shapes}")
    return a, p, n


def triplet_loss_numpy(y_true: Any, y_pred: Any, alpha: float = 0.2) -> float:
    """The triplet loss in numpy: sum_i max(||a_i - p_i||^2 - ||a_i - n_i||^2 + alpha, 0).

    Inputs: y_true (unused, as in the course); y_pred = (anchor, positive, negative), each (m, d) or (d,), or
    one array (m, 3, d); alpha: the margin, any finite number (0 or negative is unusual, not invalid: the loss
    is still max(., 0), as the course's tests check).
    Returns: the loss summed over the batch (a float).
    """
    check_range(alpha, "alpha")
    a, p, n = (np.asarray(t, dtype=np.float64) for t in split_triplet(y_pred))
    pos_dist = np.sum((a - p) ** 2, axis=-1)
    neg_dist = np.sum((a - n) ** 2, axis=-1)
    return float(np.sum(np.maximum(pos_dist - neg_dist + alpha, 0.0)))


def triplet_loss(y_true: Any, y_pred: Any, alpha: float = 0.2) -> Any:
    """The course's triplet loss in TensorFlow: sum_i max(||a_i - p_i||^2 - ||a_i - n_i||^2 + alpha, 0).

    Inputs: y_true (unused, as in the course); y_pred = (anchor, positive, negative), each (m, d) or (d,), or
    one tensor (m, 3, d); alpha: the margin, any finite number (0 or negative is unusual, not invalid).
    Returns: the loss summed over the batch, a scalar float32 tensor. Usable as a Keras loss on a model
    whose output stacks the three encodings as (m, 3, d); ``triplet_loss_numpy`` is the same in numpy.
    """
    import tensorflow as tf

    check_range(alpha, "alpha")
    anchor, positive, negative = (tf.cast(t, tf.float32) for t in split_triplet(y_pred))
    ### BEGIN SOLUTION
    pos_dist = tf.reduce_sum(tf.square(anchor - positive), axis=-1)  # ||f(A) - f(P)||^2, shape (m,)
    neg_dist = tf.reduce_sum(tf.square(anchor - negative), axis=-1)  # ||f(A) - f(N)||^2, shape (m,)
    basic_loss = pos_dist - neg_dist + alpha
    loss = tf.reduce_sum(tf.maximum(basic_loss, 0.0))  # max(., 0) per triplet, then the sum
    ### END SOLUTION
    return loss


# --- distances and triplet selection ------------------------------------------------------------------

def pairwise_distances(E: Any) -> np.ndarray:
    """Euclidean distances between all rows of E (m, d). Returns (m, m)."""
    E = as_array(E, "E", ndim=2)
    sq = np.sum(E ** 2, axis=1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * E @ E.T, 0.0)
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2)


def select_triplets(embeddings: Any, labels: Any, n_triplets: int, strategy: str = "semi-hard",
                    alpha: float = 0.2, seed: int = 0) -> np.ndarray:
    """Choose (anchor, positive, negative) index triplets.

    Inputs:
    - embeddings: (m, d) current encodings (used by "semi-hard"); labels: (m,) identities.
    - n_triplets: how many triplets; each anchor and positive are a random same-identity pair.
    - strategy: "random" (any other identity as negative) or "semi-hard" (a negative with
      d(a, p) < d(a, n) < d(a, p) + alpha, as FaceNet; if none exists, the closest negative farther
      than the positive; if none, the closest negative).
    Returns: (n_triplets, 3) int indices.
    """
    E = as_array(embeddings, "embeddings", ndim=2)
    y = np.asarray(labels).reshape(-1)
    if y.size != E.shape[0]:
        raise ValueError(f"labels must have shape ({E.shape[0]},), one per embedding, got {y.shape}")
    if strategy not in ("random", "semi-hard"):
        raise ValueError(f"strategy must be 'random' or 'semi-hard', got {strategy!r}")
    n_triplets = check_positive_int(n_triplets, "n_triplets")
    check_range(alpha, "alpha", 0, None)
    ids, counts = np.unique(y, return_counts=True)
    anchor_ids = ids[counts >= 2]
    if anchor_ids.size == 0 or ids.size < 2:
        raise ValueError("need at least two identities and one identity with two or more images")
    rng = np.random.default_rng(seed)
    members = {i: np.flatnonzero(y == i) for i in ids}
    D = pairwise_distances(E) if strategy == "semi-hard" else None
    out = np.empty((n_triplets, 3), dtype=np.int64)
    for t in range(n_triplets):
        ident = anchor_ids[rng.integers(anchor_ids.size)]
        a, p = rng.choice(members[ident], 2, replace=False)
        negs = np.flatnonzero(y != ident)
        if strategy == "random":
            n = negs[rng.integers(negs.size)]
        else:
            d_ap, d_an = D[a, p], D[a, negs]
            semi = negs[(d_an > d_ap) & (d_an < d_ap + alpha)]
            if semi.size:
                n = semi[rng.integers(semi.size)]
            else:
                farther = d_an > d_ap
                n = negs[farther][np.argmin(d_an[farther])] if farther.any() else negs[np.argmin(d_an)]
        out[t] = (a, p, n)
    return out


def active_fraction(embeddings: Any, triplets: Any, alpha: float = 0.2) -> float:
    """The fraction of triplets with a positive loss (the ones that still teach the encoder something)."""
    E = as_array(embeddings, "embeddings", ndim=2)
    T = np.asarray(triplets)
    if T.ndim != 2 or T.shape[1] != 3:
        raise ValueError(f"triplets must have shape (k, 3), got {T.shape}")
    pos = np.sum((E[T[:, 0]] - E[T[:, 1]]) ** 2, axis=1)
    neg = np.sum((E[T[:, 0]] - E[T[:, 2]]) ** 2, axis=1)
    return float(np.mean(pos - neg + alpha > 0))


# --- the encoder --------------------------------------------------------------------------------------

def build_encoder(input_shape: tuple[int, ...] = (25, 25, 1), embedding_dim: int = 32, width: int = 16) -> Any:
    """A small CNN f(x): images (m, H, W, C) -> encodings (m, embedding_dim) on the unit sphere.

    Two Conv-BN-ReLU-MaxPool blocks, a third convolution, a dense layer and an L2 normalization
    (as FaceNet), so distances lie in [0, 2].
    """
    import keras

    d = check_positive_int(embedding_dim, "embedding_dim")
    w = check_positive_int(width, "width")
    inp = keras.Input(tuple(input_shape))
    x = inp
    for k in range(2):
        x = keras.layers.Conv2D(w * 2 ** k, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        x = keras.layers.ReLU()(x)
        x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(w * 4, 3, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(d, dtype="float32")(x)
    out = keras.layers.UnitNormalization(dtype="float32")(x)
    return keras.Model(inp, out, name="face_encoder")


def _triplet_model(encoder: Any) -> Any:
    """(m, 3, H, W, C) stacked (anchor, positive, negative) images -> (m, 3, d) stacked encodings."""
    import keras

    shape = tuple(encoder.inputs[0].shape[1:])
    inp = keras.Input((3, *shape), name="triplets")
    encs = [encoder(keras.layers.Lambda(lambda t, k=k: t[:, k])(inp)) for k in range(3)]
    stacked = keras.layers.Lambda(lambda t: keras.ops.stack(t, axis=1), dtype="float32")(encs)
    return keras.Model(inp, stacked, name="triplet_model")


@dataclass
class EncoderResult:
    """What ``train_encoder`` returns: the encoder and, per round, the mean loss per triplet, the fraction of
    active triplets at selection time, and the dev AUC (when dev pairs were given); seconds of training."""

    encoder: Any
    loss: list[float]
    active: list[float]
    dev_auc: list[float]
    seconds: float


def _to_numpy(t: Any) -> np.ndarray:
    """A framework tensor (or array) as a numpy array."""
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def _as_images(images: Any, name: str = "images") -> np.ndarray:
    X = np.asarray(images, dtype=np.float32)
    if X.ndim == 3:
        X = X[..., None]
    if X.ndim != 4:
        raise ValueError(f"{name} must have shape (m, H, W) or (m, H, W, C), got {X.shape}")
    return X


def train_encoder(images: Any, labels: Any, rounds: int = 10, strategy: str = "semi-hard",
                  triplets_per_round: int = 2000, alpha: float = 0.2, batch_size: int = 64,
                  learning_rate: float = 1e-3, embedding_dim: int = 32, width: int = 16, seed: int = 0,
                  dev: tuple[Any, Any, Any] | None = None) -> EncoderResult:
    """Train ``build_encoder`` with the triplet loss, on ``utils.training`` (device strategy, tf.data).

    Each round encodes the training images with the current encoder, selects ``triplets_per_round``
    triplets with ``strategy`` ("random" or "semi-hard", see ``select_triplets``) and fits one epoch on them.
    Inputs: images (m, H, W) or (m, H, W, C) in [0, 1]; labels (m,) identities; dev = (images, pairs (k, 2),
    same (k,)) to record the dev AUC after every round.
    Returns: an EncoderResult. Raises DivergenceError when the loss becomes NaN.
    """
    import time

    import keras

    from utils.training import build_model, make_dataset

    X = _as_images(images)
    y = np.asarray(labels).reshape(-1)
    if y.size != X.shape[0]:
        raise ValueError(f"labels must have shape ({X.shape[0]},), one per image, got {y.shape}")
    rounds = check_positive_int(rounds, "rounds")
    holder: dict[str, Any] = {}

    def build():
        holder["encoder"] = build_encoder(X.shape[1:], embedding_dim, width)
        return _triplet_model(holder["encoder"])

    model, _ = build_model(build, {"optimizer": lambda: keras.optimizers.Adam(learning_rate),
                                   "loss": lambda yt, yp: triplet_loss(yt, yp, alpha) / batch_size},
                           seed=seed)
    encoder = holder["encoder"]
    result = EncoderResult(encoder, [], [], [], 0.0)
    start = time.perf_counter()
    for r in range(rounds):
        E = encode(X, encoder)
        T = select_triplets(E, y, triplets_per_round, strategy, alpha, seed=seed * 1000 + r)
        result.active.append(active_fraction(E, T, alpha))
        ds = make_dataset(X[T], np.zeros(T.shape[0], np.float32), batch_size, shuffle=False, cache=False)
        hist = model.fit(ds, epochs=1, verbose=0, shuffle=False)
        result.loss.append(check_finite(hist.history["loss"][-1], r, "try a smaller learning_rate"))
        if dev is not None:
            d_images, d_pairs, d_same = dev
            dist = pair_distances(encode(d_images, encoder), d_pairs)
            fpr, tpr, _ = roc_curve(dist, d_same)
            result.dev_auc.append(auc(fpr, tpr))
    result.seconds = time.perf_counter() - start
    return result


def save_encoder(encoder: Any, path: Any) -> Any:
    """Save a trained encoder (Keras ``.keras`` file) so the face app can reuse it. Returns the path."""
    from pathlib import Path

    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"the encoder file must end in .keras, got {path.name}")
    path.parent.mkdir(parents=True, exist_ok=True)
    encoder.save(path)
    return path


def load_encoder(path: Any) -> Any:
    """Load an encoder saved by ``save_encoder`` (raises ValueError when the file does not exist)."""
    from pathlib import Path

    import keras

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no saved encoder at {path}: train one with train_encoder and save_encoder")
    return keras.saving.load_model(path, compile=False)


def load_or_train_encoder(path: Any, images: Any, labels: Any, **train_kwargs: Any) -> Any:
    """The encoder saved at ``path`` if there is one, else ``train_encoder(images, labels, **train_kwargs)``
    saved there. Returns the encoder."""
    from pathlib import Path

    if Path(path).is_file():
        return load_encoder(path)
    encoder = train_encoder(images, labels, **train_kwargs).encoder
    save_encoder(encoder, path)
    return encoder


def encode(images: Any, model: Any, batch_size: int = 256) -> np.ndarray:
    """Encodings f(x) of a batch of images: (m, H, W[, C]) -> (m, d), with a Keras encoder or any callable."""
    X = _as_images(images)
    batch_size = check_positive_int(batch_size, "batch_size")
    if hasattr(model, "predict") and hasattr(model, "inputs"):
        want = tuple(model.inputs[0].shape[1:])
        if tuple(X.shape[1:]) != want:
            raise ValueError(f"images must have shape (m, {', '.join(map(str, want))}) for this encoder, "
                             f"got {X.shape}")
        out = np.concatenate([_to_numpy(model(X[i:i + batch_size], training=False))
                              for i in range(0, X.shape[0], batch_size)]) if X.shape[0] else np.zeros((0, 1))
    else:
        out = _to_numpy(model(X))
    if out.ndim != 2 or out.shape[0] != X.shape[0]:
        raise ValueError(f"the model must return encodings of shape (m, d), got {out.shape} for {X.shape[0]} images")
    return out.astype(np.float64)


# --- verification and recognition ---------------------------------------------------------------------

def check_encoding(enc: Any, name: str) -> np.ndarray:
    """``enc`` as a float array of shape (d,) (a (1, d) batch of one is accepted); ValueError otherwise."""
    e = np.asarray(enc, dtype=np.float64)
    if e.ndim == 2 and e.shape[0] == 1:
        e = e[0]
    if e.ndim != 1:
        raise ValueError(f"{name} must be one encoding of shape (d,), got shape {e.shape}")
    return e


def distance(enc1: Any, enc2: Any) -> float:
    """d(img1, img2) = ||f(img1) - f(img2)||_2, the Euclidean distance of two encodings.

    Inputs: enc1, enc2 of shape (d,) (or (1, d)). Returns: the distance, a float.
    """
    enc1, enc2 = check_encoding(enc1, "enc1"), check_encoding(enc2, "enc2")
    if enc1.shape != enc2.shape:
        raise ValueError(f"enc1 and enc2 must have the same length d, got {enc1.shape[0]} and {enc2.shape[0]}")
    ### BEGIN SOLUTION
    dist = np.linalg.norm(enc1 - enc2)
    ### END SOLUTION
    return float(dist)


def verify(image: Any, identity: str, database: Mapping[str, Any], model: Any,
           threshold: float = 0.7) -> tuple[float, bool]:
    """Is ``image`` the person ``identity``? (Face verification, 1:1.)

    Inputs: image (H, W[, C]); identity: a key of ``database`` (name -> encoding (d,)); model: an encoder
    for ``encode`` (which takes a batch of images); threshold: distances below it mean "same person".
    Returns: (dist, same): dist = ||f(image) - database[identity]||, same = dist < threshold.
    """
    if identity not in database:
        raise ValueError(f"identity {identity!r} is not in the database; it holds {sorted(database)}")
    check_range(threshold, "threshold", 0, None)
    ### BEGIN SOLUTION
    encoding = encode(np.asarray(image)[None], model)[0]  # f(image), shape (d,)
    dist = distance(encoding, database[identity])
    same = dist < threshold
    ### END SOLUTION
    return float(dist), bool(same)


def who_is_it(image: Any, database: Mapping[str, Any], model: Any) -> tuple[float, str]:
    """Whose face is ``image``? (Face recognition, 1:K.)

    Inputs: image (H, W[, C]); database: name -> encoding (d,); model: an encoder for ``encode`` (which takes
    a batch of images).
    Returns: (min_dist, identity): the smallest distance ||f(image) - database[name]|| over the database and
    that name. The caller decides "not in the database" when min_dist is above its threshold.
    """
    if not database:
        raise ValueError("the database is empty: add at least one name -> encoding")
    ### BEGIN SOLUTION
    encoding = encode(np.asarray(image)[None], model)[0]  # f(image), shape (d,)
    min_dist, identity = np.inf, None
    for name, db_enc in database.items():
        dist = distance(encoding, db_enc)
        if dist < min_dist:
            min_dist, identity = dist, name
    ### END SOLUTION
    return float(min_dist), identity


def build_database(images: Any, names: Any, model: Any) -> dict[str, np.ndarray]:
    """name -> mean encoding (re-normalized when the encoder's outputs are unit vectors) of that person's images."""
    E = encode(images, model)
    names = np.asarray(names).reshape(-1)
    if names.size != E.shape[0]:
        raise ValueError(f"names must have one entry per image ({E.shape[0]}), got {names.size}")
    db = {}
    unit = np.allclose(np.linalg.norm(E, axis=1), 1, atol=1e-3)
    for name in dict.fromkeys(names.tolist()):
        e = E[names == name].mean(axis=0)
        db[str(name)] = e / np.linalg.norm(e) if unit else e
    return db


# --- pairs, ROC, AUC and the threshold ----------------------------------------------------------------

def make_pairs(labels: Any, n_pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Balanced verification pairs: half same-identity, half different.

    Returns: pairs (n_pairs, 2) indices into labels, same (n_pairs,) bools.
    """
    y = np.asarray(labels).reshape(-1)
    n_pairs = check_positive_int(n_pairs, "n_pairs")
    ids, counts = np.unique(y, return_counts=True)
    if ids.size < 2 or not (counts >= 2).any():
        raise ValueError("need at least two identities and one with two or more images to make pairs")
    rng = np.random.default_rng(seed)
    multi = ids[counts >= 2]
    pairs, same = [], []
    for k in range(n_pairs):
        if k % 2 == 0:
            ident = multi[rng.integers(multi.size)]
            i, j = rng.choice(np.flatnonzero(y == ident), 2, replace=False)
        else:
            i = int(rng.integers(y.size))
            j = int(rng.choice(np.flatnonzero(y != y[i])))
        pairs.append((i, j))
        same.append(y[i] == y[j])
    return np.array(pairs, dtype=np.int64), np.array(same, dtype=bool)


def pair_distances(E: Any, pairs: Any) -> np.ndarray:
    """Distances ||E[i] - E[j]|| for each pair (k, 2) of row indices of the encodings E (m, d). Returns (k,)."""
    E = as_array(E, "E", ndim=2)
    P = np.asarray(pairs)
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(f"pairs must have shape (k, 2), got {P.shape}")
    if P.size and (not np.issubdtype(P.dtype, np.integer) or P.min() < 0 or P.max() >= E.shape[0]):
        raise ValueError(f"pairs must hold row indices of E, integers in [0, {E.shape[0]}), "
                         f"got {P.ravel()[:6].tolist()}")
    return np.linalg.norm(E[P[:, 0]] - E[P[:, 1]], axis=1)


def roc_curve(distances: Any, same: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC of the decision "same when distance <= t", over every threshold t.

    Inputs: distances (k,), same (k,) bools with both classes present.
    Returns: fpr, tpr, thresholds (each of length n_unique + 1, starting at (0, 0) with t = -inf).
    """
    d = as_array(distances, "distances", ndim=1)
    s = np.asarray(same).reshape(-1).astype(bool)
    if s.size != d.size:
        raise ValueError(f"same must have one entry per distance ({d.size}), got {s.size}")
    n_pos, n_neg = int(s.sum()), int((~s).sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("roc_curve needs both same and different pairs")
    order = np.argsort(d, kind="stable")
    d, s = d[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(d)), d.size - 1]  # the last index of each distinct distance
    tp = np.cumsum(s)[last]
    fp = np.cumsum(~s)[last]
    return np.r_[0.0, fp / n_neg], np.r_[0.0, tp / n_pos], np.r_[-np.inf, d[last]]


def auc(fpr: Any, tpr: Any) -> float:
    """Area under a ROC curve (trapezoids). Inputs: fpr (n,), tpr (n,) sorted by increasing fpr."""
    x = as_array(fpr, "fpr", ndim=1)
    y = as_array(tpr, "tpr", ndim=1)
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"fpr and tpr must have the same shape (n,) with n >= 2, got {x.shape} and {y.shape}")
    if np.any(np.diff(x) < 0):
        raise ValueError("fpr must be non-decreasing")
    return float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))


def choose_threshold(distances: Any, same: Any) -> float:
    """The threshold of best accuracy for "same when distance < t" on (dev) pairs: midway between the
    two neighbouring distances where accuracy peaks."""
    d = as_array(distances, "distances", ndim=1)
    s = np.asarray(same).reshape(-1).astype(bool)
    if s.size != d.size or d.size == 0:
        raise ValueError(f"distances and same must be non-empty with one entry each, got {d.size} and {s.size}")
    u = np.unique(d)
    candidates = np.r_[u[0] - 1e-6, (u[1:] + u[:-1]) / 2, u[-1] + 1e-6]
    accs = [np.mean((d < t) == s) for t in candidates]
    return float(candidates[int(np.argmax(accs))])


def verification_accuracy(distances: Any, same: Any, threshold: float) -> float:
    """Fraction of pairs where (distance < threshold) agrees with ``same``."""
    d = as_array(distances, "distances", ndim=1)
    s = np.asarray(same).reshape(-1).astype(bool)
    if s.size != d.size:
        raise ValueError(f"same must have one entry per distance ({d.size}), got {s.size}")
    return float(np.mean((d < threshold) == s))


# --- baselines ----------------------------------------------------------------------------------------

def raw_pixel_encode(images: Any) -> np.ndarray:
    """The raw-pixel baseline: each image flattened, centred and scaled to unit norm. Returns (m, H*W*C)."""
    X = _as_images(images).reshape(np.shape(images)[0], -1).astype(np.float64)
    X = X - X.mean(axis=1, keepdims=True)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


@dataclass
class Eigenfaces:
    """PCA of face images ("eigenfaces"): mean (n,), components (k, n), explained variance ratio (k,)."""

    mean: np.ndarray
    components: np.ndarray
    explained: np.ndarray

    def encode(self, images: Any) -> np.ndarray:
        """Project images (m, H, W[, C]) on the eigenfaces, whitened. Returns (m, k)."""
        X = raw_pixel_encode(images)
        if X.shape[1] != self.mean.size:
            raise ValueError(f"images must have {self.mean.size} pixels, got {X.shape[1]}")
        Z = (X - self.mean) @ self.components.T
        return Z / np.sqrt(np.maximum(self.explained, 1e-12))


def fit_eigenfaces(images: Any, n_components: int = 20) -> Eigenfaces:
    """Fit eigenfaces by SVD on training images (m, H, W[, C]) (pixels normalized as ``raw_pixel_encode``)."""
    X = raw_pixel_encode(images)
    k = check_positive_int(n_components, "n_components")
    if k > min(X.shape):
        raise ValueError(f"n_components must be <= min(m, pixels) = {min(X.shape)}, got {k}")
    mean = X.mean(axis=0)
    _, s, Vt = np.linalg.svd(X - mean, full_matrices=False)
    var = s ** 2 / max(X.shape[0] - 1, 1)
    return Eigenfaces(mean, Vt[:k], var[:k])


# --- face identity data -------------------------------------------------------------------------------

def augment_face(face: Any, rng: np.random.Generator, strength: float = 1.0) -> np.ndarray:
    """One random view of a face (H, W) in [0, 1]: rotation, scale, shift, mirror, contrast, brightness,
    gamma and noise (the nuisances a real second photo would bring, simulated)."""
    from skimage.transform import AffineTransform, warp

    img = as_array(face, "face", ndim=2)
    s = check_range(strength, "strength", 0, None)
    H, W = img.shape
    angle = np.deg2rad(rng.uniform(-10, 10) * s)
    scale = 1 + rng.uniform(-0.08, 0.08) * s
    shift = rng.uniform(-2, 2, 2) * s
    centre = np.array([W / 2 - 0.5, H / 2 - 0.5])
    tf = (AffineTransform(translation=-centre) + AffineTransform(rotation=angle, scale=scale)
          + AffineTransform(translation=centre + shift))
    out = warp(img, tf.inverse, mode="edge")
    if rng.random() < 0.5:
        out = out[:, ::-1]
    out = (out - out.mean()) * (1 + rng.uniform(-0.3, 0.3) * s) + out.mean() + rng.uniform(-0.12, 0.12) * s
    out = np.clip(out, 0, 1) ** np.exp(rng.uniform(-0.3, 0.3) * s)
    out = out + rng.normal(0, 0.03 * s, out.shape)
    return np.clip(out, 0, 1)


def make_identity_views(faces: Any, n_views: int = 10, seed: int = 0,
                        strength: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The offline identity set: ``n_views`` augmented views of each face, one identity per face.

    Inputs: faces (k, H, W) in [0, 1]. Returns: images (k * n_views, H, W) float32, labels (k * n_views,)
    in [0, k).
    """
    F = as_array(faces, "faces", ndim=3)
    n_views = check_positive_int(n_views, "n_views")
    rng = np.random.default_rng(seed)
    images = np.stack([augment_face(f, rng, strength) for f in F for _ in range(n_views)]).astype(np.float32)
    return images, np.repeat(np.arange(F.shape[0]), n_views)


@dataclass
class FaceIdentities:
    """A face identity set: images (m, H, W) float32 in [0, 1], labels (m,), names (n_identities,), source."""

    images: np.ndarray
    labels: np.ndarray
    names: np.ndarray
    source: str

    @property
    def data_name(self) -> str:
        """"LFW" or "offline stand-in": the short name results are recorded under (their own rows)."""
        return "LFW" if self.source.startswith("LFW") else "offline stand-in"


def load_lfw_identities(min_faces_per_person: int = 20, download: bool = False, max_per_person: int = 30,
                        resize: float = 0.4) -> FaceIdentities | None:
    """LFW people through scikit-learn's ``fetch_lfw_people``, cached under ``utils.data.cache_dir()``.

    Never downloads unless ``download`` is True (then ``utils.datasets.fetch("lfw")``, what ``make data
    WHAT=lfw`` runs); returns None when LFW is not cached (or scikit-learn cannot read it). At most
    ``max_per_person`` images per person, so a few celebrities do not dominate.
    """
    from sklearn.datasets import fetch_lfw_people

    from utils.data import cache_dir

    if download:
        from utils.datasets import fetch

        try:
            fetch("lfw")
        except (OSError, ValueError) as exc:  # offline or refused: said, then the cache decides
            print(f"LFW was not fetched: {exc}")
    from utils.datasets import is_present

    if not is_present("lfw"):  # not fetched, or an unpacking that broke off: never read half a set
        return None
    try:
        bunch = fetch_lfw_people(data_home=str(cache_dir()), min_faces_per_person=min_faces_per_person,
                                 resize=resize, download_if_missing=False)
    except (OSError, IOError, ValueError):
        return None
    rng = np.random.default_rng(0)
    keep = np.concatenate([rng.permutation(np.flatnonzero(bunch.target == t))[:max_per_person]
                           for t in np.unique(bunch.target)])
    images = bunch.images[keep].astype(np.float32)
    images = (images - images.min()) / max(images.max() - images.min(), 1e-6)
    return FaceIdentities(images, bunch.target[keep], np.asarray(bunch.target_names), "LFW (scikit-learn fetcher)")


def load_offline_identities(n_views: int = 10, seed: int = 0) -> FaceIdentities:
    """The offline stand-in: ``make_identity_views`` of scikit-image's 100 ``lfw_subset`` faces (25 x 25)."""
    from skimage.data import lfw_subset

    faces = lfw_subset()[:100]  # the first 100 images are faces
    images, labels = make_identity_views(faces, n_views, seed)
    names = np.array([f"face {i:02d}" for i in range(faces.shape[0])])
    return FaceIdentities(images, labels, names, f"offline: {n_views} augmented views of each lfw_subset face")


def load_face_identities(use_lfw: bool = True, download: bool = False, n_views: int = 10,
                         seed: int = 0) -> FaceIdentities:
    """LFW when ``use_lfw`` and it is cached (or ``download``), the offline stand-in otherwise."""
    if use_lfw:
        lfw = load_lfw_identities(download=download)
        if lfw is not None:
            return lfw
    return load_offline_identities(n_views, seed)


def split_identities(labels: Any, fractions: tuple[float, float, float] = (0.6, 0.2, 0.2),
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split by identity (no person in two parts): boolean masks (train, dev, test) over the images."""
    y = np.asarray(labels).reshape(-1)
    f = np.asarray(fractions, dtype=np.float64)
    if f.shape != (3,) or (f < 0).any() or not np.isclose(f.sum(), 1):
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {fractions}")
    ids = np.random.default_rng(seed).permutation(np.unique(y))
    if ids.size < 3:
        raise ValueError(f"need at least 3 identities to split, got {ids.size}")
    n_train = int(round(f[0] * ids.size))
    n_dev = int(round(f[1] * ids.size))
    parts = (ids[:n_train], ids[n_train:n_train + n_dev], ids[n_train + n_dev:])
    return tuple(np.isin(y, p) for p in parts)  # type: ignore[return-value]


def evaluate_encoder(encode_fn: Callable[[np.ndarray], np.ndarray], dev: tuple[Any, Any, Any],
                     test: tuple[Any, Any, Any]) -> dict[str, float]:
    """Verification of one encoder: AUC on dev and test pairs, the threshold chosen on dev pairs, the
    accuracy on test pairs. dev/test = (images, pairs (k, 2), same (k,))."""
    out: dict[str, float] = {}
    for name, part in (("dev", dev), ("test", test)):
        if not isinstance(part, (tuple, list)) or len(part) != 3:
            raise ValueError(f"{name} must be (images, pairs (k, 2), same (k,)), got {type(part).__name__}")
    try:
        d_dev = pair_distances(encode_fn(dev[0]), dev[1])
    except ValueError as exc:
        raise ValueError(f"dev: {exc}") from exc
    try:
        d_test = pair_distances(encode_fn(test[0]), test[1])
    except ValueError as exc:
        raise ValueError(f"test: {exc}") from exc
    out["dev_auc"] = auc(*roc_curve(d_dev, dev[2])[:2])
    out["test_auc"] = auc(*roc_curve(d_test, test[2])[:2])
    out["threshold"] = choose_threshold(d_dev, dev[2])
    out["test_accuracy"] = verification_accuracy(d_test, test[2], out["threshold"])
    return out
