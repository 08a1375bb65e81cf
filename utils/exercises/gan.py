"""Face generation exercises: the DCGAN's two losses in ``utils.gan`` (the discriminator's cross-entropy on
real and fake logits, the generator's non-saturating loss). The cases are made-up logits, so every check runs
in milliseconds (the first one pays for importing Keras)."""

from __future__ import annotations

import numpy as np

from utils.exercises.core import Case, Exercise, Mistake

NB = "faceapp/02_face_generation.ipynb"


def _softplus(x):
    x = np.asarray(x, dtype=np.float64)
    return np.logaddexp(0.0, x)


def _logits(rng: np.random.Generator, m: int, scale: float = 2.0) -> np.ndarray:
    return (rng.normal(size=(m, 1)) * scale).astype(np.float32)


# ------------------------------------------------------------------------------------- discriminator_loss
def _d_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((np.array([[2.0], [0.5], [-1.0]], np.float32), np.array([[-2.0], [1.0], [0.0]], np.float32)),
                 label="fixed: 3 real and 3 fake logits"),
            Case((_logits(rng, 16), _logits(rng, 16)), label="random: a batch of 16"),
            Case((_logits(rng, 8), _logits(rng, 5)), label="random: 8 real, 5 fake (halves of different sizes)"),
            Case((np.array([[1.5]], np.float32), np.array([[-0.5]], np.float32)), label="edge: m = 1"),
            Case((np.array([[60.0], [-60.0]], np.float32), np.array([[-60.0], [60.0]], np.float32)),
                 label="edge: confident logits (+-60), where log(sigmoid) overflows")]


def _d_swapped(real_logits, fake_logits):
    return np.mean(_softplus(real_logits)) + np.mean(_softplus(-np.asarray(fake_logits)))


def _d_averaged(real_logits, fake_logits):
    return 0.5 * (np.mean(_softplus(-np.asarray(real_logits))) + np.mean(_softplus(fake_logits)))


def _d_real_only(real_logits, fake_logits):
    return np.mean(_softplus(-np.asarray(real_logits)))


def _d_naive(real_logits, fake_logits):
    with np.errstate(all="ignore"):
        s = lambda x: 1 / (1 + np.exp(-np.asarray(x, np.float32)))  # noqa: E731
        return -np.mean(np.log(s(real_logits))) - np.mean(np.log(1 - s(fake_logits)))


D_LOSS = Exercise(
    "gan.discriminator_loss", NB, _d_cases,
    [Mistake("labels swapped", "real images are labelled 1 and fakes 0: the real term is softplus(-real_logits), "
             "the fake term softplus(+fake_logits)", _d_swapped),
     Mistake("halves averaged", "add the two means (real and fake), do not average them: Keras' "
             "BinaryCrossentropy on the concatenated batch gives half the DCGAN loss", _d_averaged),
     Mistake("fake term missing", "D must also be pushed to reject the fakes: add mean(softplus(fake_logits))",
             _d_real_only),
     Mistake("log of a sigmoid", "log(sigmoid(s)) overflows for confident logits (inf or nan): use "
             "-log sigmoid(s) = softplus(-s) and -log(1 - sigmoid(s)) = softplus(s)", _d_naive)],
    rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------------------- generator_loss
def _g_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((np.array([[-3.0], [0.0], [2.0]], np.float32),), label="fixed: 3 fake logits"),
            Case((_logits(rng, 16),), label="random: a batch of 16"),
            Case((np.array([[-4.0]], np.float32),), label="edge: m = 1, D sure it is fake"),
            Case((np.array([[-60.0], [60.0]], np.float32),), label="edge: confident logits (+-60)")]


def _g_minimax(fake_logits):
    return -np.mean(_softplus(fake_logits))


def _g_sign(fake_logits):
    return np.mean(_softplus(fake_logits))


def _g_sum(fake_logits):
    return np.sum(_softplus(-np.asarray(fake_logits)))


G_LOSS = Exercise(
    "gan.generator_loss", NB, _g_cases,
    [Mistake("minimax loss", "that is log(1 - D(G(z))), the saturating loss (flat while D wins); the "
             "non-saturating loss is -log D(G(z)) = mean(softplus(-fake_logits))", _g_minimax),
     Mistake("wrong target", "G wants D to call its fakes real (label 1): softplus(-fake_logits), not "
             "softplus(fake_logits), which is D's own fake term", _g_sign),
     Mistake("sum instead of mean", "average over the batch (mean), so the step size does not grow with m", _g_sum)],
    rtol=1e-4, atol=1e-5)

EXERCISES = [D_LOSS, G_LOSS]
