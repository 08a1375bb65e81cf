import random
import sys

import numpy as np
import pytest

from utils.reproducibility import set_seed


def test_set_seed_makes_python_and_numpy_repeat():
    set_seed(3)
    a = (random.random(), np.random.rand(3))
    set_seed(3)
    b = (random.random(), np.random.rand(3))
    assert a[0] == b[0] and np.array_equal(a[1], b[1])


def test_set_seed_seeds_imported_frameworks():
    tf = pytest.importorskip("tensorflow")
    torch = pytest.importorskip("torch")
    assert "tensorflow" in sys.modules and "torch" in sys.modules
    set_seed(5)
    x1, t1 = tf.random.uniform((3,)).numpy(), torch.rand(3)
    set_seed(5)
    x2, t2 = tf.random.uniform((3,)).numpy(), torch.rand(3)
    np.testing.assert_array_equal(x1, x2)
    assert torch.equal(t1, t2)


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True])
def test_set_seed_rejects_bad_seeds(bad):
    with pytest.raises(ValueError, match="non-negative integer"):
        set_seed(bad)
