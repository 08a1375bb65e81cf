import numpy as np
import pytest

from utils import data


def test_load_faces_is_a_balanced_seeded_split():
    train_x, train_y, test_x, test_y, classes = data.load_faces()
    assert train_x.shape == (150, 25, 25) and train_y.shape == (1, 150)
    assert test_x.shape == (50, 25, 25) and test_y.shape == (1, 50)
    assert test_y.sum() == 25 and train_y.sum() == 75
    assert list(classes) == ["non-face", "face"]
    assert 0 <= train_x.min() and train_x.max() <= 1
    again = data.load_faces()
    np.testing.assert_array_equal(train_x, again[0])


def test_load_faces_rejects_odd_or_too_large_test_size():
    with pytest.raises(ValueError, match="even number"):
        data.load_faces(test_size=7)
    with pytest.raises(ValueError, match="even number"):
        data.load_faces(test_size=200)


def test_planar_flower_has_the_courses_shape_and_balance():
    X, Y = data.load_planar_dataset()
    assert X.shape == (2, 400) and Y.shape == (1, 400) and Y.sum() == 200
    np.testing.assert_array_equal(X, data.load_planar_dataset()[0])
    # the course's generator draws from np.random.seed(1): the first angle noise is randn()*0.2
    t0 = 0 + np.random.RandomState(1).randn() * 0.2
    assert X[0, 0] == pytest.approx((4 * np.sin(4 * t0) + _second_draw() * 0.2) * np.sin(t0))
    with pytest.raises(ValueError, match="even"):
        data.load_planar_dataset(m=3)


def _second_draw():
    rs = np.random.RandomState(1)
    rs.randn(200)
    return rs.randn(200)[0]


def test_circles_and_moons_have_the_courses_sizes():
    train_X, train_Y, test_X, test_Y = data.load_circles()
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    assert test_X.shape == (2, 100) and test_Y.shape == (1, 100)
    X, Y = data.load_moons()
    assert X.shape == (2, 300) and Y.shape == (1, 300) and set(np.unique(Y)) == {0, 1}
    np.testing.assert_array_equal(X, data.load_moons()[0])
    with pytest.raises(ValueError, match="noise"):
        data.load_moons(noise=-1)


def test_digits_and_photos_load_offline():
    images, labels = data.load_digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert data.load_photo("astronaut").shape == (512, 512, 3)
    assert data.load_photo("camera").shape == (512, 512)
    assert data.load_photo("china").shape == (427, 640, 3)
    with pytest.raises(ValueError, match="unknown photo 'lena'"):
        data.load_photo("lena")


def test_cache_dir_honours_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEAPP_DATA", str(tmp_path / "cache"))
    assert data.cache_dir() == tmp_path / "cache" and (tmp_path / "cache").is_dir()
