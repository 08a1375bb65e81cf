"""utils.detection: IoU, NMS (against TensorFlow), YOLO labels and outputs, mAP, localization loss, FC-to-conv."""

import numpy as np
import pytest

from utils.detection import (BH, BW, BX, BY, PC, assign_anchors, average_precision, build_yolo_model, check_boxes,
                             corners_to_center, count_collisions, decode_yolo_labels, encode_yolo_labels, fc_to_conv,
                             grid_cell, heatmap_to_boxes, iou, iou_matrix, localization_label, localization_loss,
                             mean_average_precision, multiply_adds, network_stride, non_max_suppression,
                             prior_baseline_raw, sliding_windows, wh_iou, yolo_boxes_to_corners, yolo_eval,
                             yolo_filter_boxes, yolo_head, yolo_loss, yolo_non_max_suppression)

ANCHORS = np.array([[0.2, 0.2], [0.5, 0.3]])


def random_boxes(rng, n):
    xy = rng.uniform(0, 1, (n, 2))
    wh = rng.uniform(0.05, 0.5, (n, 2))
    return yolo_boxes_to_corners(xy, wh)


# --- IoU ----------------------------------------------------------------------------------------------

def test_iou_of_disjoint_boxes_is_zero():
    assert iou((0, 0, 1, 1), (2, 2, 3, 3)) == 0.0


def test_iou_of_boxes_touching_at_an_edge_is_zero():
    assert iou((0, 0, 1, 1), (1, 0, 2, 1)) == 0.0
    assert iou((0, 0, 1, 1), (1, 1, 2, 2)) == 0.0  # touching at a corner


def test_iou_of_a_contained_box_is_the_area_ratio():
    assert iou((0, 0, 4, 4), (1, 1, 3, 3)) == pytest.approx(4 / 16)
    assert iou((1, 1, 3, 3), (0, 0, 4, 4)) == pytest.approx(4 / 16)


def test_iou_matches_the_course_example():
    # the course's test: box1 = (2, 1, 4, 3), box2 = (1, 2, 3, 4) -> 1 / 7
    assert iou((2, 1, 4, 3), (1, 2, 3, 4)) == pytest.approx(1 / 7)


def test_iou_of_identical_boxes_is_one_and_of_empty_boxes_zero():
    assert iou((0.1, 0.2, 0.5, 0.9), (0.1, 0.2, 0.5, 0.9)) == pytest.approx(1.0)
    assert iou((1, 1, 1, 1), (1, 1, 1, 1)) == 0.0


def test_iou_matrix_matches_pairwise_iou(rng):
    a, b = random_boxes(rng, 5), random_boxes(rng, 4)
    M = iou_matrix(a, b)
    assert M.shape == (5, 4)
    for i in range(5):
        for j in range(4):
            assert M[i, j] == pytest.approx(iou(a[i], b[j]))


def test_iou_and_iou_matrix_agree_on_disjoint_touching_nested_and_empty_boxes():
    # iou (the course's scalar version) and iou_matrix (vectorized) are separate implementations
    pairs = [((0, 0, 2, 2), (3, 0, 5, 2)), ((1, 2, 3, 4), (5, 6, 7, 8)), ((1, 1, 2, 2), (2, 2, 3, 3)),
             ((0, 0, 4, 4), (1, 1, 3, 3)), ((2, 1, 4, 3), (1, 2, 3, 4)), ((1, 1, 1, 1), (1, 1, 1, 1)),
             ((0, 0, 1, 1), (0.5, 0.5, 0.5, 0.5))]
    for b1, b2 in pairs:
        assert iou(b1, b2) == pytest.approx(iou_matrix([b1], [b2])[0, 0], abs=1e-12), (b1, b2)
        assert 0.0 <= iou(b1, b2) <= 1.0


def test_iou_rejects_inverted_corners_and_wrong_shapes():
    with pytest.raises(ValueError, match="x2 < x1"):
        iou((3, 0, 1, 1), (0, 0, 1, 1))
    with pytest.raises(ValueError, match="x2 < x1 or y2 < y1"):
        iou((0, 0, 1, 1), (0, 2, 1, 1))
    with pytest.raises(ValueError, match=r"\(k, 4\)"):
        iou((0, 0, 1), (0, 0, 1, 1))
    with pytest.raises(ValueError, match="empty"):
        iou(np.zeros((0, 4)), (0, 0, 1, 1))


def test_check_boxes_accepts_an_empty_set_and_rejects_nan():
    assert check_boxes(np.zeros((0, 4))).shape == (0, 4)
    with pytest.raises(ValueError, match="NaN"):
        check_boxes([[0, 0, np.nan, 1]])


def test_corner_conversion_round_trips(rng):
    boxes = random_boxes(rng, 6)
    xy, wh = corners_to_center(boxes)
    np.testing.assert_allclose(yolo_boxes_to_corners(xy, wh), boxes)
    with pytest.raises(ValueError, match="non-negative"):
        yolo_boxes_to_corners([0.5, 0.5], [-0.1, 0.2])


# --- filtering and NMS --------------------------------------------------------------------------------

def test_yolo_filter_boxes_keeps_the_boxes_whose_best_score_passes(rng):
    boxes = rng.uniform(0, 1, (3, 3, 2, 4))
    boxes[..., 2:] += boxes[..., :2]
    conf = rng.uniform(0, 1, (3, 3, 2, 1))
    probs = rng.dirichlet(np.ones(4), (3, 3, 2))
    scores, kept, classes = yolo_filter_boxes(boxes, conf, probs, threshold=0.3)
    all_scores = (conf * probs).max(-1).ravel()
    mask = all_scores >= 0.3
    np.testing.assert_allclose(scores, all_scores[mask])
    np.testing.assert_array_equal(classes, (conf * probs).argmax(-1).ravel()[mask])
    np.testing.assert_allclose(kept, boxes.reshape(-1, 4)[mask])
    with pytest.raises(ValueError, match="same"):
        yolo_filter_boxes(boxes, conf[..., :1, :], probs)


def test_yolo_filter_boxes_keeps_a_score_equal_to_the_threshold_and_uses_p_c_times_c():
    boxes = np.array([[0, 0, 1, 1], [0, 0, 2, 2], [0, 0, 3, 3]], float)
    conf = np.array([[1.0], [0.3], [0.9]])
    probs = np.array([[0.5, 0.5], [0.1, 0.9], [0.6, 0.4]])  # scores 0.5 (= threshold), 0.27, 0.54
    scores, kept, classes = yolo_filter_boxes(boxes, conf, probs, threshold=0.5)
    np.testing.assert_allclose(scores, [0.5, 0.54])
    np.testing.assert_allclose(kept, boxes[[0, 2]])
    np.testing.assert_array_equal(classes, [0, 0])


def test_non_max_suppression_keeps_a_box_at_exactly_the_threshold_and_goes_by_score():
    boxes = np.array([[0, 0, 1, 1], [0, 0, 2, 1], [5, 5, 6, 6], [5, 5, 6, 6.1]], float)  # IoU(0, 1) = 0.5
    keep = non_max_suppression(boxes, np.array([0.6, 0.9, 0.7, 0.75]), iou_threshold=0.5)
    np.testing.assert_array_equal(keep, [1, 3, 0])


def test_non_max_suppression_matches_tf_image_non_max_suppression_on_random_boxes(rng):
    import tensorflow as tf

    for _ in range(60):
        n = int(rng.integers(1, 30))
        boxes = random_boxes(rng, n)
        scores = rng.uniform(size=n)
        thr = float(rng.uniform(0.1, 0.9))
        max_boxes = int(rng.integers(1, 12))
        ours = non_max_suppression(boxes, scores, max_boxes, thr)
        # TensorFlow wants (y1, x1, y2, x2); IoU is the same either way
        theirs = tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]].astype(np.float32), scores.astype(np.float32),
                                              max_boxes, thr).numpy()
        np.testing.assert_array_equal(ours, theirs)


def test_yolo_non_max_suppression_drops_an_overlapping_weaker_box():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], float)
    scores, kept, classes = yolo_non_max_suppression(np.array([0.9, 0.8, 0.7]), boxes, np.array([0, 0, 1]))
    np.testing.assert_allclose(scores, [0.9, 0.7])
    np.testing.assert_array_equal(classes, [0, 1])
    np.testing.assert_allclose(kept, boxes[[0, 2]])
    scores, _, _ = yolo_non_max_suppression(np.array([0.9, 0.8, 0.7]), boxes, np.array([0, 0, 1]), max_boxes=1)
    assert scores.tolist() == [0.9]


def test_nms_of_an_empty_set_is_empty_and_bad_scores_are_rejected():
    assert non_max_suppression(np.zeros((0, 4)), np.zeros(0)).size == 0
    with pytest.raises(ValueError, match="one per box"):
        non_max_suppression(np.zeros((2, 4)), np.zeros(3))


# --- anchors, grid, labels -----------------------------------------------------------------------------

def test_grid_cell_follows_the_midpoint_rule_including_the_far_edge():
    rows, cols = grid_cell(np.array([[0.1, 0.9], [0.5, 0.5], [1.0, 1.0], [0.0, 0.0]]), 4)
    assert cols.tolist() == [0, 2, 3, 0]
    assert rows.tolist() == [3, 2, 3, 0]
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        grid_cell([[1.2, 0.5]], 4)


def test_assign_anchors_picks_the_anchor_of_highest_shape_iou():
    boxes = np.array([[0.4, 0.4, 0.6, 0.6], [0.2, 0.3, 0.7, 0.6]])  # a small square, a wide box
    assert assign_anchors(boxes, ANCHORS).tolist() == [0, 1]
    assert wh_iou([[0.2, 0.2]], ANCHORS)[0, 0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="positive"):
        assign_anchors(boxes, [[0.2, 0.0]])


def test_encode_yolo_labels_fills_the_owning_cell_and_anchor_and_decodes_back():
    boxes = np.array([[0.05, 0.05, 0.25, 0.25], [0.3, 0.55, 0.8, 0.85]])
    y = encode_yolo_labels(boxes, np.array([2, 0]), 4, ANCHORS, 3)
    assert y.shape == (4, 4, 2, 8)
    assert y[..., PC].sum() == 2
    assert y[0, 0, 0, PC] == 1 and y[0, 0, 0, 5 + 2] == 1
    np.testing.assert_allclose(y[0, 0, 0, [BX, BY, BH, BW]], [0.6, 0.6, 0.8, 0.8])
    assert y[2, 2, 1, PC] == 1  # midpoint (0.55, 0.7) -> row 2, col 2; wide box -> anchor 1
    back, classes = decode_yolo_labels(y)
    order = np.argsort(classes)[::-1]
    np.testing.assert_allclose(back[order], boxes)
    assert sorted(classes.tolist()) == [0, 2]


def test_encode_yolo_labels_rejects_bad_classes_and_counts_collisions():
    boxes = np.array([[0.0, 0.0, 0.2, 0.2], [0.01, 0.01, 0.21, 0.2]])
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        encode_yolo_labels(boxes, np.array([0, 3]), 4, ANCHORS, 3)
    assert count_collisions(boxes, 4, ANCHORS) == 1
    assert encode_yolo_labels(np.zeros((0, 4)), np.zeros(0, int), 4, ANCHORS, 3).sum() == 0


def test_yolo_head_decodes_raw_outputs_that_invert_the_labels():
    boxes = np.array([[0.05, 0.1, 0.3, 0.35], [0.5, 0.4, 0.95, 0.7]])
    y = encode_yolo_labels(boxes, np.array([1, 2]), 4, ANCHORS, 3)
    raw = np.full(y.shape, -20.0)
    owned = y[..., PC] == 1
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    raw[owned, PC] = 20
    raw[owned, BX] = logit(y[owned, BX])
    raw[owned, BY] = logit(y[owned, BY])
    b = np.nonzero(owned)[2]
    raw[owned, BH] = np.log(y[owned, BH] / (ANCHORS[b, 1] * 4))
    raw[owned, BW] = np.log(y[owned, BW] / (ANCHORS[b, 0] * 4))
    raw[owned, 5:] = np.where(y[owned, 5:] == 1, 20.0, -20.0)
    scores, found, classes = yolo_eval(raw, ANCHORS, score_threshold=0.5)
    order = np.argsort(classes)
    np.testing.assert_allclose(found[order], boxes, atol=1e-6)
    assert classes[order].tolist() == [1, 2] and np.all(scores > 0.99)
    xy, wh, conf, probs = yolo_head(raw[None], ANCHORS)
    assert xy.shape == (1, 4, 4, 2, 2) and conf.shape == (1, 4, 4, 2, 1) and probs.shape == (1, 4, 4, 2, 3)
    np.testing.assert_allclose(probs.sum(-1), 1)


def test_yolo_loss_is_smaller_for_the_right_output_and_finite():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    boxes = np.array([[0.05, 0.1, 0.3, 0.35]])
    y = encode_yolo_labels(boxes, np.array([1]), 4, ANCHORS, 3)[None]
    good = np.where(y[..., :1] == 1, 8.0, -8.0) * np.ones_like(y)
    owned = y[..., PC] == 1
    good[owned, BX:BY + 1] = np.log(y[owned, BX:BY + 1] / (1 - y[owned, BX:BY + 1]))
    good[owned, BH] = np.log(y[owned, BH] / (ANCHORS[0, 1] * 4))
    good[owned, BW] = np.log(y[owned, BW] / (ANCHORS[0, 0] * 4))
    good[owned, 5:] = np.where(y[owned, 5:] == 1, 8.0, -8.0)
    loss = yolo_loss(ANCHORS)
    l_good = float(loss(tf.constant(y), tf.constant(good)))
    l_rand = float(loss(tf.constant(y), tf.constant(rng.normal(size=y.shape))))
    assert np.isfinite(l_good) and l_good < 0.05 < l_rand


def test_prior_baseline_raw_has_the_label_shape():
    y = np.stack([encode_yolo_labels(np.array([[0.1, 0.1, 0.3, 0.4]]), np.array([k % 3]), 4, ANCHORS, 3)
                  for k in range(5)])
    raw = prior_baseline_raw(y, ANCHORS)
    assert raw.shape == (4, 4, 2, 8) and np.all(np.isfinite(raw))


# --- mean average precision ---------------------------------------------------------------------------

def test_mean_average_precision_on_a_hand_worked_example():
    # class 0: ground truth A, B in image 0 and C in image 1. Detections by score:
    # 0.9 on A (TP), 0.8 on A again (FP: A is taken), 0.7 on nothing (FP), 0.6 on C (TP, IoU 0.9).
    # precision 1, 1/2, 1/3, 1/2 at recall 1/3, 1/3, 1/3, 2/3 -> AP = 1/3 * 1 + 1/3 * 1/2 = 1/2.
    # class 1: one box found exactly -> AP = 1. Class 2 has no ground truth: skipped. mAP = 3/4.
    true_boxes = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.array([[0, 0, 10, 10], [40, 0, 50, 10]])]
    true_classes = [np.array([0, 0]), np.array([0, 1])]
    pred_boxes = [np.array([[0, 0, 10, 10], [0, 0, 10, 10]]),
                  np.array([[50, 50, 60, 60], [0, 0, 10, 9], [40, 0, 50, 10], [5, 5, 6, 6]])]
    pred_scores = [np.array([0.9, 0.8]), np.array([0.7, 0.6, 0.5, 0.4])]
    pred_classes = [np.array([0, 0]), np.array([0, 0, 1, 2])]
    mAP, ap = mean_average_precision(pred_boxes, pred_scores, pred_classes, true_boxes, true_classes, 3)
    assert ap[0] == pytest.approx(0.5)
    assert ap[1] == pytest.approx(1.0)
    assert np.isnan(ap[2])
    assert mAP == pytest.approx(0.75)


def test_mean_average_precision_counts_iou_exactly_at_the_threshold_and_misses_below():
    truth = [np.array([[0, 0, 10, 10]])]
    half = [np.array([[0, 0, 10, 5]])]  # IoU = 0.5 exactly
    assert mean_average_precision(half, [np.array([1.0])], [np.array([0])], truth, [np.array([0])], 1)[0] == 1.0
    less = [np.array([[0, 0, 10, 4.9]])]
    assert mean_average_precision(less, [np.array([1.0])], [np.array([0])], truth, [np.array([0])], 1)[0] == 0.0


def test_mean_average_precision_rejects_no_ground_truth_and_mismatched_lists():
    empty = [np.zeros((0, 4))]
    with pytest.raises(ValueError, match="no ground-truth"):
        mean_average_precision(empty, [np.zeros(0)], [np.zeros(0)], empty, [np.zeros(0)], 1)
    with pytest.raises(ValueError, match="one entry per image"):
        mean_average_precision([], [], [], [np.zeros((1, 4))], [np.zeros(1)], 1)


def test_average_precision_of_a_perfect_ranking_is_one():
    assert average_precision(np.array([0.5, 1.0]), np.array([1.0, 1.0])) == pytest.approx(1.0)


# --- localization label and loss ----------------------------------------------------------------------

def test_localization_label_marks_dont_care_entries_when_there_is_no_object():
    y = localization_label(None, None, 3)
    assert y[PC] == 0 and np.isnan(y[1:]).all()
    y = localization_label((0.2, 0.4, 0.6, 0.8), 1, 3, landmarks=[[0.3, 0.5]])
    np.testing.assert_allclose(y, [1, 0.4, 0.6, 0.4, 0.4, 0, 1, 0, 0.3, 0.5])


def test_localization_loss_ignores_dont_care_terms():
    y = np.stack([localization_label((0.2, 0.4, 0.6, 0.8), 1, 3), localization_label(None, None, 3)])
    y_hat = np.full((2, 8), 0.5)
    loss = localization_loss(y_hat, y)
    expected_obj = np.sum((y_hat[0] - y[0]) ** 2)
    assert loss[0] == pytest.approx(expected_obj)
    assert loss[1] == pytest.approx(0.25)  # only (0.5 - 0)^2
    with pytest.raises(ValueError, match="same shape"):
        localization_loss(y_hat[:, :7], y)


# --- sliding windows and FC-to-conv -------------------------------------------------------------------

def test_sliding_windows_returns_every_crop_at_its_position(rng):
    img = rng.uniform(size=(9, 11, 2))
    crops, pos = sliding_windows(img, 5, 2)
    assert crops.shape == (3 * 4, 5, 5, 2)
    np.testing.assert_array_equal(crops[5], img[pos[5, 0]:pos[5, 0] + 5, pos[5, 1]:pos[5, 1] + 5])
    with pytest.raises(ValueError, match="larger"):
        sliding_windows(img, 12, 1)


def test_sliding_windows_include_the_window_ending_at_the_border():
    img = np.arange(64.0).reshape(8, 8)
    crops, pos = sliding_windows(img, 4, 2)
    assert pos.tolist() == [[t, l] for t in (0, 2, 4) for l in (0, 2, 4)]
    np.testing.assert_array_equal(crops[-1], img[4:, 4:])


def test_fc_to_conv_gives_the_classifiers_output_on_every_window():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((10, 10, 2)), keras.layers.Conv2D(3, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
                              keras.layers.Dense(5, activation="relu"), keras.layers.Dense(2)])
    conv = fc_to_conv(model)
    stride = network_stride(model)
    assert stride == 2
    rng = np.random.default_rng(0)
    img = rng.normal(size=(18, 20, 2)).astype(np.float32)
    dense_out = np.asarray(conv(img[None]))[0]
    assert dense_out.shape == (5, 6, 2)
    crops, pos = sliding_windows(img, 10, stride)
    window_out = np.asarray(model(crops))
    np.testing.assert_allclose(dense_out.reshape(-1, 2), window_out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(conv(img[None, :10, :10]))[0, 0, 0], window_out[0], rtol=1e-5, atol=1e-5)


def test_heatmap_to_boxes_maps_windows_back_to_original_pixels():
    hm = np.array([[0.1, 0.9], [0.6, 0.2]])
    boxes, scores = heatmap_to_boxes(hm, window=10, stride=4, threshold=0.5, scale=0.5)
    np.testing.assert_allclose(boxes, [[8, 0, 28, 20], [0, 8, 20, 28]])
    np.testing.assert_allclose(scores, [0.9, 0.6])
    boxes, _ = heatmap_to_boxes(hm, window=10, stride=4, threshold=0.5, scale=(0.5, 0.25))  # (scale_y, scale_x)
    np.testing.assert_allclose(boxes, [[16, 0, 56, 20], [0, 8, 40, 28]])


def test_kmeans_anchors_recovers_two_clusters_of_box_shapes():
    from utils.detection import kmeans_anchors

    rng = np.random.default_rng(0)
    small = rng.normal([0.1, 0.1], 0.005, (50, 2))
    wide = rng.normal([0.4, 0.2], 0.005, (50, 2))
    anchors = kmeans_anchors(np.vstack([small, wide]), 2)
    np.testing.assert_allclose(anchors, [[0.1, 0.1], [0.4, 0.2]], atol=0.01)
    with pytest.raises(ValueError, match="at least"):
        kmeans_anchors(small[:1], 2)


def test_multiply_adds_counts_conv_and_dense_layers_by_hand():
    import keras

    model = keras.Sequential([keras.Input((5, 5, 1)), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(4)])
    assert multiply_adds(model, (5, 5, 1)) == 3 * 3 * 2 * 9 + 18 * 4


def test_cascade_finds_the_astronauts_face():
    from utils.data import load_photo
    from utils.detection import cascade_faces

    faces = cascade_faces(load_photo("astronaut"))
    assert faces.shape == (1, 4)
    assert 150 < faces[0, 0] < 200 and 50 < faces[0, 1] < 100  # the face, near (175, 70)
    with pytest.raises(ValueError, match="shape"):
        cascade_faces(np.zeros(5))


def test_draw_boxes_adds_one_rectangle_per_box_and_checks_labels():
    import matplotlib.pyplot as plt

    from utils.detection import draw_boxes

    _, ax = plt.subplots()
    draw_boxes(ax, np.array([[0, 0, 2, 2], [1, 1, 3, 3]]), ["a", "b"])
    assert len(ax.patches) == 2 and len(ax.texts) == 2
    with pytest.raises(ValueError, match="labels"):
        draw_boxes(ax, np.array([[0, 0, 2, 2]]), ["a", "b"])


def test_build_yolo_model_outputs_the_label_volume_and_checks_sizes():
    model = build_yolo_model(32, 4, 2, 3, width=4)
    out = np.asarray(model(np.zeros((2, 32, 32, 3), np.float32)))
    assert out.shape == (2, 4, 4, 2, 8)
    with pytest.raises(ValueError, match="grid_size"):
        build_yolo_model(48, 5, 2, 3)
