"""A DCGAN in Keras 3 and the tools to judge what it generates (faceapp/02_face_generation).

Images are (m, H, W, 1) floats in [-1, 1] (the generator ends in tanh); the helpers that show or measure them
take (m, H, W) in [0, 1] (``to_unit``). H = W is a multiple of 4 (28 or 32 for digits, 24 or 32 for faces):
the generator doubles a (H/4, H/4) map twice with strided transposed convolutions, the discriminator halves
the image twice with strided convolutions (Radford et al. 2015: no pooling, batch norm, ReLU in G, LeakyReLU
in D, tanh output, Adam with learning rate 2e-4 and beta_1 = 0.5).

``DCGAN.train_step`` uses TensorFlow's ``GradientTape`` (the workbook's Keras backend).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from utils.validation import as_array, check_positive_int

#: Change it to retrain the notebook's cached GANs.
GAN_VERSION = "dcgan-v1"
LATENT_DIM = 100
LEARNING_RATE = 2e-4
BETA_1 = 0.5


# --- data -----------------------------------------------------------------------------------------------

def resize_images(images: Any, size: int) -> np.ndarray:
    """Bilinear resize of (m, H, W) images to (m, size, size), float32."""
    from skimage.transform import resize

    X = as_array(images, "images", ndim=3)
    size = check_positive_int(size, "size")
    if X.shape[1:] == (size, size):
        return X.astype(np.float32)
    return np.stack([resize(x, (size, size), order=1, anti_aliasing=x.shape[0] > size) for x in X]).astype(np.float32)


def to_tanh_range(images: Any) -> np.ndarray:
    """(m, H, W) in [0, 1] -> (m, H, W, 1) in [-1, 1], the generator's range."""
    X = as_array(images, "images", ndim=3)
    return (2.0 * np.clip(X, 0, 1) - 1.0)[..., None].astype(np.float32)


def to_unit(images: Any) -> np.ndarray:
    """(m, H, W, 1) or (m, H, W) in [-1, 1] -> (m, H, W) in [0, 1]."""
    X = np.asarray(images, dtype=np.float32)
    if X.ndim == 4:
        X = X[..., 0]
    return np.clip((X + 1.0) / 2.0, 0, 1)


def digit_images(size: int = 28) -> np.ndarray:
    """scikit-learn's 1797 handwritten digits (8 x 8, values 0..16) upsampled to (1797, size, size, 1) in [-1, 1]."""
    from utils.data import load_digits

    images, _ = load_digits()
    return to_tanh_range(resize_images(images / 16.0, size))


def face_images(size: int = 24, views: int = 8, seed: int = 0, strength: float = 0.5,
                use_lfw: bool = True) -> np.ndarray:
    """Training faces: the 70 *train* faces of ``lfw_subset`` (``utils.face_detector.lfw_split``; the dev and
    eval faces stay out) in ``views`` light augmentations each, plus as many blends of two of them
    (``augmented_faces``: flips, small shifts, rotations, contrast), and the full LFW's faces when ``make data``
    has cached it (held-out look-alikes removed by ``cached_lfw_faces``).
    Returns (n, size, size, 1) in [-1, 1] (n = 2 * 70 * views without LFW)."""
    from utils.face_detector import augmented_faces, cached_lfw_faces, lfw_split

    train = lfw_split("train")[0]
    faces = augmented_faces(train, views, seed=seed, strength=strength)
    if use_lfw:
        held_out = np.concatenate([lfw_split("dev")[0], lfw_split("eval")[0]])
        extra = cached_lfw_faces(held_out)
        if extra is not None and len(extra):
            faces = np.concatenate([faces, extra])
    return to_tanh_range(resize_images(faces, size))


def face_data_name(use_lfw: bool = True) -> str:
    """What ``face_images(use_lfw=use_lfw)`` trains on, for the notebook's first output and the benchmark's rows:
    "lfw_subset + LFW" when ``make data`` has cached the full LFW, "lfw_subset" otherwise."""
    from utils.face_detector import uses_lfw

    return "lfw_subset + LFW" if use_lfw and uses_lfw() else "lfw_subset"


def held_out_faces(size: int = 24) -> np.ndarray:
    """The 30 dev + eval faces of ``lfw_subset`` that training never sees, (30, size, size) in [0, 1]."""
    from utils.face_detector import lfw_split

    return resize_images(np.concatenate([lfw_split("dev")[0], lfw_split("eval")[0]]), size)


def train_faces(size: int = 24) -> np.ndarray:
    """The 70 un-augmented train faces of ``lfw_subset``, (70, size, size) in [0, 1] (the memorization check's
    reference)."""
    from utils.face_detector import lfw_split

    return resize_images(lfw_split("train")[0], size)


# --- the two networks -------------------------------------------------------------------------------------

def _check_size(size: int) -> int:
    size = check_positive_int(size, "size")
    if size % 4 or size < 8:
        raise ValueError(f"image size must be a multiple of 4 and at least 8 (e.g. 24, 28, 32), got {size}")
    return size


def build_generator(size: int = 28, latent_dim: int = LATENT_DIM, width: int = 64) -> Any:
    """z (m, latent_dim) -> images (m, size, size, 1) in [-1, 1].

    Dense -> (size/4, size/4, 2 width), BN, ReLU -> ConvT(width, 4, stride 2), BN, ReLU
    -> ConvT(1, 4, stride 2), tanh."""
    import keras
    from keras import layers

    size, latent_dim, width = _check_size(size), check_positive_int(latent_dim, "latent_dim"), \
        check_positive_int(width, "width")
    s = size // 4
    return keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(s * s * 2 * width, use_bias=False),
        layers.BatchNormalization(), layers.ReLU(),
        layers.Reshape((s, s, 2 * width)),
        layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.ReLU(),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
    ], name="generator")


def build_discriminator(size: int = 28, width: int = 64) -> Any:
    """images (m, size, size, 1) -> logits (m, 1) (positive: "real").

    Conv(width, 4, stride 2), LeakyReLU(0.2) -> Conv(2 width, 4, stride 2), BN, LeakyReLU(0.2) -> Dense(1).
    No batch norm on the first layer (the DCGAN guideline)."""
    import keras
    from keras import layers

    size, width = _check_size(size), check_positive_int(width, "width")
    return keras.Sequential([
        keras.Input((size, size, 1)),
        layers.Conv2D(width, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2D(2 * width, 4, strides=2, padding="same", use_bias=False),
        layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Flatten(),
        layers.Dense(1),
    ], name="discriminator")


# --- the losses ------------------------------------------------------------------------------------------

def discriminator_loss(real_logits: Any, fake_logits: Any) -> Any:
    """Binary cross-entropy of D on real images labelled 1 and generated ones labelled 0, from logits:
    mean(-log sigmoid(real)) + mean(-log(1 - sigmoid(fake))) = mean(softplus(-real)) + mean(softplus(fake)).
    Inputs: logits of any matching shape, e.g. (m, 1). Returns a scalar tensor."""
    from keras import ops

    ### BEGIN SOLUTION
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
    ### END SOLUTION


def generator_loss(fake_logits: Any) -> Any:
    """The generator's non-saturating loss: mean(-log sigmoid(D(G(z)))) = mean(softplus(-fake)).
    (The minimax form mean(log(1 - sigmoid(fake))) has vanishing gradients while D rejects every fake.)
    Input: D's logits on generated images (m, 1). Returns a scalar tensor."""
    from keras import ops

    ### BEGIN SOLUTION
    return ops.mean(ops.softplus(-fake_logits))
    ### END SOLUTION


def generator_loss_minimax(fake_logits: Any) -> Any:
    """The original (saturating) generator loss, to be minimized: mean(log(1 - sigmoid(fake))) =
    -mean(softplus(fake)). Its slope vanishes while D rejects the fakes; shown for comparison only."""
    from keras import ops

    return -ops.mean(ops.softplus(fake_logits))


# --- the model with its own train_step ----------------------------------------------------------------------

def _dcgan_class() -> type:
    import keras
    import tensorflow as tf
    from keras import ops

    class DCGAN(keras.Model):
        """Generator + discriminator, trained in alternation by ``train_step``.

        Inputs: generator (z (m, d) -> (m, H, W, 1)), discriminator ((m, H, W, 1) -> logits (m, 1)), latent_dim d,
        seed (the noise z drawn in each step), g_loss (G's loss of D's logits on fakes; default the
        non-saturating ``generator_loss``). ``train_step(real (m, H, W, 1))``: one Adam step on D's loss
        (real vs fresh fakes), then one on G's non-saturating loss; returns d_loss, g_loss and D's accuracy on the
        real (``real_acc``) and on the fake (``fake_acc``) images of the step.
        """

        def __init__(self, generator: Any, discriminator: Any, latent_dim: int = LATENT_DIM, seed: int = 0,
                     g_loss: Callable[[Any], Any] = generator_loss, **kwargs: Any):
            super().__init__(**kwargs)
            self.g_loss_fn = g_loss
            self.generator = generator
            self.discriminator = discriminator
            self.latent_dim = int(latent_dim)
            self.noise = keras.random.SeedGenerator(seed)

        def compile(self, d_optimizer: Any = None, g_optimizer: Any = None, **kwargs: Any) -> None:
            super().compile(**kwargs)
            self.d_optimizer = d_optimizer or keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1)
            self.g_optimizer = g_optimizer or keras.optimizers.Adam(LEARNING_RATE, beta_1=BETA_1)

        def call(self, z: Any, training: bool = False) -> Any:
            return self.generator(z, training=training)

        def train_step(self, real: Any) -> dict:
            if isinstance(real, tuple):
                real = real[0]
            m = ops.shape(real)[0]
            z = keras.random.normal((m, self.latent_dim), seed=self.noise)
            with tf.GradientTape() as tape:
                fake = self.generator(z, training=True)
                real_logits = self.discriminator(real, training=True)
                fake_logits = self.discriminator(fake, training=True)
                d_loss = discriminator_loss(real_logits, fake_logits)
            d_vars = self.discriminator.trainable_weights
            self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_vars), d_vars))
            z = keras.random.normal((m, self.latent_dim), seed=self.noise)
            with tf.GradientTape() as tape:
                g_loss = self.g_loss_fn(self.discriminator(self.generator(z, training=True), training=True))
            g_vars = self.generator.trainable_weights
            self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_vars), g_vars))
            return {"d_loss": d_loss, "g_loss": g_loss,
                    "real_acc": ops.mean(ops.cast(real_logits > 0, "float32")),
                    "fake_acc": ops.mean(ops.cast(fake_logits < 0, "float32"))}

    return DCGAN


def build_dcgan(size: int = 28, latent_dim: int = LATENT_DIM, g_width: int = 64, d_width: int = 64,
                seed: int = 0, d_lr: float = LEARNING_RATE, g_lr: float = LEARNING_RATE,
                minimax: bool = False) -> Any:
    """A compiled DCGAN (seeded: same seed, same initial weights and noise) for images (m, size, size, 1);
    ``minimax=True`` trains G on the saturating ``generator_loss_minimax`` instead (to see it fail)."""
    import keras

    keras.utils.set_random_seed(seed)
    gan = _dcgan_class()(build_generator(size, latent_dim, g_width), build_discriminator(size, d_width),
                         latent_dim, seed=seed, g_loss=generator_loss_minimax if minimax else generator_loss)
    gan.compile(keras.optimizers.Adam(d_lr, beta_1=BETA_1), keras.optimizers.Adam(g_lr, beta_1=BETA_1))
    return gan


@dataclass
class GanTraining:
    """What ``train_gan`` recorded: history (metric -> per-step values), samples (epoch -> (k, H, W) in [0, 1]
    generated from the fixed z), seconds, from_cache."""

    history: dict[str, list[float]] = field(default_factory=dict)
    samples: dict[int, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    from_cache: bool = False


def generate(generator: Any, z: Any, batch_size: int = 256) -> np.ndarray:
    """Images of the latent codes z (k, d): (k, H, W) in [0, 1] (inference mode: batch norm's moving averages)."""
    Z = np.asarray(z, dtype=np.float32)
    if Z.ndim != 2:
        raise ValueError(f"z must have shape (k, latent_dim), got {Z.shape}")
    out = [np.asarray(generator(Z[i:i + batch_size], training=False)) for i in range(0, len(Z), batch_size)]
    return to_unit(np.concatenate(out))


def train_gan(gan: Any, images: Any, epochs: int, batch_size: int = 64, seed: int = 0,
              sample_z: Any = None, sample_every: int = 1, progress: bool = True,
              on_samples: Callable[[int, np.ndarray], None] | None = None) -> GanTraining:
    """Train ``gan`` for ``epochs`` passes over images (n, H, W, 1) in [-1, 1], shuffled each epoch (seeded),
    with a tqdm progress bar; every ``sample_every`` epochs (and at the end) generate ``sample_z`` (k, d) and
    record (and pass to ``on_samples``) the images. Returns GanTraining."""
    from tqdm.auto import tqdm

    X = np.asarray(images, dtype=np.float32)
    if X.ndim != 4 or X.shape[-1] != 1:
        raise ValueError(f"images must have shape (n, H, W, 1), got {X.shape}")
    epochs, batch_size = check_positive_int(epochs, "epochs"), check_positive_int(batch_size, "batch_size")
    rng = np.random.default_rng([21, seed])
    out = GanTraining(history={k: [] for k in ("d_loss", "g_loss", "real_acc", "fake_acc")})
    n_batches = len(X) // batch_size
    if n_batches == 0:
        raise ValueError(f"batch_size {batch_size} is larger than the {len(X)} images")
    start = time.perf_counter()
    bar = tqdm(total=epochs * n_batches, desc="training the GAN", disable=not progress, leave=False)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(X))
        for b in range(n_batches):
            logs = gan.train_on_batch(X[order[b * batch_size:(b + 1) * batch_size]], return_dict=True)
            for k in out.history:
                out.history[k].append(float(logs[k]))
            bar.update(1)
        bar.set_postfix(d_loss=f"{out.history['d_loss'][-1]:.2f}", g_loss=f"{out.history['g_loss'][-1]:.2f}")
        if sample_z is not None and (epoch % sample_every == 0 or epoch == epochs):
            out.samples[epoch] = generate(gan.generator, sample_z)
            if on_samples is not None:
                on_samples(epoch, out.samples[epoch])
    bar.close()
    out.seconds = time.perf_counter() - start
    return out


def gan_dir(version: str = GAN_VERSION) -> Path:
    """Where trained GANs are cached: ``utils.data.cache_dir() / "gan" / version`` (created)."""
    from utils.data import cache_dir

    path = cache_dir() / "gan" / version
    path.mkdir(parents=True, exist_ok=True)
    return path


def load_or_train_gan(name: str, images: Any, epochs: int, size: int, latent_dim: int = LATENT_DIM,
                      g_width: int = 64, d_width: int = 64, batch_size: int = 64, seed: int = 0,
                      sample_z: Any = None, sample_every: int = 1, version: str = GAN_VERSION,
                      use_cache: bool = True, progress: bool = True,
                      lr: float = LEARNING_RATE, d_lr: float | None = None,
                      minimax: bool = False) -> tuple[Any, GanTraining]:
    """``build_dcgan`` (G's Adam at ``lr``, D's at ``d_lr``, default ``lr``) + ``train_gan``, or the weights and
    history saved by an earlier run with the same settings (a folder of ``gan_dir(version)`` named after them).
    ``minimax``: G trained on the saturating loss. Returns (gan, GanTraining)."""
    d_lr = lr if d_lr is None else d_lr
    gan = build_dcgan(size, latent_dim, g_width, d_width, seed, d_lr, lr, minimax)
    key = f"{name}-s{size}-z{latent_dim}-g{g_width}-d{d_width}-e{epochs}-b{batch_size}-n{len(images)}-seed{seed}"
    key += "" if lr == LEARNING_RATE else f"-lr{lr:g}"
    key += ("" if d_lr == lr else f"-dlr{d_lr:g}") + ("-minimax" if minimax else "")
    folder = gan_dir(version) / key
    if use_cache and (folder / "meta.json").exists():
        try:
            meta = json.loads((folder / "meta.json").read_text())
            gan.generator.load_weights(folder / "generator.weights.h5")
            gan.discriminator.load_weights(folder / "discriminator.weights.h5")
            samples = dict(np.load(folder / "samples.npz"))
            return gan, GanTraining(meta["history"], {int(k): v for k, v in samples.items()}, meta["seconds"], True)
        except Exception:  # noqa: BLE001 - a damaged cache is retrained (it is a cache, not data)
            gan = build_dcgan(size, latent_dim, g_width, d_width, seed, d_lr, lr, minimax)
    training = train_gan(gan, images, epochs, batch_size, seed, sample_z, sample_every, progress)
    if use_cache:
        folder.mkdir(parents=True, exist_ok=True)
        gan.generator.save_weights(folder / "generator.weights.h5")
        gan.discriminator.save_weights(folder / "discriminator.weights.h5")
        np.savez(folder / "samples.npz", **{str(k): v for k, v in training.samples.items()})
        (folder / "meta.json").write_text(json.dumps({"history": training.history, "seconds": training.seconds}))
    return gan, training


def sample_diversity(images: Any) -> float:
    """Mean pairwise Euclidean distance between images (k, H, W): near 0 when a generator makes one image
    for every z (mode collapse)."""
    X = np.asarray(images, np.float64).reshape(len(images), -1)
    if len(X) < 2:
        raise ValueError("need at least 2 images to measure their diversity")
    d2 = (X ** 2).sum(1)[:, None] - 2 * X @ X.T + (X ** 2).sum(1)[None, :]
    iu = np.triu_indices(len(X), 1)
    return float(np.sqrt(np.maximum(d2[iu], 0)).mean())


def discriminator_scores(discriminator: Any, images: Any) -> np.ndarray:
    """D's probability that each image (m, H, W) in [0, 1] is real, (m,)."""
    from keras import ops

    X = to_tanh_range(images)
    return np.asarray(ops.sigmoid(discriminator(X, training=False)))[:, 0].astype(np.float64)


# --- measuring the samples -----------------------------------------------------------------------------------

def frechet_distance_gaussians(mu1: Any, cov1: Any, mu2: Any, cov2: Any) -> float:
    """Fréchet (2-Wasserstein) distance between N(mu1, cov1) and N(mu2, cov2), squared:
    ||mu1 - mu2||^2 + Tr(cov1 + cov2 - 2 (cov1 cov2)^(1/2)). Inputs: means (d,), covariances (d, d)."""
    from scipy.linalg import sqrtm

    m1, m2 = np.asarray(mu1, np.float64).ravel(), np.asarray(mu2, np.float64).ravel()
    c1, c2 = np.atleast_2d(np.asarray(cov1, np.float64)), np.atleast_2d(np.asarray(cov2, np.float64))
    d = len(m1)
    if m2.shape != (d,) or c1.shape != (d, d) or c2.shape != (d, d):
        raise ValueError(f"means must be (d,) and covariances (d, d) with one d; got {m1.shape}, {m2.shape}, "
                         f"{c1.shape}, {c2.shape}")
    covmean = sqrtm(c1 @ c2)
    if not np.isfinite(covmean).all():  # a singular product: nudge both covariances off singularity
        eps = 1e-6 * np.eye(d)
        covmean = sqrtm((c1 + eps) @ (c2 + eps))
    covmean = np.real(covmean)
    return float(max(np.sum((m1 - m2) ** 2) + np.trace(c1) + np.trace(c2) - 2 * np.trace(covmean), 0.0))


def frechet_distance(feats_a: Any, feats_b: Any) -> float:
    """FID's formula on two sets of features (n_a, d) and (n_b, d): the Fréchet distance between the Gaussians
    with their sample means and covariances (``frechet_distance_gaussians``)."""
    A = as_array(feats_a, "feats_a", ndim=2)
    B = as_array(feats_b, "feats_b", ndim=2)
    if A.shape[1] != B.shape[1] or min(len(A), len(B)) < 2:
        raise ValueError(f"need >= 2 feature rows of one dimension in each set, got {A.shape} and {B.shape}")
    return frechet_distance_gaussians(A.mean(0), np.cov(A, rowvar=False), B.mean(0), np.cov(B, rowvar=False))


def nearest_neighbours(queries: Any, references: Any) -> tuple[np.ndarray, np.ndarray]:
    """Each query's nearest reference by Euclidean distance, on flattened rows: queries (k, ...),
    references (n, ...) -> (index (k,), distance (k,))."""
    Q = np.asarray(queries, np.float64).reshape(len(queries), -1)
    R = np.asarray(references, np.float64).reshape(len(references), -1)
    if Q.shape[1] != R.shape[1] or len(R) == 0:
        raise ValueError(f"queries and references must have the same size per row, got {Q.shape} and {R.shape}")
    d2 = (Q ** 2).sum(1)[:, None] - 2 * Q @ R.T + (R ** 2).sum(1)[None, :]
    idx = d2.argmin(1)
    return idx, np.sqrt(np.maximum(d2[np.arange(len(Q)), idx], 0))


def to_encoder_input(images: Any, size: int = 25) -> np.ndarray:
    """(m, H, W) in [0, 1] -> (m, size, size, 1), the face encoder's and detector's input (25 x 25)."""
    return resize_images(images, size)[..., None]


def gaussian_noise_images(n: int, like: Any, seed: int = 0) -> np.ndarray:
    """Baseline "generator" 1: per-pixel Gaussian noise with the mean and standard deviation of ``like``
    (m, H, W) in [0, 1]; returns (n, H, W) clipped to [0, 1]."""
    L = as_array(like, "like", ndim=3)
    rng = np.random.default_rng([5, seed])
    return np.clip(rng.normal(L.mean(), L.std(), (check_positive_int(n, "n"), *L.shape[1:])), 0, 1)


def pca_samples(images: Any, n: int, n_components: int = 20, seed: int = 0) -> np.ndarray:
    """Baseline "generator" 2: samples of a Gaussian PCA model of ``images`` (m, H, W): mean face +
    sum_k sqrt(var_k) eps_k v_k with eps ~ N(0, 1). Returns (n, H, W) clipped to [0, 1]."""
    X = as_array(images, "images", ndim=3)
    flat = X.reshape(len(X), -1)
    mean = flat.mean(0)
    _, s, Vt = np.linalg.svd(flat - mean, full_matrices=False)
    k = min(int(n_components), len(s))
    std = s[:k] / np.sqrt(max(len(X) - 1, 1))
    rng = np.random.default_rng([6, seed])
    eps = rng.standard_normal((check_positive_int(n, "n"), k))
    return np.clip(mean + (eps * std) @ Vt[:k], 0, 1).reshape(n, *X.shape[1:])


# --- the latent space ----------------------------------------------------------------------------------------

def sample_z(n: int, latent_dim: int = LATENT_DIM, seed: int = 0) -> np.ndarray:
    """n latent codes z ~ N(0, I): (n, latent_dim) float32, seeded."""
    rng = np.random.default_rng([7, seed])
    return rng.standard_normal((check_positive_int(n, "n"), check_positive_int(latent_dim, "latent_dim"))
                               ).astype(np.float32)


def interpolate(z0: Any, z1: Any, steps: int = 8, spherical: bool = True) -> np.ndarray:
    """``steps`` codes from z0 (d,) to z1 (d,), (steps, d): along the great circle (slerp, which keeps the
    norm typical of N(0, I) samples) or the straight line."""
    a, b = np.asarray(z0, np.float64).ravel(), np.asarray(z1, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"z0 and z1 must have the same shape, got {a.shape} and {b.shape}")
    t = np.linspace(0, 1, check_positive_int(steps, "steps"))[:, None]
    if spherical:
        cos = np.dot(a, b) / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12)
        omega = np.arccos(np.clip(cos, -1, 1))
        if omega > 1e-6:
            return ((np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)).astype(np.float32)
    return ((1 - t) * a + t * b).astype(np.float32)


def latent_arithmetic(z_a: Any, z_b: Any, z_c: Any) -> np.ndarray:
    """"a - b + c" on latent codes, each (k, d) averaged over its k examples (averages are less noisy than
    single codes): returns (d,)."""
    A, B, C = (np.atleast_2d(np.asarray(z, np.float64)) for z in (z_a, z_b, z_c))
    return (A.mean(0) - B.mean(0) + C.mean(0)).astype(np.float32)


def principal_directions(generator: Any, latent_dim: int, n: int = 512, k: int = 3,
                         seed: int = 0) -> np.ndarray:
    """The k directions in z that move the generated images most: generate n samples, take the images' top k
    principal components, regress their scores on z (least squares, (d, k)) and orthonormalize the columns.
    Returns (k, latent_dim), orthonormal rows (direction i drives mostly the images' i-th component)."""
    Z = sample_z(n, latent_dim, seed)
    X = generate(generator, Z).reshape(n, -1)
    Xc, Zc = X - X.mean(0), Z - Z.mean(0)
    _, _, Vt = np.linalg.svd(Xc, full_matrices=False)
    pcs = Xc @ Vt[:k].T                      # (n, k) image-space principal scores
    W, *_ = np.linalg.lstsq(Zc, pcs, rcond=None)  # (d, k): z -> scores
    Q, _ = np.linalg.qr(W)
    return Q.T.astype(np.float32)


def project(generator: Any, images: Any, steps: int = 300, lr: float = 0.05, restarts: int = 4,
            seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Find z with G(z) close to each image: gradient descent (Adam) on the pixel mean squared error, from
    ``restarts`` random starts per image, keeping the best. Inputs: images (k, H, W) in [0, 1].
    Returns (z (k, d), final mean squared error per image (k,) in [-1, 1] units)."""
    import keras
    import tensorflow as tf

    X = to_tanh_range(images)
    k, d = len(X), int(generator.inputs[0].shape[-1])
    target = tf.constant(np.repeat(X, restarts, axis=0))
    z = tf.Variable(sample_z(k * restarts, d, seed))
    opt = keras.optimizers.Adam(lr)

    @tf.function
    def step() -> Any:
        with tf.GradientTape() as tape:
            err = tf.reduce_mean((generator(z, training=False) - target) ** 2, axis=[1, 2, 3])
            loss = tf.reduce_sum(err)
        opt.apply_gradients([(tape.gradient(loss, z), z)])
        return err

    for _ in range(check_positive_int(steps, "steps")):
        step()
    err = tf.reduce_mean((generator(z, training=False) - target) ** 2, axis=[1, 2, 3]).numpy().reshape(k, restarts)
    best = err.argmin(1)
    Z = z.numpy().reshape(k, restarts, d)[np.arange(k), best]
    return Z.astype(np.float32), err[np.arange(k), best]


def image_grid(images: Sequence[np.ndarray] | np.ndarray, ncols: int, gap: int = 1) -> np.ndarray:
    """Tile (k, H, W) images into one (rows (H + gap), ncols (W + gap)) mosaic (blank cells white)."""
    imgs = np.asarray(images, np.float64)
    if imgs.ndim != 3:
        raise ValueError(f"images must have shape (k, H, W), got {imgs.shape}")
    k, H, W = imgs.shape
    ncols = check_positive_int(ncols, "ncols")
    rows = int(np.ceil(k / ncols))
    out = np.ones((rows * (H + gap) - gap, ncols * (W + gap) - gap))
    for i, img in enumerate(imgs):
        r, c = divmod(i, ncols)
        out[r * (H + gap):r * (H + gap) + H, c * (W + gap):c * (W + gap) + W] = img
    return out


def plot_sample_grids(samples: dict[int, np.ndarray], epochs: Sequence[int], title: str) -> Any:
    """One panel per epoch of the fixed-z samples ``train_gan`` kept (epoch -> (16, s, s) in [0, 1]), 4 x 4 grids;
    epochs not in ``samples`` are skipped. Returns the figure."""
    import matplotlib.pyplot as plt

    shown = [e for e in sorted(samples) if e in set(epochs)]
    if not shown:
        raise ValueError(f"epochs {list(epochs)} has none of the sampled epochs {sorted(samples)}")
    fig, axes = plt.subplots(1, len(shown), figsize=(2.3 * len(shown), 2.6), squeeze=False)
    for ax, e in zip(axes[0], shown):
        ax.imshow(image_grid(samples[e], 4), cmap="gray", vmin=0, vmax=1)
        ax.set(title=f"epoch {e}", xticks=[], yticks=[])
        ax.grid(False)
    fig.suptitle(title, fontweight="bold")
    return fig


# --- FaceApp's morph ----------------------------------------------------------------------------------------

class MorphPanel:
    """FaceApp's morph as a panel: a ``SliderPanel`` (``morph`` from face 0 to face 1, ``pc1`` / ``pc2`` along
    ``directions``) and a ``FileUpload`` whose photo, once ``find_face`` finds a face in it, is projected into z
    (``project``) and becomes face 1.

    Inputs: generator; targets (2, H, W) in [0, 1] and their codes z (2, d) from ``project``; directions (k >= 2,
    d) from ``principal_directions``; find_face: photo (H, W, 3) uint8 -> the face cropped (h, w) in [0, 1], or
    None when there is none (the notebook passes the FaceApp's detector); names of the two faces.
    Attributes: panel, upload, widget (both, for display), targets, z, names.
    An upload that is not a photo, or holds no face, leaves the faces as they were and says why in the
    panel's message line.
    """

    def __init__(self, generator: Any, targets: Any, z: Any, directions: Any,
                 find_face: Callable[[np.ndarray], np.ndarray | None],
                 names: Sequence[str] = ("face 0", "face 1"), steps: int = 200, restarts: int = 4,
                 figsize: tuple[float, float] = (7, 2.8)):
        import ipywidgets as W

        from utils.widgets import SliderPanel

        self.generator, self.find_face = generator, find_face
        self.targets = as_array(targets, "targets", ndim=3).astype(np.float32)
        self.z = as_array(z, "z", ndim=2).astype(np.float32)
        self.directions = as_array(directions, "directions", ndim=2)
        if len(self.targets) != 2 or len(self.z) != 2:
            raise ValueError(f"targets and z must hold two faces each, got {len(self.targets)} and {len(self.z)}")
        if self.directions.shape[0] < 2 or self.directions.shape[1] != self.z.shape[1]:
            raise ValueError(f"directions must be (k >= 2, {self.z.shape[1]}), got {self.directions.shape}")
        self.names = list(names)
        self.steps, self.restarts = steps, restarts
        self.panel = SliderPanel(self.draw, {"morph": (0.0, 1.0, 0.1, 0.0), "pc1": (-4.0, 4.0, 0.5, 0.0),
                                             "pc2": (-4.0, 4.0, 0.5, 0.0)}, figsize=figsize)
        self.upload = W.FileUpload(accept=".jpg,.jpeg,.png,image/jpeg,image/png", multiple=False,
                                   description="your photo as face 1")
        self.upload.observe(self._on_upload, names="value")
        self.widget = W.VBox([self.upload, self.panel.widget])

    def code(self, morph: float, pc1: float = 0.0, pc2: float = 0.0) -> np.ndarray:
        """z at ``morph`` (0: face 0, 1: face 1, on the great circle between them; 11 stops) moved by ``pc1`` and
        ``pc2`` quarter radii along the two directions: (d,)."""
        d = self.z.shape[1]
        z = interpolate(self.z[0], self.z[1], 11)[int(round(float(morph) * 10))]
        return z + (pc1 * self.directions[0] + pc2 * self.directions[1]) * np.sqrt(d) / 4

    def draw(self, fig: Any, morph: float, pc1: float, pc2: float) -> str:
        """Face 0, G(code), face 1 side by side; returns |z| / sqrt(d), flagged when far from N(0, I)'s shell."""
        z = self.code(morph, pc1, pc2)
        img = generate(self.generator, z[None])[0]
        for ax, im, title in zip(fig.subplots(1, 3), (self.targets[0], img, self.targets[1]),
                                 (self.names[0], f"morph {morph:.1f}", self.names[1])):
            ax.imshow(im, cmap="gray", vmin=0, vmax=1)
            ax.set(title=title, xticks=[], yticks=[])
            ax.grid(False)
        norm = np.linalg.norm(z) / np.sqrt(len(z))
        text = f"|z| / sqrt(d) = {norm:.2f} (N(0, I) codes: about 1)"
        if norm > 1.3:
            text += ": far outside the codes G was trained on, expect broken faces"
        return text

    def use_photo(self, data: bytes, name: str = "your photo") -> float:
        """Make the face in an uploaded photo (JPEG or PNG bytes) face 1: find it, project it, redraw.
        Returns the projection's mean squared error. Raises ``PhotoError`` (the photo unread, or no face)."""
        from utils.faceapp import PhotoError, read_upload

        face = self.find_face(read_upload(data))
        if face is None:
            raise PhotoError(f"no face found in {name}: try a photo with a frontal face, at least 25 pixels tall")
        size = self.targets.shape[1]
        target = resize_images(np.asarray(face, np.float64)[None], size).astype(np.float32)
        z, err = project(self.generator, target, steps=self.steps, restarts=self.restarts, seed=0)
        self.targets[1], self.z[1], self.names[1] = target[0], z[0], name
        self.panel.redraw()
        return float(err[0])

    def _on_upload(self, change: dict) -> None:
        from utils.faceapp import PhotoError, upload_bytes

        got = upload_bytes(change["new"])
        if got is None:
            return
        try:
            self.use_photo(got[1], got[0])
        except PhotoError as exc:
            self.panel.show_message(str(exc), stale=False)


# --- mode collapse, on points: a ring of Gaussians ------------------------------------------------------------

def ring_of_gaussians(n: int, modes: int = 8, radius: float = 2.0, std: float = 0.02, seed: int = 0) -> np.ndarray:
    """``n`` points (n, 2) float32 from ``modes`` equal Gaussians (``std``) centred on a circle of ``radius``
    (the toy data of Metz et al.'s unrolled-GAN paper): a distribution whose modes can be counted."""
    n, modes = check_positive_int(n, "n"), check_positive_int(modes, "modes")
    rng = np.random.default_rng([23, seed])
    angle = 2 * np.pi * rng.integers(0, modes, n) / modes
    return (np.c_[radius * np.cos(angle), radius * np.sin(angle)] + std * rng.normal(size=(n, 2))).astype(np.float32)


def modes_covered(points: Any, modes: int = 8, radius: float = 2.0, std: float = 0.02,
                  min_share: float = 0.02) -> tuple[int, float, np.ndarray]:
    """How many of the ring's modes a sample covers: a point belongs to its nearest centre when it lies within
    ``10 std`` of it; a mode is covered when it holds at least ``min_share`` of the points.
    Returns (modes covered, share of points near some mode, points per mode (modes,))."""
    P = as_array(points, "points", ndim=2)
    if P.shape[1] != 2:
        raise ValueError(f"points must have shape (n, 2), got {P.shape}")
    angle = 2 * np.pi * np.arange(modes) / modes
    centres = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    d = np.linalg.norm(P[:, None] - centres[None], axis=2)
    near = d.min(axis=1) < 10 * std
    counts = np.bincount(d.argmin(axis=1)[near], minlength=modes)
    return int((counts >= min_share * len(P)).sum()), float(near.mean()), counts


def build_point_gan(latent_dim: int = 2, hidden: int = 128, d_lr: float = 1e-3, g_lr: float = 1e-3,
                    seed: int = 0) -> Any:
    """The same ``DCGAN`` training (its ``train_step``, non-saturating loss, Adam beta_1 = 0.5) for 2-D points:
    G and D are two-hidden-layer ReLU MLPs (z (m, latent_dim) -> (m, 2) and (m, 2) -> logits (m, 1))."""
    import keras

    def mlp(n_in: int, n_out: int, name: str) -> Any:
        return keras.Sequential([keras.Input((n_in,)), keras.layers.Dense(hidden, activation="relu"),
                                 keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(n_out)], name=name)

    keras.utils.set_random_seed(seed)
    gan = _dcgan_class()(mlp(latent_dim, 2, "point_generator"), mlp(2, 1, "point_discriminator"), latent_dim,
                         seed=seed)
    gan.compile(keras.optimizers.Adam(d_lr, beta_1=BETA_1), keras.optimizers.Adam(g_lr, beta_1=BETA_1))
    return gan


def train_point_gan(gan: Any, steps: int, batch_size: int = 256, snapshots: int = 4, n_samples: int = 2000,
                    seed: int = 0) -> dict[int, np.ndarray]:
    """Train a ``build_point_gan`` for ``steps`` steps on fresh ``ring_of_gaussians`` batches; returns
    step -> G's points (n_samples, 2) from one fixed z, at ``snapshots`` evenly spaced steps (the last included)."""
    steps, snapshots = check_positive_int(steps, "steps"), check_positive_int(snapshots, "snapshots")
    data = ring_of_gaussians(steps * batch_size, seed=seed)
    z = sample_z(n_samples, int(gan.latent_dim), seed=seed + 1)
    marks = set(np.linspace(steps / snapshots, steps, snapshots).round().astype(int))
    out = {}
    for s in range(1, steps + 1):
        gan.train_on_batch(data[(s - 1) * batch_size:s * batch_size])
        if s in marks:
            out[s] = np.asarray(gan.generator(z, training=False))
    return out


def plot_point_samples(samples: dict[str, np.ndarray], data: Any, modes: int = 8) -> Any:
    """One panel per entry of ``samples`` (title -> points (n, 2)) after one of ``data`` (the real points), each
    titled with ``modes_covered``. Returns the figure."""
    import matplotlib.pyplot as plt

    if not samples:
        raise ValueError("samples must hold at least one run's points")
    panels = {"real data": np.asarray(data)} | dict(samples)
    fig, axes = plt.subplots(1, len(panels), figsize=(2.3 * len(panels), 2.6), sharex=True, sharey=True)
    for ax, (title, pts) in zip(np.atleast_1d(axes), panels.items()):
        k, share, _ = modes_covered(pts, modes)
        ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.3, color="C0" if title == "real data" else "C1")
        ax.set(title=f"{title}\n{k} of {modes} modes", xlim=(-2.8, 2.8), ylim=(-2.8, 2.8), xticks=[], yticks=[],
               aspect="equal")
    return fig
