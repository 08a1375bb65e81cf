"""Course 1 exercises (neural networks and deep learning): the course's graded functions, X of shape (n_x, m).

Each mistake is a small wrong implementation; the checker names it when it reproduces a learner's result.
"""

from __future__ import annotations

import numpy as np

from utils.exercises.core import Case, Exercise, Mistake

W2 = "course1_nn/w2_logistic_regression.ipynb"


# ------------------------------------------------------------------------------------------- sigmoid
def _sigmoid_cases(rng: np.random.Generator) -> list[Case]:
    return [Case((np.array([0.0, 2.0]),), label="fixed: the course's sigmoid([0, 2])"),
            Case((rng.normal(0, 3, (3, 4)),), label="random"),
            Case((np.array([[-1000.0, 0.0, 1000.0]]),), label="edge: very large |z|"),
            Case((0.5,), label="edge: a scalar")]


def _sigmoid_no_minus(z):
    return 1 / (1 + np.exp(np.asarray(z, dtype=float)))


def _sigmoid_tanh(z):
    return np.tanh(np.asarray(z, dtype=float))


EXERCISES = [
    Exercise("activations.sigmoid", W2, _sigmoid_cases, [
        Mistake("exp(z) instead of exp(-z)", "The sigmoid is 1 / (1 + exp(-z)): note the minus sign.",
                _sigmoid_no_minus),
        Mistake("tanh instead of sigmoid", "tanh maps to (-1, 1); the sigmoid is 1 / (1 + np.exp(-z)).",
                _sigmoid_tanh),
    ]),
]
