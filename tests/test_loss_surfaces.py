"""The 2-D test surfaces: gradients checked, optimizer paths that converge, and divergence as an error."""

import numpy as np
import pytest

from utils.gradcheck import check_gradient
from utils.loss_surfaces import SURFACES, plot_race, race, ravine, rosenbrock, run_optimizer, saddle
from utils.optimizers import update_parameters_with_adam
from utils.validation import DivergenceError


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_surface_gradient_matches_numerical_gradient(rng, name):
    surface = SURFACES[name]()
    for _ in range(5):
        p = rng.uniform(-1.5, 1.5, 2)
        assert check_gradient(lambda q: surface.f(q[0], q[1]), p, surface.grad(p)) < 1e-7


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_minima_are_stationary_points(name):
    surface = SURFACES[name]()
    for m in surface.minima:
        np.testing.assert_allclose(surface.grad(np.array(m)), 0, atol=1e-12)


def test_gd_path_follows_the_update_rule_on_the_ravine():
    surface = ravine(10.0)
    path = run_optimizer(surface, "gd", 0.05, 3)
    p = np.array(surface.start)
    for step in path[1:]:
        p = p - 0.05 * surface.grad(p)
        np.testing.assert_allclose(step, p)


def test_adam_path_uses_the_course_update_with_step_count_from_one():
    surface = rosenbrock()
    path = run_optimizer(surface, "adam", 0.1, 2, beta1=0.8, beta2=0.99)
    params = {"p": np.array(surface.start)}
    v = {"dp": np.zeros(2)}
    s = {"dp": np.zeros(2)}
    for t in (1, 2):
        params, v, s, _, _ = update_parameters_with_adam(params, {"dp": surface.grad(params["p"])}, v, s, t, 0.1,
                                                         0.8, 0.99)
        np.testing.assert_allclose(path[t], params["p"])


def test_momentum_beats_gd_along_the_ravine_and_adam_escapes_the_saddle_faster():
    surface = ravine()
    lr = 0.035  # just under GD's stability limit 2 / condition = 0.04
    gd = run_optimizer(surface, "gd", lr, 100)[-1]
    mom = run_optimizer(surface, "momentum", lr, 100, beta=0.9)[-1]
    assert surface.loss(mom) < surface.loss(gd) / 10
    s = saddle()
    gd_y = abs(run_optimizer(s, "gd", 0.01, 100)[-1, 1])
    adam_y = abs(run_optimizer(s, "adam", 0.01, 100)[-1, 1])
    assert gd_y < 0.1 < 0.9 < adam_y  # GD still on the ridge, Adam near a minimum (|y| = 1)


def test_too_large_learning_rate_raises_divergence_error_with_the_finite_path():
    surface = ravine()
    with pytest.raises(DivergenceError, match="diverged at iteration") as info:
        run_optimizer(surface, "gd", 0.5, 500)
    assert np.isfinite(info.value.path).all()


def test_race_reports_divergence_as_a_message_and_keeps_paths_finite():
    results = race(rosenbrock(), {"gd": 0.01, "adam": 0.05}, 300)
    path_gd, msg_gd = results["gd"]
    path_adam, msg_adam = results["adam"]
    assert msg_gd is not None and "diverged" in msg_gd
    assert msg_adam is None and path_adam.shape == (301, 2)
    assert np.isfinite(path_gd).all() and len(path_gd) >= 1
    ax = plot_race(rosenbrock(), results)
    assert "diverged" in " ".join(t.get_text() for t in ax.get_legend().get_texts())


def test_bad_optimizer_and_start_are_value_errors():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        run_optimizer(ravine(), "sgd", 0.1)
    with pytest.raises(ValueError, match=r"start must have shape \(2,\)"):
        run_optimizer(ravine(), "gd", 0.1, start=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="learning_rate"):
        run_optimizer(ravine(), "gd", -0.1)
