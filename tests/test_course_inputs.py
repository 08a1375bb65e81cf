"""What the course's public tests pass must be accepted, with the course's answer.

One row per function and input form the course's own tests use (a Python float or int, a 1-D array, bool
labels, a row given flat, a zero or negative margin, boxes with their corners in any order, an AL drawn with
randn). Each row's expected answer is a direct transcription of the course's formula, written in the row.
The last table lists what stays refused, each error naming the argument.
"""

import numpy as np
import pytest

from utils import activations, deep_nn, gradient_checking, logistic, optimizers, regularization, shallow_nn
from utils.detection import iou, non_max_suppression, yolo_non_max_suppression
from utils.face_verification import triplet_loss, triplet_loss_numpy


def sig(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def cross_entropy(A, Y):
    A, Y = np.asarray(A, dtype=float).reshape(1, -1), np.asarray(Y, dtype=float).reshape(1, -1)
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m)


RS = np.random.RandomState(1)
BOOL_Y5 = RS.randn(1, 5) > 0
A2_5 = np.array([[0.5002307, 0.49985831, 0.50023963, 0.25, 0.7]])
W_LR, X_LR, Y_LR = np.array([[1.], [2.], [-1]]), np.array([[1., 2., -1., 0], [3., 4., -3.2, 1], [3., 4., -3.2, -3.5]]), \
    np.array([[1, 1, 0, 0]])
REG_PARAMS = {"W1": RS.randn(2, 3), "b1": RS.randn(2, 1), "W2": RS.randn(3, 2), "b2": RS.randn(3, 1),
              "W3": RS.randn(1, 3), "b3": RS.randn(1, 1)}
A3_5 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
GC_X, GC_Y = RS.randn(4, 3), np.array([1, 1, 0])
GC_PARAMS = {"W1": RS.randn(5, 4), "b1": RS.randn(5, 1), "W2": RS.randn(3, 5), "b2": RS.randn(3, 1),
             "W3": RS.randn(1, 3), "b3": RS.randn(1, 1)}


def gc_cost():
    """The course's forward_propagation_n cost (LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID) with y of shape (m,)."""
    p = GC_PARAMS
    A1 = np.maximum(0, p["W1"] @ GC_X + p["b1"])
    A2 = np.maximum(0, p["W2"] @ A1 + p["b2"])
    A3 = sig(p["W3"] @ A2 + p["b3"])
    logprobs = np.multiply(-np.log(A3), GC_Y) + np.multiply(-np.log(1 - A3), 1 - GC_Y)
    return float(1. / 3 * np.sum(logprobs))


def lr_propagate_course(w, b, X, Y):
    m = X.shape[1]
    A = sig(w.T @ X + b)
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    return {"dw": X @ (A - Y).T / m, "db": np.sum(A - Y) / m}, cost


def gradient_check_course(x, theta, epsilon=1e-7):
    gradapprox = (x * (theta + epsilon) - x * (theta - epsilon)) / (2 * epsilon)
    return abs(x - gradapprox) / (abs(x) + abs(gradapprox))


def triplet_course(a, p, n, alpha):
    a, p, n = (np.asarray(t, dtype=float) for t in (a, p, n))
    return float(np.sum(np.maximum(np.sum((a - p) ** 2, axis=-1) - np.sum((a - n) ** 2, axis=-1) + alpha, 0)))


TRIPLETS = [  # (anchor, positive, negative), alpha: single (d,) triplets with zero and negative margins, a batch
    (([1., 1.], [1., 1.], [1., 1.]), 5),
    (([1., 1.], [1., 1.], [0., 0.]), 3),
    (([1., 1.], [0., 0.], [1., 1.]), 0),
    (([0., 0.], [0., 0.], [0., 0.]), -2),
    (([1., 1.], [0., 0.], [1., 1.]), -0.5),
    (([[1., 0.], [1., 0.]], [[1., 0.], [1., 0.]], [[0., 0.], [0., 0.]]), 3),
    (([[1., 0.], [1., 1.]], [[1., 0.], [0., 0.]], [[0., 0.], [1., 1.]]), 0.0),
]

ACCEPTED = [
    # (function, input form, call, expected)
    ("activations.sigmoid", "a Python int", lambda: activations.sigmoid(1), sig(1)),
    ("activations.sigmoid", "a 1-D array", lambda: activations.sigmoid(np.array([0, 2])), sig([0, 2])),
    ("activations.relu_backward", "1-D dA and Z", lambda: activations.relu_backward(np.array([1., -2., 3.]),
                                                                                    np.array([0.5, 1., -1.])),
     np.array([1., -2., 0.])),
    ("logistic.propagate", "b a Python float, int labels",
     lambda: logistic.propagate(W_LR, 2.5, X_LR, Y_LR)[0]["dw"], lr_propagate_course(W_LR, 2.5, X_LR, Y_LR)[0]["dw"]),
    ("logistic.propagate", "b a Python float: db", lambda: logistic.propagate(W_LR, 2.5, X_LR, Y_LR)[0]["db"],
     lr_propagate_course(W_LR, 2.5, X_LR, Y_LR)[0]["db"]),
    ("logistic.propagate", "b a Python float: cost", lambda: logistic.propagate(W_LR, 2.5, X_LR, Y_LR)[1],
     lr_propagate_course(W_LR, 2.5, X_LR, Y_LR)[1]),
    ("logistic.predict", "b a negative Python float",
     lambda: logistic.predict(np.array([[0.3356], [-1.2]]), -0.3, np.array([[1., -1.1, -3.2], [1.2, 2., 0.1]])),
     (sig(np.array([[0.3356], [-1.2]]).T @ np.array([[1., -1.1, -3.2], [1.2, 2., 0.1]]) - 0.3) > 0.5) * 1.0),
    ("shallow_nn.layer_sizes", "Y of real numbers with 2 rows", lambda: shallow_nn.layer_sizes(RS.randn(5, 3),
                                                                                              RS.randn(2, 3)),
     (5, 4, 2)),
    ("shallow_nn.compute_cost", "bool Y (1, m)", lambda: shallow_nn.compute_cost(A2_5, BOOL_Y5),
     cross_entropy(A2_5, BOOL_Y5)),
    ("deep_nn.compute_cost", "int Y (1, m)", lambda: deep_nn.compute_cost(np.array([[.8, .9, 0.4]]),
                                                                          np.asarray([[1, 1, 0]])),
     cross_entropy([.8, .9, .4], [1, 1, 0])),
    ("deep_nn.compute_cost", "AL (m,) with Y (1, m)", lambda: deep_nn.compute_cost(np.array([.8, .9, .4]),
                                                                                   np.array([[1, 1, 0]])),
     cross_entropy([.8, .9, .4], [1, 1, 0])),
    ("deep_nn.compute_cost", "AL (1, m) with Y (m,)", lambda: deep_nn.compute_cost(np.array([[.8, .9, .4]]),
                                                                                   np.array([1, 1, 0])),
     cross_entropy([.8, .9, .4], [1, 1, 0])),
    ("deep_nn.compute_cost", "AL (m,) with bool Y (m,)",
     lambda: deep_nn.compute_cost(A2_5[0], BOOL_Y5[0]), cross_entropy(A2_5, BOOL_Y5)),
    ("regularization.compute_cost_with_regularization", "int Y (1, m), lambd 0.1",
     lambda: regularization.compute_cost_with_regularization(A3_5, np.array([[1, 1, 0, 1, 0]]), REG_PARAMS, 0.1),
     cross_entropy(A3_5, [1, 1, 0, 1, 0]) + 0.1 / (2 * 5) * sum(np.sum(REG_PARAMS[k] ** 2) for k in ("W1", "W2", "W3"))),
    ("regularization.compute_cost_with_regularization", "Y (m,)",
     lambda: regularization.compute_cost_with_regularization(A3_5, np.array([1, 1, 0, 1, 0]), REG_PARAMS, 0.0),
     cross_entropy(A3_5, [1, 1, 0, 1, 0])),
    ("gradient_checking.forward_propagation_n", "y (m,) as the course's gradient_check_n case",
     lambda: gradient_checking.forward_propagation_n(GC_X, GC_Y, GC_PARAMS)[0], gc_cost()),
    ("gradient_checking.gradient_check", "Python ints x = 3, theta = 4",
     lambda: gradient_checking.gradient_check(3, 4), gradient_check_course(3, 4)),
    ("optimizers.update_lr", "Python floats and int epoch", lambda: optimizers.update_lr(0.5, 2, 1),
     0.5 / (1 + 1 * 2)),
    ("optimizers.schedule_lr_decay", "Python floats, epoch 100 of interval 100",
     lambda: optimizers.schedule_lr_decay(0.5, 100, 1, time_interval=100), 0.5 / (1 + 1 * np.floor(100 / 100))),
] + [
    ("face_verification.triplet_loss_numpy", f"{np.ndim(t[0])}-D encodings, alpha = {alpha}",
     (lambda t=t, alpha=alpha: triplet_loss_numpy(None, t, alpha)), triplet_course(*t, alpha))
    for t, alpha in TRIPLETS
]


@pytest.mark.parametrize("name,form,call,expected", ACCEPTED, ids=[f"{r[0]}: {r[1]}" for r in ACCEPTED])
def test_the_courses_input_forms_get_the_courses_answer(name, form, call, expected):
    got = call()
    if isinstance(expected, tuple):
        assert got == expected
    else:
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=1e-7,
                                   atol=1e-12)


@pytest.mark.parametrize("t,alpha", TRIPLETS)
def test_triplet_loss_in_tensorflow_takes_the_same_forms(t, alpha):
    pytest.importorskip("tensorflow")
    assert float(triplet_loss(None, t, alpha)) == pytest.approx(triplet_course(*t, alpha), rel=1e-6, abs=1e-6)


def greedy_nms_course(boxes, scores, max_boxes, iou_threshold):
    """Greedy NMS on corner pairs in any order, as tf.image.non_max_suppression: normalize, then suppress."""
    b = np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    keep = []
    for i in np.argsort(-scores, kind="stable"):
        ok = True
        for j in keep:
            iw = max(min(b[i, 2], b[j, 2]) - max(b[i, 0], b[j, 0]), 0)
            ih = max(min(b[i, 3], b[j, 3]) - max(b[i, 1], b[j, 1]), 0)
            inter = iw * ih
            union = area[i] + area[j] - inter
            if union > 0 and inter / union > iou_threshold:
                ok = False
                break
        if ok:
            keep.append(int(i))
        if len(keep) == max_boxes:
            break
    return np.array(keep)


def random_boxes(seed, k=54):
    rs = np.random.RandomState(seed)
    return rs.randn(k) * 4 + 1, rs.randn(k, 4) * 4 + 1, rs.randint(0, 80, k)  # corners in every order


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_yolo_non_max_suppression_takes_boxes_in_any_corner_order(seed):
    scores, boxes, classes = random_boxes(seed)
    assert ((boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])).any()  # the course's case has inverted ones
    keep = greedy_nms_course(boxes, scores, 10, 0.5)
    s, b, c = yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5)
    np.testing.assert_array_equal(b, boxes[keep])  # the kept boxes as given, as a gather after TF's NMS
    np.testing.assert_array_equal(s, scores[keep])
    np.testing.assert_array_equal(c, classes[keep])
    np.testing.assert_array_equal(non_max_suppression(boxes, scores, 10, 0.5), keep)


def test_non_max_suppression_agrees_with_tensorflow_on_inverted_corners():
    tf = pytest.importorskip("tensorflow")
    scores, boxes, _ = random_boxes(3)
    want = tf.image.non_max_suppression(boxes.astype(np.float32), scores.astype(np.float32), 10, 0.5).numpy()
    np.testing.assert_array_equal(non_max_suppression(boxes, scores, 10, 0.5), want)


def test_a_box_and_its_corners_swapped_are_the_same_box_for_nms():
    boxes = np.array([[0, 0, 2, 2], [2.1, 2, 0.1, 0], [5, 5, 6, 6]])  # the 2nd: (x2, y2, x1, y1) of a near twin
    np.testing.assert_array_equal(non_max_suppression(boxes, np.array([0.9, 0.8, 0.7])), [0, 2])


REFUSED = [
    # (call, message naming the argument and what came)
    (lambda: iou((2, 1, 4, 3), (3, 4, 1, 2)), r"box2\[0\] = \[3\.0, 4\.0, 1\.0, 2\.0\] has x2 < x1"),
    (lambda: non_max_suppression(np.array([[0, 0, np.nan, 1]]), np.array([0.5])), "boxes contains NaN"),
    (lambda: yolo_non_max_suppression(np.ones(2), np.ones((2, 3)), np.zeros(2)), r"boxes must have shape \(k, 4\)"),
    (lambda: triplet_loss_numpy(None, ([1., 1.], [1., 1.], [1., 1.]), float("nan")), "alpha must be finite"),
    (lambda: triplet_loss_numpy(None, ([1., 1.], [1., 1.], [1.]), 0.2), r"same shape \(m, d\) or \(d,\)"),
    (lambda: deep_nn.compute_cost(np.full((2, 3), 0.5), np.array([[1, 0, 1]])),
     r"AL must have shape \(1, m\) or \(m,\), got shape \(2, 3\)"),
    (lambda: deep_nn.compute_cost(np.full(3, 0.5), np.array([1, 0, 2])), r"Y must contain only 0 and 1 labels, found \[2\.0\]"),
    (lambda: deep_nn.compute_cost(np.full(3, 0.5), np.array([1, 0])), "AL has 3 examples"),
    (lambda: shallow_nn.backward_propagation(
        {"W1": np.ones((2, 1)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))},
        {"Z1": np.ones((2, 3))}, np.ones((1, 3)), np.array([[1, 0, 1]])), r"cache must be .*\(A1 and A2 are needed\)"),
]


@pytest.mark.parametrize("call,message", REFUSED)
def test_what_is_really_wrong_is_refused_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
