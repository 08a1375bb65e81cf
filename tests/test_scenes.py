"""utils.scenes: generated detection scenes are seeded, varied, and their boxes fit their objects."""

import numpy as np
import pytest

from utils.detection import iou_matrix
from utils.scenes import CLASS_NAMES, make_scenes


def test_make_scenes_is_seeded_and_has_the_promised_shapes():
    a = make_scenes(6, seed=3)
    b = make_scenes(6, seed=3)
    c = make_scenes(6, seed=4)
    assert a.images.shape == (6, 64, 64, 3) and a.images.dtype == np.float32 and len(a) == 6
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.images, c.images)
    assert all(np.array_equal(x, y) for x, y in zip(a.boxes, b.boxes))
    assert 0 <= a.images.min() and a.images.max() <= 1


def test_scenes_hold_several_objects_of_every_class_with_varied_sizes():
    s = make_scenes(40, seed=0, min_objects=2, max_objects=4)
    counts = np.array([len(b) for b in s.boxes])
    assert counts.min() >= 1 and counts.max() <= 4 and counts.mean() > 2
    classes = np.concatenate(s.classes)
    assert set(classes.tolist()) == set(range(len(CLASS_NAMES)))
    sides = np.concatenate([np.sqrt((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])) for b in s.boxes])
    assert sides.min() < 14 and sides.max() > 22


def test_scene_boxes_lie_in_the_image_overlap_little_and_enclose_their_objects():
    s = make_scenes(20, seed=1, max_overlap=0.1)
    for img, boxes in zip(s.images, s.boxes):
        assert np.all(boxes >= 0) and np.all(boxes <= 64)
        M = iou_matrix(boxes, boxes)
        np.fill_diagonal(M, 0)
        assert M.max() <= 0.1 + 1e-9
        x1, y1, x2, y2 = boxes[0].astype(int)
        # the outline is dark (0.05): the box's first and last rows contain outline pixels
        assert img[y1:y2, x1:x2].min() <= 0.06
    assert s.relative_boxes()[0].max() <= 1


def test_scenes_without_backgrounds_are_flat_grey_noise():
    s = make_scenes(2, seed=0, backgrounds=False)
    assert abs(float(np.median(s.images)) - 0.5) < 0.1


def test_make_scenes_rejects_bad_arguments():
    with pytest.raises(ValueError, match="min_objects"):
        make_scenes(2, min_objects=5, max_objects=2)
    with pytest.raises(ValueError, match="fit"):
        make_scenes(2, size=32, max_size=30)
    with pytest.raises(ValueError, match="positive integer"):
        make_scenes(0)
