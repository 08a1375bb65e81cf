# %% [markdown]
# # Face generation with a DCGAN
#
# > The capstone's second part: a DCGAN (Keras 3, its own train_step) trained on digits, then on the LFW subset's faces; what to watch while it trains, a memorization check, an encoder-Fréchet distance against two baselines, latent interpolation and arithmetic, and FaceApp's morph between two projected faces on a slider.
#
# ## Introduction
#
# A **generative adversarial network** (Goodfellow et al. 2014) trains two networks against each other. The
# **generator** G maps a random code z ~ N(0, I) to an image; the **discriminator** D maps an image to the
# probability that it is real. D learns to tell real images from G's; G learns to make D say "real". The
# **DCGAN** (Radford et al. 2015) is the convolutional recipe that made this train reliably:
#
# | guideline | here (`utils.gan`) |
# | --- | --- |
# | no pooling: strided convolutions in D, strided *transposed* convolutions in G | `build_discriminator`, `build_generator` |
# | batch norm in both (not on D's input layer, not on G's output) | `BatchNormalization` after each hidden layer |
# | ReLU in G, LeakyReLU(0.2) in D, tanh on G's output (images in [-1, 1]) | |
# | Adam with learning rate 2e-4 and beta_1 = 0.5 | `build_dcgan` |
#
# `utils.gan.DCGAN` is a `keras.Model` with its own `train_step`: one Adam step on D's loss (a batch of real
# images against a batch of fresh fakes), then one on G's loss. Everything after training uses the workbook's
# own parts: the triplet-loss **encoder** of Course 4 (week 4) measures how face-like and how new the
# generated faces are, and the face **detector** of Course 4 (week 3) scores them. The learner's own notes used
# a 100-d z, batch 128 and CelebA; here the models are small, z is 64-d and the 70 training faces are
# scikit-image's, so that the notebook runs in minutes on a laptop CPU (trained weights are cached).

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=0)

import time

import matplotlib.pyplot as plt
import numpy as np

from utils.datasets import describe_data
from utils.device import describe_device
from utils.exercises import show_solution
from utils.face_detector import augmented_faces, face_probability, lfw_split
from utils.face_verification import encode
from utils.faceapp import find_faces, load_models, load_offline_photo
from utils.gan import (MorphPanel, build_point_gan, digit_images, discriminator_loss, face_data_name, face_images,
                       frechet_distance, gaussian_noise_images, generate, generator_loss, held_out_faces, image_grid,
                       interpolate, latent_arithmetic, load_or_train_gan, modes_covered, nearest_neighbours, pca_samples,
                       plot_point_samples, plot_sample_grids, principal_directions, project, resize_images,
                       ring_of_gaussians, sample_diversity, sample_z, to_encoder_input, to_unit, train_faces,
                       train_point_gan)

notebook_start = time.perf_counter()
LATENT = 64
print(describe_data("lfw"))

# %% [markdown]
# ## 1. The two losses
#
# With logits s = D's output before the sigmoid, the discriminator minimizes the binary cross-entropy of
# "real = 1, fake = 0":

# %%
show_solution(discriminator_loss)

# %% [markdown]
# The generator could minimize log(1 - D(G(z))), minus D's loss on the fakes (the original minimax game). Early
# in training D rejects every fake, D(G(z)) is near 0, and that loss is flat there: G gets almost no
# gradient. The **non-saturating** loss -log D(G(z)) has the same goal and a steep slope exactly where G is bad:

# %%
show_solution(generator_loss)

# %% [markdown]
# Two checks: when D cannot tell at all (D = 1/2 everywhere, logits 0) its loss is 2 log 2 and G's is
# log 2 (the values a balanced game hovers near); and the slope of each generator loss with respect to the
# logit, at D(G(z)) = 0.01 (D winning), shows why the non-saturating one is used.

# %%
# NBVAL_CHECK_OUTPUT
zero = np.zeros((4, 1), np.float32)
print(f"D = 1/2: D loss {float(discriminator_loss(zero, zero)):.4f} (2 log 2 = {2 * np.log(2):.4f}), "
      f"G loss {float(generator_loss(zero)):.4f} (log 2 = {np.log(2):.4f})")
d = 0.01  # d/ds log(1 - sigmoid(s)) = -sigmoid(s); d/ds -log sigmoid(s) = -(1 - sigmoid(s))
print(f"at D(G(z)) = {d}: slope of the minimax loss {-d:.2f}, of the non-saturating loss {-(1 - d):.2f}")
assert abs(float(discriminator_loss(zero, zero)) - 2 * np.log(2)) < 1e-6

# %%
p = np.linspace(0.001, 0.999, 200)
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(p, np.log(1 - p), label="minimax: log(1 - D(G(z)))")
ax.plot(p, -np.log(p), label="non-saturating: -log D(G(z))")
ax.set(xlabel="D(G(z)): D's probability that a fake is real", ylabel="generator loss",
       title="The generator's two losses: flat vs steep where G is bad")
ax.legend()
plt.show()

# %% [markdown]
# ## 2. Digits first
#
# scikit-learn's 1797 digits (8 x 8) upsampled to 28 x 28 are an easy first target, trained for 20 epochs
# with both Adams at learning rate 5e-4 (the top of the 2e-4 to 5e-4 range of the learner's notes: fewer
# steps). The bar shows the training steps; the grids show the same 16 codes z (fixed before training) every 4
# epochs, so each cell of the figure is one z as G learns. Trained weights are cached under
# `utils.data.cache_dir()`, keyed by `GAN_VERSION` and the settings: only the first run trains.

# %%
digits = digit_images(28)
fixed_z = sample_z(16, LATENT, seed=0)
digit_gan, digit_run = load_or_train_gan("digits", digits, epochs=20, size=28, latent_dim=LATENT, g_width=32,
                                         d_width=32, sample_z=fixed_z, sample_every=4, lr=5e-4)
print(f"{len(digits)} digits, {len(digit_run.history['d_loss'])} steps of 64, "
      + ("loaded from the cache" if digit_run.from_cache else f"trained now in {digit_run.seconds:.0f} s"))

# %%
plot_sample_grids(digit_run.samples, (4, 8, 12, 20), "Digits from the same 16 codes z during training")
plt.show()

# %% [markdown]
# ## 3. Faces
#
# The training faces are the 70 *train* faces of scikit-image's LFW subset (`lfw_split("train")`), each in 8
# light augmentations (flips, small shifts and rotations, contrast) plus as many blends of two of them
# (`augmented_faces`), resized to 24 x 24. The 30 dev and eval faces are never trained on: they are the
# held-out real faces the measurements below compare against. (When `make data` has cached the full LFW, its
# faces join the training set.) The scale is chosen at run time, like the heavy CNN notebooks': on a CPU a
# small model briefly (150 epochs, 32 filters, batch 64); with a GPU a wider one for longer (600 epochs,
# 64 filters, the learner's batch of 128).

# %%
on_gpu = describe_device().has_gpu
face_epochs, face_width, face_batch = (600, 64, 128) if on_gpu else (150, 32, 64)
print(f"{'GPU' if on_gpu else 'CPU'}: {face_epochs} epochs, {face_width} filters, batch {face_batch}"
      + ("" if on_gpu else " (with a GPU: 600 epochs, 64 filters, batch 128)"))
faces = face_images(24, views=8, seed=0)
real_train, real_held = train_faces(24), held_out_faces(24)
print(f"training images ({face_data_name()}) {faces.shape}, the train faces {real_train.shape}, "
      f"held-out faces {real_held.shape}")
face_gan, face_run = load_or_train_gan("faces", faces, epochs=face_epochs, size=24, latent_dim=LATENT,
                                       g_width=face_width, d_width=face_width, batch_size=face_batch,
                                       sample_z=fixed_z, sample_every=10)
print("loaded from the cache" if face_run.from_cache else f"trained now in {face_run.seconds:.0f} s")
print(f"(first trained in {face_run.seconds:.0f} s: {len(face_run.history['d_loss'])} steps of {face_batch})")

# %%
plot_sample_grids(face_run.samples, (10, 30, 70, 150), "Faces from the same 16 codes z during training")
plt.show()

# %% [markdown]
# ### What to watch while a GAN trains
#
# A GAN's losses do not go down together: each network's loss is the other's success. What a healthy run
# looks like, and the usual failures:
#
# - **balanced**: D's loss stays near 2 log 2 ~ 1.4 or somewhat below, G's near log 2 ~ 0.7 to 1.5, and D's
#   accuracy on real and on fake images stays between about 0.6 and 0.9: D keeps giving useful gradients;
# - **D wins**: D's accuracy on both goes to 1, its loss to 0, G's loss climbs. The non-saturating loss still
#   gives G gradients, but they point towards whatever fools D today, and G often collapses onto a few images
#   (**mode collapse**: many z, one face);
# - **G wins or oscillation**: D's fake accuracy near 0 while the samples are poor: D has stopped learning
#   (a learning rate too low, or too few of its steps), and the samples cycle instead of improving.
#
# Below: the losses and D's accuracy over the face run (a moving average over 20 steps).

# %%
def smooth(values, k=20):
    v = np.asarray(values)
    return np.convolve(v, np.ones(k) / k, mode="valid")


h = face_run.history
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
ax1.plot(smooth(h["d_loss"]), label="D loss")
ax1.plot(smooth(h["g_loss"]), label="G loss (non-saturating)")
ax1.axhline(2 * np.log(2), ls=":", c="gray", label="2 log 2 (D at chance)")
ax1.set(xlabel="step", ylabel="loss", title="Losses")
ax1.legend()
ax2.plot(smooth(h["real_acc"]), label="D accuracy on real")
ax2.plot(smooth(h["fake_acc"]), label="D accuracy on fake")
ax2.set(xlabel="step", ylabel="accuracy", ylim=(0, 1.05), title="The discriminator's accuracy")
ax2.legend()
plt.show()
late = {k: float(np.mean(v[-100:])) for k, v in h.items()}
print("last 100 steps: " + ", ".join(f"{k} {v:.2f}" for k, v in late.items()))
assert 0.3 < late["real_acc"] < 0.99 and 0.3 < late["fake_acc"] < 0.99, "D neither lost nor won outright"

# %% [markdown]
# ### A failure, shown: the discriminator wins
#
# Give D a learning rate 10 times G's (2e-3) for 20 epochs, twice: once with the original minimax generator
# loss log(1 - D(G(z))) (`minimax=True`), once with the non-saturating one. D soon rejects every fake in both
# runs; with the minimax loss G's loss goes to 0 together with its gradient, and G stops learning. (Mode collapse,
# the other classic failure, did not show up in these small face runs, with a wider D and learning rates up to
# 1e-2; `sample_diversity` below measures that. The next section shows it where it can be counted.)

# %%
strong_d = dict(epochs=20, size=24, latent_dim=LATENT, g_width=32, d_width=32, sample_z=fixed_z, sample_every=20,
                d_lr=2e-3)
runs = {"minimax loss": load_or_train_gan("faces-dwins-minimax", faces, minimax=True, **strong_d),
        "non-saturating loss": load_or_train_gan("faces-dwins", faces, **strong_d)}
fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), gridspec_kw={"width_ratios": (1.3, 1, 1)})
for name, (gan_, run) in runs.items():
    axes[0].plot(smooth(run.history["fake_acc"]), label=f"{name}: D accuracy on fake")
axes[0].set(xlabel="step", ylabel="accuracy", ylim=(0, 1.05), title="D 10x faster than G")
axes[0].legend(fontsize=8)
for ax, (name, (gan_, run)) in zip(axes[1:], runs.items()):
    ax.imshow(image_grid(run.samples[20], 4), cmap="gray", vmin=0, vmax=1)
    ax.set(title=f"{name}, epoch 20", xticks=[], yticks=[])
    ax.grid(False)
plt.show()
diversity = {"real faces": sample_diversity(to_unit(faces[:300]))}
diversity |= {name: sample_diversity(generate(g.generator, sample_z(300, LATENT, seed=1))) for name, (g, _) in runs.items()}
diversity["balanced run (above)"] = sample_diversity(generate(face_gan.generator, sample_z(300, LATENT, seed=1)))
late_g = {name: float(np.mean(run.history["g_loss"][-50:])) for name, (_, run) in runs.items()}
print("G loss over the last 50 steps: " + ", ".join(f"{k} {v:.3f}" for k, v in late_g.items()))
print("sample diversity (mean pairwise pixel distance): " + ", ".join(f"{k} {v:.2f}" for k, v in diversity.items()))
assert abs(late_g["minimax loss"]) < 0.05 < late_g["non-saturating loss"]

# %% [markdown]
# ### Mode collapse, where modes can be counted
#
# Mode collapse is G putting all its samples on a few of the data's modes: each sample looks real, but the
# variety is gone. With faces it is hard to count modes, so take the classic toy problem (Metz et al., 2016):
# 2-D points from 8 Gaussians on a ring. `build_point_gan` trains two small MLPs with the **same**
# `DCGAN.train_step` and non-saturating loss as above; `modes_covered` counts the modes holding at least 2 %
# of G's points. First the balanced run (both learning rates 1e-3), then D at 30 times G's learning rate, over
# three seeds (2,000 steps each, a few seconds a run).

# %%
point_runs = {"balanced, seed 0": train_point_gan(build_point_gan(d_lr=1e-3, seed=0), 2000, seed=0)}
point_runs |= {f"D 30x G, seed {s}": train_point_gan(build_point_gan(d_lr=3e-2, seed=s), 2000, seed=s)
               for s in (0, 1, 2)}
finals = {name: snaps[max(snaps)] for name, snaps in point_runs.items()}
plot_point_samples(finals, ring_of_gaussians(2000, seed=9))
plt.show()
covered = {name: modes_covered(pts)[0] for name, pts in finals.items()}
print("modes covered after 2,000 steps: " + ", ".join(f"{k}: {v}" for k, v in covered.items()))
collapsed = [name for name, k in covered.items() if name.startswith("D 30x") and k <= 3]
print(f"runs with D 30x faster that collapsed onto 3 modes or fewer: {len(collapsed)} of 3")
assert covered["balanced, seed 0"] >= 7 and collapsed

# %% [markdown]
# The balanced run spreads its points over the ring. When D learns much faster, it soon rejects whatever G
# makes, and G's best answer in each step is to move its samples to wherever D is currently least sure, which
# is one or two modes at a time: G collapses there, and (with the seed's luck) stays or hops on. Not every
# seed collapses, which is what makes the failure treacherous. The usual remedies keep D from running away
# (balanced learning rates, as in the DCGAN paper's 2e-4 for both) or show D several of G's samples at once
# (minibatch discrimination, unrolled GANs).

# %% [markdown]
# ## 4. Memorization check
#
# With 70 training faces a generator could simply learn to copy them. The check: each generated face's
# nearest training face (among the 70), in pixels and in the encoder's space, and the same distance for the
# 30 held-out real faces, which are new by construction. A generator that copies would give distances far
# *below* the held-out faces'.

# %%
models = load_models()
gen_faces = generate(face_gan.generator, sample_z(300, LATENT, seed=1))


def features(images):
    """The Course 4 triplet-loss encoder's 32-d encodings of (m, 24, 24) faces (resized to its 25 x 25)."""
    return encode(to_encoder_input(images), models.encoder)


gen_f, train_f, held_f = features(gen_faces), features(real_train), features(real_held)
nn_pix, d_pix_gen = nearest_neighbours(gen_faces, real_train)
_, d_pix_held = nearest_neighbours(real_held, real_train)
nn_enc, d_enc_gen = nearest_neighbours(gen_f, train_f)
_, d_enc_held = nearest_neighbours(held_f, train_f)

# %%
fig = plt.figure(figsize=(10, 4.6))
gs = fig.add_gridspec(2, 2, width_ratios=(1.4, 1))
show = np.arange(8)
for row, (nn, name) in enumerate([(nn_pix, "pixels"), (nn_enc, "encoder")]):
    ax = fig.add_subplot(gs[row, 0])
    ax.imshow(image_grid(np.concatenate([gen_faces[show], real_train[nn[show]]]), 8), cmap="gray", vmin=0, vmax=1)
    ax.set(title=f"generated (top) and nearest training face in {name} (bottom)", xticks=[], yticks=[])
    ax.grid(False)
    ax = fig.add_subplot(gs[row, 1])
    gen_d, held_d = (d_pix_gen, d_pix_held) if name == "pixels" else (d_enc_gen, d_enc_held)
    bins = np.linspace(0, max(gen_d.max(), held_d.max()), 25)
    ax.hist(gen_d, bins, density=True, alpha=0.6, label="generated")
    ax.hist(held_d, bins, density=True, alpha=0.6, label="held-out real")
    ax.set(xlabel=f"distance to the nearest training face ({name})", ylabel="density")
    ax.legend()
plt.show()

# %%
ratio_pix = np.median(d_pix_gen) / np.median(d_pix_held)
ratio_enc = np.median(d_enc_gen) / np.median(d_enc_held)
print(f"median distance to the nearest training face, generated / held-out real: pixels {ratio_pix:.2f}, "
      f"encoder {ratio_enc:.2f}")

# %%
# NBVAL_CHECK_OUTPUT
no_memorization = ratio_pix > 0.8 and ratio_enc > 0.8  # the ratios' digits vary with the CPU; this claim must not
print(f"generated faces are about as far from their nearest training face as new real faces are: {no_memorization}")
assert no_memorization, "generated faces are much closer to training faces than new real ones"

# %% [markdown]
# ## 5. How face-like? A Fréchet distance from the workbook's encoder
#
# The **FID** (Heusel et al. 2017) fits a Gaussian to the features of real and of generated images and
# measures the Fréchet distance between the two, ||mu_r - mu_g||^2 + Tr(C_r + C_g - 2 (C_r C_g)^(1/2)):
# zero for identical feature statistics. FID uses Inception's features; here the workbook's face encoder
# plays that role (`frechet_distance`). The real side is 300 light augmentations of the 30 held-out faces;
# two baselines show the scale: Gaussian noise with the faces' mean and spread, and samples of a PCA model
# of the 70 training faces (20 components, the eigenfaces of Course 4). A fourth row gives the floor: views of
# the 70 training faces are real faces too, but of other people than the held-out 30, so no generator trained
# on them can be expected to score far below it; what counts is how much of the distance *above that floor*
# is left. The detector's face probability of each set is printed beside it.

# %%
held_views = resize_images(augmented_faces(np.concatenate([lfw_split("dev")[0], lfw_split("eval")[0]]), 5,
                                           seed=1, strength=0.5), 24)
ref_f = features(held_views)
candidates = {"DCGAN": gen_faces, "Gaussian noise": gaussian_noise_images(300, real_train, seed=0),
              "PCA samples": pca_samples(real_train, 300, n_components=20, seed=0),
              "training faces (views)": resize_images(augmented_faces(lfw_split("train")[0], 2, seed=2,
                                                                       strength=0.5), 24)}
fid = {name: frechet_distance(features(x), ref_f) for name, x in candidates.items()}
face_score = {name: float(np.mean(face_probability(models.classifier.predict(to_encoder_input(x), verbose=0))))
              for name, x in candidates.items()}

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4), gridspec_kw={"width_ratios": (1.2, 1)})
ax1.barh(list(fid), list(fid.values()), color=["C0", "C3", "C1", "C2"])
for y, v in enumerate(fid.values()):
    ax1.text(v, y, f" {v:.3f}", va="center")
ax1.set(xlabel="encoder-Fréchet distance to held-out faces", title="Lower is more face-like",
        xlim=(0, 1.25 * max(fid.values())))
ax1.invert_yaxis()
ax2.imshow(image_grid(np.concatenate([x[:6] for x in candidates.values()]), 6), cmap="gray", vmin=0, vmax=1)
ax2.set(title="rows: " + ", ".join(candidates), xticks=[], yticks=[])
ax2.title.set_fontsize(8)
ax2.grid(False)
plt.show()
for name in fid:
    print(f"{name:24s} Fréchet distance {fid[name]:.3f}   detector face probability {face_score[name]:.2f}")
assert fid["DCGAN"] < fid["Gaussian noise"] and fid["DCGAN"] < fid["PCA samples"]
floor = fid["training faces (views)"]
above = {name: fid[name] - floor for name in ("DCGAN", "PCA samples", "Gaussian noise")}
print(f"above the floor of real training faces ({floor:.3f}): " + ", ".join(f"{k} {v:.3f}" for k, v in above.items())
      + (f"; the DCGAN is {above['PCA samples'] / above['DCGAN']:.1f}x closer to it than the PCA samples"
         if above["DCGAN"] > 0 else "; the DCGAN is at the floor"))

from utils.results import record  # extra code: the numbers for the benchmark report (prints nothing)

trained_on = face_data_name()  # "lfw_subset", or "lfw_subset + LFW" after `make data`: their own rows
_ = record(f"DCGAN faces ({trained_on}): encoder-Fréchet distance to held-out faces (reference: PCA samples)",
           fid["DCGAN"], reference=round(fid["PCA samples"], 3), higher_is_better=False)
_ = record(f"DCGAN faces ({trained_on}): encoder-Fréchet distance (reference: Gaussian noise)", fid["DCGAN"],
           reference=round(fid["Gaussian noise"], 3), higher_is_better=False)
_ = record(f"DCGAN faces ({trained_on}): encoder-Fréchet distance above the real-face floor (reference: PCA samples)",
           above["DCGAN"], reference=round(above["PCA samples"], 3), higher_is_better=False)
_ = record(f"DCGAN faces ({trained_on}): nearest-training-face distance, generated / held-out real, encoder "
           "(reference: no memorization, 1)", ratio_enc, reference=1.0)

# %% [markdown]
# ## 6. The latent space: interpolation and arithmetic
#
# Walking from one code to another (along the great circle, `interpolate(..., spherical=True)`, which keeps
# |z| typical of N(0, I) draws) morphs one generated face smoothly into the other: the generator has learned
# a continuous map, not a lookup table. **Arithmetic** on z: the mean code of the 30 brightest generated faces,
# minus that of the 30 darkest, added to a face's code, brightens that face.

# %%
z_pair = sample_z(2, LATENT, seed=3)
path = generate(face_gan.generator, interpolate(z_pair[0], z_pair[1], 9))
z_many = sample_z(300, LATENT, seed=1)
brightness = gen_faces.reshape(300, -1).mean(axis=1)
order = np.argsort(brightness)
light = latent_arithmetic(z_many[order[-30:]], z_many[order[:30]], np.zeros((1, LATENT)))
steps = np.array([z_pair[0] + a * light for a in (-1.0, -0.5, 0.0, 0.5, 1.0)])
lit = generate(face_gan.generator, steps)
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 3.6))
ax1.imshow(image_grid(path, 9), cmap="gray", vmin=0, vmax=1)
ax1.set(title="interpolation between two generated faces", xticks=[], yticks=[])
ax2.imshow(image_grid(lit, 5), cmap="gray", vmin=0, vmax=1)
ax2.set(title="z + a (bright - dark), a = -1 ... 1", xticks=[], yticks=[])
for ax in (ax1, ax2):
    ax.grid(False)
plt.show()
means = lit.reshape(5, -1).mean(axis=1)
print("mean brightness along z + a (bright - dark): " + ", ".join(f"{m:.2f}" for m in means))
assert means[-1] > means[2] > means[0]

# %% [markdown]
# ## 7. FaceApp's morph: project two real faces into z
#
# To edit a *real* face, find a code z whose image G(z) looks like it: `project` runs gradient descent on
# z (the generator fixed) to minimize the pixel error, from 4 random starts per face, keeping the best. The
# two faces are real and unseen by the GAN: a held-out face of the LFW subset, and the face that the
# FaceApp's own detector finds in a shipped photo (the astronaut), cropped as the app crops it; the panel
# below then morphs between their codes.

# %%
astronaut_faces, _ = find_faces(load_offline_photo("astronaut"), models, max_faces=1, use_cascade=False)
assert len(astronaut_faces) == 1, "the detector finds the astronaut's face"
photo_face = resize_images(astronaut_faces[0].crop[None], real_held.shape[1])
targets = np.concatenate([real_held[[0]], photo_face])
z_real, err = project(face_gan.generator, targets, steps=200, lr=0.05, restarts=4, seed=0)
recon = generate(face_gan.generator, z_real)
directions = principal_directions(face_gan.generator, LATENT, n=512, k=2, seed=0)
fig, ax = plt.subplots(figsize=(4.5, 2.4))
ax.imshow(image_grid(np.concatenate([targets, recon]), 2), cmap="gray", vmin=0, vmax=1)
ax.set(title="real faces (top) and G(z) projected (bottom)", xticks=[], yticks=[])
ax.grid(False)
plt.show()
print("pixel mean squared error of each projection (in [-1, 1] units): " + ", ".join(f"{e:.3f}" for e in err))
assert (err < 0.25).all()

# %% [markdown]
# **The morph panel.** `morph` walks from the first projected face (0) to the second (1); `pc1` and `pc2`
# move along the two directions of z that change the generated images most (`principal_directions`: the
# images' top principal components, pulled back to z by least squares). Try morph 0.5 first (a face between
# the two people), then move pc1 and pc2 one at a time and see what each changes. Up to about +-2 the images
# stay faces; pushed to +-4 they wash out, because z has left the shell of radius about sqrt(d) where
# N(0, I) codes (the only ones G was trained on) live; the text under the figure says when that happens.
# Each move only runs the generator once (milliseconds).
#
# **Your own photo.** The upload button above the panel takes a JPEG or PNG: the FaceApp's detector finds its
# best face, the app crops it, `project` finds its code, and it becomes face 1 (a few seconds). A file that is
# not a photo, or a photo in which the detector finds no face, leaves the two faces as they were, and the
# message line says why. (`utils.gan.MorphPanel` holds the panel, the upload and the draw function.)

# %%
# NBVAL_IGNORE_OUTPUT
def app_face(photo):
    """The face the FaceApp would use: its detector's best box, cropped as the app crops it (or None)."""
    faces, _ = find_faces(photo, models, max_faces=1, use_cascade=False)
    return faces[0].crop if faces else None


morph = MorphPanel(face_gan.generator, targets, z_real, directions, app_face, names=("held-out face", "astronaut"))
panel = morph.panel
assert not panel.message.value, panel.message.value
panel.set(pc1=4.0)
assert "far outside" in panel.text.value, panel.text.value  # the extreme is flagged, not a traceback
panel.set(pc1=0.0)
morph.widget

# %% [markdown]
# The upload's path, run here on files a learner might pick: a text file is refused before anything else
# happens, and the astronaut's photo as PNG bytes goes through detection, cropping and projection as an
# upload would (it is the face already there, so the panel looks the same).

# %%
# NBVAL_CHECK_OUTPUT
import io

from PIL import Image

from utils.faceapp import PhotoError

try:
    morph.use_photo(b"my notes", "notes.txt")
except PhotoError as exc:
    print("notes.txt:", exc)
buf = io.BytesIO()
Image.fromarray(load_offline_photo("astronaut")).save(buf, format="PNG")
upload_err = morph.use_photo(buf.getvalue(), "astronaut.png")
print(f"astronaut.png became face 1, projected with a pixel error below 0.25: {upload_err < 0.25}")
assert upload_err < 0.25 and morph.names[1] == "astronaut.png"

# %% [markdown]
# ## Conclusion
#
# - A DCGAN is two small convolutional networks and two cross-entropy losses; `utils.gan.DCGAN.train_step`
#   alternates one step of each. The non-saturating generator loss keeps G learning while D wins.
# - Watch D's accuracy on real and on fake images, not the losses alone: both near 1 means D has won (and mode
#   collapse is near), both near 1/2 with poor samples means D has stopped teaching. On the ring of
#   Gaussians, where modes can be counted, D at 30 times G's learning rate collapsed G onto a few modes in some
#   seeds and not in others.
# - Measured above with the workbook's own parts: the generated faces' encoder-Fréchet distance to held-out
#   faces is below both baselines (noise and PCA samples), and of its distance above the floor that real
#   training faces set, it has a fraction of the PCA samples' (printed in section 5); they are no closer to their nearest training
#   face than held-out real faces are: with light augmentation, the small generator did not memorize its 70
#   faces.
# - The latent space is smooth (interpolations are faces all the way), directions in it carry attributes
#   (brightness), and a real face (a held-out one, or the astronaut's as the FaceApp's detector finds it) can be
#   projected into it by optimizing z, which gives FaceApp's morph; so can the face in a photo you upload.
# - Honest limits: 24 x 24 faces from 70 people are blurry next to CelebA DCGANs; the Fréchet distance on 300
#   samples in a 32-d space is biased (compare it only between sets of the same size, as here); projection by
#   optimization finds *a* z, and a real face the generator cannot make is reproduced only approximately.

# %%
print(f"notebook body ran in {time.perf_counter() - notebook_start:.0f} s")
