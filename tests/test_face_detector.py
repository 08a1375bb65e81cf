"""Tests for utils.face_detector: the split, the generated negatives, the pyramid, mining, calibration."""

from __future__ import annotations

import numpy as np
import pytest

from utils import face_detector as fd
from utils.detection import fc_to_conv, iou_matrix, network_stride


# --- the split ------------------------------------------------------------------------------------------

def test_split_is_disjoint_and_places_every_shipped_photo():
    fd.check_split()  # raises on any overlap or unplaced photo
    for table in (fd.LFW_FACES, fd.LFW_NON_FACES):
        idx = [i for role in fd.ROLES for i in table[role]]
        assert len(idx) == len(set(idx))
    assert sorted(fd.LFW_FACES["train"] + fd.LFW_FACES["dev"] + fd.LFW_FACES["eval"]) == list(range(100))
    assert sorted(fd.LFW_NON_FACES["train"] + fd.LFW_NON_FACES["dev"] + fd.LFW_NON_FACES["eval"]) == list(range(100, 200))
    roles = {name: fd.background_role(name) for name in fd.photo_names()}
    assert {n for n, r in roles.items() if r is None} == set(fd.NOT_USED)
    assert {n for n, r in roles.items() if r == "eval"} == set(fd.BACKGROUNDS["eval"]) | set(fd.EVAL_FACE_PHOTOS)
    assert not set(fd.GENERATED_SEEDS["train"]) & set(fd.GENERATED_SEEDS["dev"])


def test_check_split_refuses_a_photo_in_two_roles(monkeypatch):
    monkeypatch.setitem(fd.BACKGROUNDS, "train", {**fd.BACKGROUNDS["train"], "coffee": "object"})
    with pytest.raises(ValueError, match="coffee"):
        fd.check_split()


def test_check_split_refuses_shared_lfw_indices(monkeypatch):
    monkeypatch.setitem(fd.LFW_FACES, "train", fd.LFW_FACES["train"] + (90,))
    with pytest.raises(ValueError, match="LFW_FACES"):
        fd.check_split()


def test_no_eval_image_reaches_training(monkeypatch):
    """Record every photo and lfw_subset image the training data is made from: none is an eval one."""
    loaded: list[str] = []
    real = fd.load_gray_photo

    def spy(name, max_side=None):
        loaded.append(name)
        return real(name, max_side)

    monkeypatch.setattr(fd, "load_gray_photo", spy)
    faces, non_faces = fd.lfw_split("train")
    photos = fd.face_free_images("train", generated=False)
    assert set(loaded) == set(fd.BACKGROUNDS["train"])
    assert not set(loaded) & (set(fd.BACKGROUNDS["eval"]) | set(fd.EVAL_FACE_PHOTOS) | set(fd.BACKGROUNDS["dev"]))
    from skimage.data import lfw_subset

    lfw = lfw_subset()
    held_out = lfw[list(fd.LFW_FACES["eval"] + fd.LFW_NON_FACES["eval"] + fd.LFW_FACES["dev"])]
    for img in np.concatenate([faces, non_faces]):
        assert not any(np.array_equal(img, h) for h in held_out)
    assert len(photos) == len(fd.BACKGROUNDS["train"])


def test_roles_are_checked():
    with pytest.raises(ValueError, match="role"):
        fd.lfw_split("test")
    with pytest.raises(ValueError, match="role"):
        fd.generated_backgrounds("eval")
    with pytest.raises(ValueError, match="role"):
        fd.dev_face_scenes("train")


def test_every_shipped_photo_loads_as_gray_in_unit_range():
    for name in ("logo", "horse", "minduka", "grace_hopper", "china", "motorcycle_left"):
        g = fd.load_gray_photo(name, max_side=128)
        assert g.ndim == 2 and max(g.shape) <= 128 and 0 <= g.min() and g.max() <= 1
    with pytest.raises(ValueError, match="unknown photo"):
        fd.load_gray_photo("lena")


# --- generated negatives and training windows -------------------------------------------------------------

def test_documents_and_textures_are_seeded_images_in_unit_range():
    a, b = fd.render_document(3, 64), fd.render_document(3, 64)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (64, 64) and a.std() > 0.02
    for kind in fd.TEXTURE_KINDS:
        t = fd.make_texture(1, 64, kind)
        assert t.shape == (64, 64) and 0 <= t.min() and t.max() <= 1 and np.isfinite(t).all()
    with pytest.raises(ValueError, match="kind"):
        fd.make_texture(0, 64, "plaid")


def test_augmented_and_framing_windows_have_the_window_shape():
    faces, _ = fd.lfw_split("dev")
    views = fd.augmented_faces(faces[:3], 4, seed=0)
    assert views.shape == (24, 25, 25) and views.dtype == np.float32
    assert 0 <= views.min() and views.max() <= 1
    bad = fd.framing_negatives(faces[:3], [fd.make_texture(0, 96)], per_face=5)
    assert bad.shape == (15, 25, 25)
    windows = fd.random_windows([np.random.default_rng(0).uniform(size=(60, 80))], 7)
    assert windows.shape == (7, 25, 25)


# --- the model and the pyramid ------------------------------------------------------------------------------

def test_face_classifier_is_a_sequential_that_fc_to_conv_turns_into_a_stride_4_detector():
    clf = fd.build_face_classifier(width=4)
    assert network_stride(clf) == fd.DETECTOR_STRIDE
    conv = fc_to_conv(clf)
    x = np.random.default_rng(0).uniform(size=(1, 33, 37, 1)).astype(np.float32)
    out = np.asarray(conv(x))
    assert out.shape == (1, 3, 4, 1)
    np.testing.assert_allclose(out[0, 2, 1, 0], np.asarray(clf(x[:, 8:33, 4:29]))[0, 0], rtol=1e-4, atol=1e-5)
    assert fd.face_probability(0.0) == 0.5 and 0.999 < fd.face_probability(30.0) < 1.0


@pytest.mark.parametrize("shape", [(512, 512), (600, 512), (240, 1000), (25, 40), (101, 77)])
def test_pyramid_covers_every_face_size_from_25_pixels_to_the_whole_photo(shape):
    scales = fd.pyramid_scales(shape)
    side = min(shape)
    sizes = fd.FACE_WINDOW / scales  # the face size each level's window sees
    assert sizes[0] == pytest.approx(25) and sizes[-1] == pytest.approx(side)
    assert np.all(np.diff(sizes) > 0) and np.all(sizes[1:] / sizes[:-1] <= fd.PYRAMID_STEP * (1 + 1e-9))
    for face in (25, 0.4 * side if 0.4 * side >= 25 else 25, side):  # a face at 25 px, one at 40 %, the whole photo
        assert np.min(np.abs(np.log(sizes / face))) <= np.log(fd.PYRAMID_STEP) / 2 + 1e-9
    levels = fd.pyramid(np.zeros(shape))
    assert len(levels) == len(scales)
    assert min(levels[-1][2].shape) == fd.FACE_WINDOW and levels[0][2].shape == shape


def test_pyramid_refuses_an_image_smaller_than_the_window():
    with pytest.raises(ValueError, match="window"):
        fd.pyramid_scales((20, 100))
    with pytest.raises(ValueError, match="max_face"):
        fd.pyramid_scales((100, 100), min_face=50, max_face=30)


def bright_square_detector(x):
    """A stand-in for the convolutional detector: a logit per 25 x 25 window, 4 pixels apart, high when the
    window's central 15 x 15 is bright and its 5-pixel border dark (a bright square, framed with a margin)."""
    x = np.asarray(x)[0, ..., 0]
    n, m = (x.shape[0] - 25) // 4 + 1, (x.shape[1] - 25) // 4 + 1
    out = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            w = x[4 * i:4 * i + 25, 4 * j:4 * j + 25]
            inner = w[5:20, 5:20].mean()
            border = (w.sum() - w[5:20, 5:20].sum()) / (625 - 225)
            out[i, j] = 20 * (inner - border - 0.7)
    return out[None, ..., None]


@pytest.mark.parametrize("side", [15, 45, 110])
def test_detect_faces_finds_a_square_of_any_size_in_photo_pixels(side):
    img = np.zeros((200, 240))
    img[30:30 + side, 50:50 + side] = 1.0
    boxes, scores = fd.detect_faces(img, bright_square_detector, threshold=0.5)
    assert len(boxes) >= 1 and scores[0] >= 0.5 and np.all(np.diff(scores) <= 0)
    margin = side * 5 / 15  # the framing the stand-in wants
    truth = np.array([[50 - margin, 30 - margin, 50 + side + margin, 30 + side + margin]], float)
    assert iou_matrix(boxes[:1], truth)[0, 0] > 0.6
    uint8 = fd.detect_faces((np.stack([img] * 3, -1) * 255).astype(np.uint8), bright_square_detector)
    np.testing.assert_allclose(uint8[0], boxes, atol=1e-6)
    assert fd.detect_faces(np.zeros((20, 20)), bright_square_detector)[0].shape == (0, 4)


def test_merge_detections_averages_the_windows_of_one_face_and_keeps_two_faces_apart():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], float)
    merged, scores = fd.merge_detections(boxes, np.array([0.9, 0.9, 0.8]))
    assert merged.shape == (2, 4)
    np.testing.assert_allclose(merged[0], [0.5, 0.5, 10.5, 10.5])
    np.testing.assert_allclose(scores, [0.9, 0.8])
    assert fd.merge_detections(np.zeros((0, 4)), np.zeros(0))[0].shape == (0, 4)


def test_merge_detections_ranks_by_agreeing_windows_and_keeps_only_boxes_above_the_threshold():
    lone = [[50, 50, 60, 60]]  # one window at 0.999
    group = [[0, 0, 10, 10], [1, 0, 11, 10], [0, 1, 10, 11], [1, 1, 11, 11]]  # four windows around 0.99
    boxes = np.array(lone + group + [[100, 100, 110, 110]], float)
    scores = np.array([0.999, 0.99, 0.9, 0.9, 0.9, 0.7])
    merged, kept = fd.merge_detections(boxes, scores, threshold=0.95)
    assert len(merged) == 2 and np.all(kept >= 0.95)  # the 0.7 window is below the threshold: no box
    assert merged[0][0] < 5 and kept.tolist() == [0.99, 0.999]  # the group outranks the lone window
    assert fd.merge_detections(boxes, scores, threshold=0.9999)[0].shape == (0, 4)


def test_mined_negatives_come_from_the_face_free_images_given():
    a = np.zeros((60, 60))
    a[15:30, 25:40] = 1.0  # fires
    b = np.zeros((60, 60))  # never fires
    windows, source = fd.mine_hard_negatives([b, a], bright_square_detector, threshold=0.5, per_image=5)
    assert len(windows) >= 1 and set(source.tolist()) == {1}
    for w in windows:  # every mined window is a crop of a pyramid level of image 1 (or its mirror)
        assert w.shape == (25, 25) and w[5:20, 5:20].mean() > 0.7
    none, src = fd.mine_hard_negatives([b], bright_square_detector)
    assert none.shape == (0, 25, 25) and src.size == 0


# --- the operating point --------------------------------------------------------------------------------------

def test_calibrate_threshold_meets_the_stated_rate_and_is_reproducible():
    scores = [np.array([0.99, 0.7]), np.array([0.95]), np.array([]), np.array([0.6])]
    t, rate = fd.calibrate_threshold(scores, target=0.25)
    assert rate <= 0.25 and t > 0.95 and t <= 0.99
    assert fd.false_boxes_per_image(scores, t) == rate == 0.25
    assert fd.calibrate_threshold(scores, target=0.25) == (t, rate)
    t0, r0 = fd.calibrate_threshold(scores, target=10)
    assert t0 == 0.5 and r0 == 1.0
    t_none, r_none = fd.calibrate_threshold(scores, target=0)
    assert r_none == 0 and t_none > 0.99
    with pytest.raises(ValueError, match="target"):
        fd.calibrate_threshold(scores, target=-1)


def test_face_variants_move_the_hand_drawn_box_with_the_photo():
    variants = fd.face_variants("astronaut")
    assert len(variants) == 30
    for label, gray, box in variants:
        assert 0 <= box[0] < box[2] <= gray.shape[1] and 0 <= box[1] < box[3] <= gray.shape[0]
    (_, g1, b1), (_, g2, b2) = variants[6], variants[9]  # 0.75x, plain and mirrored
    assert "mirrored" in variants[9][0]
    np.testing.assert_allclose(g2, g1[:, ::-1])
    np.testing.assert_allclose([b2[0], b2[2]], [g1.shape[1] - b1[2], g1.shape[1] - b1[0]])


def test_composite_scenes_paste_faces_where_their_boxes_say():
    faces = np.ones((2, 25, 25))
    scenes = fd.composite_scenes(faces, [np.zeros((300, 300))], n=3, side=128, seed=0)
    for img, boxes in scenes:
        assert img.shape == (128, 128) and 1 <= len(boxes) <= 3
        for x1, y1, x2, y2 in boxes.astype(int):
            cy, cx = (y1 + y2) // 2, (x1 + x2) // 2
            assert img[cy, cx] > 0.9
        assert img.sum() < sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes) + 1e-6


def test_evaluation_counts_false_boxes_hits_and_ap_of_a_detector():
    def nothing(img):
        return np.zeros((0, 4)), np.zeros(0)

    res = fd.evaluate_face_detector(nothing, faces=True, n_scenes=2, max_side=96)
    assert res["false_boxes_per_image"] == 0 and res["face_top_hit_rate"] == 0 and res["scene_ap"] == 0
    assert set(res["false_boxes_per_photo"]) == set(fd.BACKGROUNDS["eval"])
    assert res["face_photo_extra_boxes"] == {name: 0.0 for name in fd.EVAL_FACE_PHOTOS}

    def corner_boxes(img):  # two boxes in the corner, never on the face
        return np.array([[0, 0, 30, 30], [0, 0, 31, 31]]), np.array([0.9, 0.8])

    res = fd.evaluate_face_detector(corner_boxes, faces=True, n_scenes=0, max_side=96)
    assert res["face_top_hit_rate"] == 0 and res["face_photo_extra_boxes"] == {n: 2.0 for n in fd.EVAL_FACE_PHOTOS}


def test_cascade_detect_has_the_detectors_form_and_finds_the_astronaut():
    boxes, scores = fd.cascade_detect(fd.load_gray_photo("astronaut"))
    truth = np.array([fd.EVAL_FACE_PHOTOS["astronaut"]])
    assert boxes.shape[1] == 4 and np.all(scores == 1)
    assert iou_matrix(boxes, truth).max() >= 0.5


def test_cached_lfw_faces_are_used_only_when_cached_and_never_repeat_a_held_out_face(monkeypatch):
    import utils.face_verification as fv

    monkeypatch.setattr(fv, "load_lfw_identities", lambda **kw: None)
    assert fd.cached_lfw_faces(np.zeros((1, 25, 25))) is None
    held_out = fd.lfw_split("eval")[0]
    rng = np.random.default_rng(0)
    from skimage.transform import resize

    planted = resize(held_out[3], (40, 40))  # a held-out face, as LFW stores it (larger, not square)
    planted = np.pad(planted, ((0, 0), (5, 5)), mode="edge")
    images = np.stack([planted] + [rng.uniform(size=(40, 50)) for _ in range(4)]).astype(np.float32)
    monkeypatch.setattr(fv, "load_lfw_identities",
                        lambda **kw: fv.FaceIdentities(images, np.arange(5), np.array(list("abcde")), "test"))
    faces = fd.cached_lfw_faces(held_out)
    assert faces.shape == (4, 25, 25)  # the planted held-out face is dropped, the other four kept


def test_the_shipped_weights_fit_the_model_and_are_what_load_face_detector_returns():
    path = fd.shipped_weights_path()
    assert path.exists(), f"ship the measured weights of {fd.DETECTOR_VERSION}: save_shipped_weights(det, {path})"
    det = fd.load_shipped_weights(path)
    assert det.info["shipped"] and 0.5 < det.threshold < 1 and len(det.rounds) == 5
    x = np.random.default_rng(0).uniform(size=(1, 41, 45, 1)).astype(np.float32)
    out = np.asarray(det.detector(x))
    np.testing.assert_allclose(out[0, 0, 0, 0], np.asarray(det.classifier(x[:, :25, :25]))[0, 0], rtol=1e-4, atol=1e-4)
    assert len(det.members) == len(fd.ENSEMBLE_SEEDS) == det.info["members"]
    window = x[:, :25, :25]
    mean = np.mean([np.asarray(m(window))[0, 0] for m in det.members])
    np.testing.assert_allclose(np.asarray(det.classifier(window))[0, 0], mean, rtol=1e-5, atol=1e-5)
    loaded = fd.load_face_detector.__wrapped__()
    assert loaded.info.get("shipped") and loaded.threshold == det.threshold


def test_combine_detectors_averages_logits_and_a_single_detector_is_itself():
    from utils.detection import fc_to_conv

    models = [fd.build_face_classifier(width=4) for _ in range(2)]
    one = fd.DetectorTraining(models[0], fc_to_conv(models[0]), 0.9)
    assert fd.combine_detectors([one]) is one
    with pytest.raises(ValueError, match="at least one"):
        fd.combine_detectors([])
    both = fd.average_logits(models, (25, 25, 1))
    x = np.random.default_rng(1).uniform(size=(3, 25, 25, 1)).astype(np.float32)
    np.testing.assert_allclose(np.asarray(both(x)), (np.asarray(models[0](x)) + np.asarray(models[1](x))) / 2,
                               rtol=1e-5, atol=1e-6)


def test_shipped_weights_round_trip_and_refuse_another_model(tmp_path):
    det = fd.load_shipped_weights(fd.shipped_weights_path())
    again = fd.load_shipped_weights(fd.save_shipped_weights(det, tmp_path / "d.npz"))
    for a, b in zip(again.classifier.get_weights(), det.classifier.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.savez(tmp_path / "other.npz", meta=np.array("{}"), detector_0=np.zeros(3))
    with pytest.raises(ValueError, match="does not hold"):
        fd.load_shipped_weights(tmp_path / "other.npz")


def test_recall_curve_counts_faces_found_above_each_threshold():
    scenes = [(None, np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float)), (None, np.array([[0, 0, 5, 5]], float))]
    detections = [(np.array([[0, 0, 10, 10], [20, 21, 30, 31]], float), np.array([0.9, 0.6])),
                  (np.zeros((0, 4)), np.zeros(0))]
    np.testing.assert_allclose(fd.recall_curve(scenes, detections, [0.5, 0.7, 0.95]), [2 / 3, 1 / 3, 0])
    found = iter(detections)
    assert fd.face_recall(scenes, lambda img: next(found)) == pytest.approx(2 / 3)
