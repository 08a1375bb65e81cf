"""utils.gan: the DCGAN's shapes, losses and train step, the Fréchet distance, and the latent-space helpers."""

from datetime import datetime, timezone

import numpy as np
import pytest

from utils import gan as G

SIZE, LATENT, WIDTH = 8, 4, 4


def tiny_gan(seed=0, d_lr=G.LEARNING_RATE):
    return G.build_dcgan(SIZE, LATENT, WIDTH, WIDTH, seed=seed, d_lr=d_lr)


def step(gan, x):
    """One eager call of the model's own train_step (no tf.function tracing: fast for tiny models)."""
    return {k: float(v) for k, v in gan.train_step(x).items()}


def fixed_batch(m=16):
    rng = np.random.default_rng(0)
    return np.tanh(rng.normal(size=(m, SIZE, SIZE, 1))).astype(np.float32)


# --- the networks ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [8, 24, 28, 32])
def test_generator_and_discriminator_shapes(size):
    g, d = G.build_generator(size, LATENT, WIDTH), G.build_discriminator(size, WIDTH)
    x = np.asarray(g(np.zeros((3, LATENT), np.float32)))
    assert x.shape == (3, size, size, 1) and np.all(np.abs(x) <= 1)
    assert np.asarray(d(x)).shape == (3, 1)


def test_sizes_that_are_not_multiples_of_4_are_refused():
    with pytest.raises(ValueError, match="multiple of 4"):
        G.build_generator(25)


# --- the losses, against a direct numpy transcription ------------------------------------------------------

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_discriminator_loss_is_binary_cross_entropy_on_real_and_fake():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(7, 1)) * 3, rng.normal(size=(7, 1)) * 3
    want = -np.mean(np.log(_sigmoid(real))) - np.mean(np.log(1 - _sigmoid(fake)))
    got = float(G.discriminator_loss(real.astype(np.float32), fake.astype(np.float32)))
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_generator_loss_is_the_non_saturating_one():
    rng = np.random.default_rng(2)
    fake = (rng.normal(size=(9, 1)) * 3).astype(np.float32)
    np.testing.assert_allclose(float(G.generator_loss(fake)), -np.mean(np.log(_sigmoid(fake))), rtol=1e-5)


def test_minimax_generator_loss_is_log_one_minus_d():
    fake = np.array([[-3.0], [0.0], [2.0]], np.float32)
    np.testing.assert_allclose(float(G.generator_loss_minimax(fake)), np.mean(np.log(1 - _sigmoid(fake))), rtol=1e-5)


def test_losses_stay_finite_for_confident_logits():
    big = np.full((4, 1), 80.0, np.float32)
    assert np.isfinite(float(G.discriminator_loss(-big, big))) and np.isfinite(float(G.generator_loss(-big)))


# --- training ------------------------------------------------------------------------------------------------

def test_train_steps_on_a_fixed_batch_lower_the_discriminator_loss():
    gan, x = tiny_gan(d_lr=1e-2), fixed_batch()
    losses = [step(gan, x)["d_loss"] for _ in range(15)]
    assert np.mean(losses[-3:]) < losses[0], losses


def test_train_step_reports_losses_and_accuracies():
    logs = step(tiny_gan(), fixed_batch())
    assert set(logs) >= {"d_loss", "g_loss", "real_acc", "fake_acc"}
    assert 0 <= float(logs["real_acc"]) <= 1 and 0 <= float(logs["fake_acc"]) <= 1


def test_same_seed_same_weights_after_a_step():
    def weights_after_step(seed):
        gan = tiny_gan(seed)
        step(gan, fixed_batch())
        return [np.asarray(w) for w in gan.generator.weights + gan.discriminator.weights]

    a, b, c = weights_after_step(3), weights_after_step(3), weights_after_step(4)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not all(np.array_equal(u, v) for u, v in zip(a, c))


def test_train_gan_records_history_and_samples_and_load_or_train_gan_caches_them(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEAPP_DATA", str(tmp_path))
    z = G.sample_z(5, LATENT, seed=1)
    kw = dict(epochs=2, size=SIZE, latent_dim=LATENT, g_width=WIDTH, d_width=WIDTH, batch_size=16,
              sample_z=z, progress=False)
    gan1, t1 = G.load_or_train_gan("t", fixed_batch(32), **kw)
    assert len(t1.history["d_loss"]) == 4 and sorted(t1.samples) == [1, 2] and not t1.from_cache
    assert t1.samples[2].shape == (5, SIZE, SIZE) and 0 <= t1.samples[2].min() <= t1.samples[2].max() <= 1
    np.testing.assert_allclose(t1.samples[2], G.generate(gan1.generator, z))
    gan2, t2 = G.load_or_train_gan("t", fixed_batch(32), **kw)
    assert t2.from_cache and t1.history == t2.history and sorted(t2.samples) == [1, 2]
    np.testing.assert_allclose(G.generate(gan1.generator, z), G.generate(gan2.generator, z), atol=1e-6)


# --- the Fréchet distance ---------------------------------------------------------------------------------

def test_frechet_distance_of_gaussians_with_identity_covariances_is_the_squared_mean_gap():
    mu1, mu2 = np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, 2.5])
    got = G.frechet_distance_gaussians(mu1, np.eye(3), mu2, np.eye(3))
    np.testing.assert_allclose(got, np.sum((mu1 - mu2) ** 2))


def test_frechet_distance_of_diagonal_gaussians_matches_the_closed_form():
    mu1, mu2 = np.array([0.0, 1.0]), np.array([2.0, 1.0])
    s1, s2 = np.array([4.0, 1.0]), np.array([1.0, 9.0])
    want = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(s1) - np.sqrt(s2)) ** 2)
    np.testing.assert_allclose(G.frechet_distance_gaussians(mu1, np.diag(s1), mu2, np.diag(s2)), want)


def test_frechet_distance_of_samples_approaches_the_gaussians_value():
    rng = np.random.default_rng(0)
    mu1, mu2 = np.zeros(4), np.array([1.0, 0.0, -1.0, 2.0])
    a, b = rng.normal(size=(20000, 4)) + mu1, rng.normal(size=(20000, 4)) + mu2
    np.testing.assert_allclose(G.frechet_distance(a, b), np.sum((mu1 - mu2) ** 2), atol=0.2)
    assert G.frechet_distance(a, a) < 1e-6


def test_frechet_distance_refuses_mismatched_features():
    with pytest.raises(ValueError):
        G.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))


# --- memorization check, baselines, latent space ---------------------------------------------------------------

def test_nearest_neighbours_finds_the_closest_row_and_its_distance():
    refs = np.array([[0.0, 0.0], [3.0, 4.0], [10.0, 0.0]])
    idx, dist = G.nearest_neighbours(np.array([[2.9, 4.0], [0.0, 0.0]]), refs)
    assert idx.tolist() == [1, 0]
    np.testing.assert_allclose(dist, [0.1, 0.0], atol=1e-6)


def test_baselines_have_the_requested_shapes_and_range():
    faces = np.random.default_rng(0).random((10, 6, 6))
    for x in (G.gaussian_noise_images(7, faces), G.pca_samples(faces, 7, n_components=3)):
        assert x.shape == (7, 6, 6) and x.min() >= 0 and x.max() <= 1


def test_sample_diversity_is_zero_for_copies_and_the_mean_pairwise_distance_otherwise():
    assert G.sample_diversity(np.ones((4, 3, 3))) == 0
    x = np.zeros((3, 1, 2))
    x[1, 0, 0], x[2, 0, 1] = 3.0, 4.0  # pairwise distances 3, 4, 5
    np.testing.assert_allclose(G.sample_diversity(x), 4.0)


def test_interpolation_starts_and_ends_at_the_two_codes():
    z0, z1 = G.sample_z(2, 6, seed=3)
    for spherical in (True, False):
        path = G.interpolate(z0, z1, 5, spherical=spherical)
        assert path.shape == (5, 6)
        np.testing.assert_allclose(path[0], z0, atol=1e-5)
        np.testing.assert_allclose(path[-1], z1, atol=1e-5)


def test_latent_arithmetic_is_a_minus_b_plus_c_of_the_means():
    a, b, c = np.ones((2, 3)), np.full((3, 3), 2.0), np.array([[0.0, 1.0, 2.0]])
    np.testing.assert_allclose(G.latent_arithmetic(a, b, c), [-1.0, 0.0, 1.0])


def test_principal_directions_are_orthonormal():
    gan = tiny_gan()
    P = G.principal_directions(gan.generator, LATENT, n=64, k=2)
    np.testing.assert_allclose(P @ P.T, np.eye(2), atol=1e-5)


def test_projection_recovers_an_image_the_generator_can_make():
    gan = tiny_gan()
    target = G.generate(gan.generator, G.sample_z(2, LATENT, seed=5))
    z, err = G.project(gan.generator, target, steps=150, lr=0.05, restarts=2, seed=1)
    assert z.shape == (2, LATENT) and err.shape == (2,)
    start = np.mean((2 * G.generate(gan.generator, G.sample_z(2, LATENT, seed=1)) - 2 * target) ** 2)
    assert err.max() < 0.25 * start


def test_image_grid_tiles_with_gaps():
    grid = G.image_grid(np.zeros((5, 2, 3)), ncols=3, gap=1)
    assert grid.shape == (2 * 3 - 1, 3 * 4 - 1) and grid[0, 3] == 1 and grid[0, 0] == 0


def test_plot_sample_grids_draws_one_panel_per_sampled_epoch_and_refuses_none():
    import matplotlib.pyplot as plt

    from utils.gan import plot_sample_grids

    samples = {e: np.zeros((16, 8, 8)) for e in (1, 2, 3)}
    fig = plot_sample_grids(samples, (1, 3, 9), "t")
    assert [a.get_title() for a in fig.axes] == ["epoch 1", "epoch 3"]
    plt.close(fig)
    with pytest.raises(ValueError, match="epochs"):
        plot_sample_grids(samples, (7,), "t")


# --- FaceApp's morph panel ----------------------------------------------------------------------------------

def _png(rng, side=64) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _morph_panel(find_face):
    gan = tiny_gan()
    z = G.sample_z(2, LATENT, seed=3)
    targets = G.generate(gan.generator, z)
    directions = G.principal_directions(gan.generator, LATENT, n=64, k=2)
    return G.MorphPanel(gan.generator, targets, z, directions, find_face, names=("a", "b"), steps=20, restarts=1)


def test_morph_panel_codes_run_from_face_0_to_face_1_and_flag_far_codes():
    m = _morph_panel(lambda photo: None)
    np.testing.assert_allclose(m.code(0.0), m.z[0], atol=1e-6)
    np.testing.assert_allclose(m.code(1.0), m.z[1], atol=1e-6)
    assert not m.panel.message.value
    m.panel.set(pc1=4.0, pc2=4.0)
    assert "far outside" in m.panel.text.value and not m.panel.message.value


def test_an_uploaded_face_becomes_face_1_and_a_photo_without_one_changes_nothing():
    rng = np.random.default_rng(0)
    m = _morph_panel(lambda photo: photo[:40, :40].mean(axis=2) / 255.0)  # "finds" a 40 x 40 crop
    before = m.targets.copy()
    err = m.use_photo(_png(rng), "upload.png")
    assert np.isfinite(err) and m.names[1] == "upload.png"
    np.testing.assert_array_equal(m.targets[0], before[0])
    assert not np.allclose(m.targets[1], before[1]) and m.targets[1].shape == (SIZE, SIZE)

    m.find_face = lambda photo: None
    kept = m.targets.copy(), m.z.copy()
    m.upload.value = ({"name": "cat.png", "type": "image/png", "size": 1, "content": _png(rng),
                       "last_modified": datetime.now(timezone.utc)},)
    assert "no face found in cat.png" in m.panel.message.value
    np.testing.assert_array_equal(m.targets, kept[0])
    np.testing.assert_array_equal(m.z, kept[1])
    m.upload.value = ({"name": "notes.txt", "type": "text/plain", "size": 5, "content": b"hello",
                       "last_modified": datetime.now(timezone.utc)},)
    assert "JPEG or PNG" in m.panel.message.value


def test_morph_panel_refuses_other_than_two_faces_and_mismatched_directions():
    gan = tiny_gan()
    z = G.sample_z(3, LATENT, seed=3)
    with pytest.raises(ValueError, match="two faces"):
        G.MorphPanel(gan.generator, G.generate(gan.generator, z), z, np.eye(2, LATENT), lambda p: None)
    with pytest.raises(ValueError, match="directions must be"):
        G.MorphPanel(gan.generator, G.generate(gan.generator, z[:2]), z[:2], np.eye(2, LATENT + 1), lambda p: None)


# --- mode collapse on a ring of Gaussians -------------------------------------------------------------------

def test_ring_of_gaussians_covers_every_mode_and_a_single_point_covers_one():
    x = G.ring_of_gaussians(4000, modes=8, seed=0)
    k, share, counts = G.modes_covered(x)
    assert x.shape == (4000, 2) and k == 8 and share > 0.99 and counts.sum() == round(share * 4000)
    k1, share1, _ = G.modes_covered(np.tile([[2.0, 0.0]], (100, 1)))
    assert k1 == 1 and share1 == 1.0
    assert G.modes_covered(np.zeros((50, 2)))[:2] == (0, 0.0)  # the centre of the ring is far from every mode
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        G.modes_covered(np.zeros((5, 3)))


def test_point_gan_trains_with_the_dcgan_step_and_snapshots_evenly():
    gan = G.build_point_gan(hidden=8, seed=0)
    snaps = G.train_point_gan(gan, 12, batch_size=16, snapshots=3, n_samples=50)
    assert sorted(snaps) == [4, 8, 12] and all(p.shape == (50, 2) and np.isfinite(p).all() for p in snaps.values())
    again = G.train_point_gan(G.build_point_gan(hidden=8, seed=0), 12, batch_size=16, snapshots=3, n_samples=50)
    np.testing.assert_allclose(again[12], snaps[12], rtol=1e-5, atol=1e-6)


def test_plot_point_samples_titles_each_run_with_its_modes():
    import matplotlib.pyplot as plt

    fig = G.plot_point_samples({"one mode": np.tile([[2.0, 0.0]], (20, 1))}, G.ring_of_gaussians(400))
    assert [ax.get_title() for ax in fig.axes] == ["real data\n8 of 8 modes", "one mode\n1 of 8 modes"]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        G.plot_point_samples({}, G.ring_of_gaussians(10))
