import matplotlib as mpl
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from utils.notebook import setup
from utils.plotting import STYLE


def test_setup_seeds_styles_and_limits_blas_threads(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    with threadpool_limits(limits=None):  # restore the caller's limits afterwards
        setup(seed=4)
        first = np.random.rand()
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)
    setup(seed=4, blas_threads=None)
    assert np.random.rand() == first
    assert mpl.rcParams["axes.titleweight"] == STYLE["axes.titleweight"]
    import os

    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_setup_rejects_bad_thread_counts(bad):
    with pytest.raises(ValueError, match="blas_threads"):
        setup(blas_threads=bad)
