# %% [markdown]
# # A first CNN in Keras
#
# > CONV -> POOL -> CONV -> POOL -> softmax in Keras, trained on real faces vs non-faces through the workbook's device-aware training helper, with its training curves, learned filters and feature maps.
#
# ## Introduction
#
# The numpy layers of the previous notebook are exactly what Keras's `Conv2D` and `MaxPooling2D` compute,
# on a GPU when there is one. Here we stack them into a small network and train it on real photographs:
# scikit-image's `lfw_subset`, 25x25 grayscale crops of faces (from Labeled Faces in the Wild) and of
# non-faces, loaded by `utils.data.load_faces` in the course's `load_dataset` form. This is the first step of
# the face app: deciding whether there is a face at all.
#
# Training goes through `utils.training.fit_model`, the helper every heavy notebook of this course uses: it
# reports the device, builds the model under the right `tf.distribute` strategy (mixed precision on a GPU
# only), feeds it through a `tf.data` pipeline, and times the run.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import keras
import matplotlib.pyplot as plt
import numpy as np

from utils.cnn_models import conv_params, dense_params, feature_maps, first_cnn, plot_filters
from utils.data import load_faces
from utils.exercises import show_solution
from utils.plotting import plot_history, plot_image_grid, tile_images
from utils.training import fit_model, scale_for_device
from utils.widgets import SliderPanel

# %% [markdown]
# ## The data
#
# 200 images, half faces; 50 are held out as the test set, and 30 of the remaining 150 serve as the
# validation set during training. Pixel values are already in [0, 1]; Keras wants a channel axis, so the
# images become (m, 25, 25, 1).

# %%
# NBVAL_CHECK_OUTPUT
train_x_orig, train_y, test_x_orig, test_y, classes = load_faces()
X = train_x_orig[..., None]
Y = train_y.ravel()
X_test, Y_test = test_x_orig[..., None], test_y.ravel()
X_train, Y_train, X_val, Y_val = X[:120], Y[:120], X[120:], Y[120:]
print("X_train:", X_train.shape, "X_val:", X_val.shape, "X_test:", X_test.shape)
print("fraction of faces (train, val, test):", [round(float(y.mean()), 2) for y in (Y_train, Y_val, Y_test)])

# %%
_ = plot_image_grid(X_train[:16, :, :, 0], titles=[classes[y] for y in Y_train[:16]], title="Training images")
plt.show()

# %% [markdown]
# ## The model
#
# CONV 5x5 (8 filters, "same") -> ReLU -> MAXPOOL 2x2 -> CONV 5x5 (16 filters) -> ReLU -> MAXPOOL 2x2 ->
# FLATTEN -> softmax over the two classes (`utils.cnn_models.first_cnn`). Like the course's `happyModel` it is
# a `keras.Sequential`: a list of layers, each applied to the output of the one before.

# %%
show_solution(first_cnn)

# %% [markdown]
# Shapes and parameter counts, layer by layer, with the counts recomputed from the formulas of the first
# notebook:

# %%
# NBVAL_CHECK_OUTPUT
def build():
    return first_cnn((25, 25, 1), n_classes=2, filters=(8, 16), kernel_size=5)


model = build()
for layer in model.layers:
    if isinstance(layer, keras.layers.InputLayer):
        continue
    print(f"{layer.name:18s} output {str(layer.output.shape):20s} parameters {layer.count_params():6,d}")
expected = conv_params(5, 1, 8) + conv_params(5, 8, 16) + dense_params(6 * 6 * 16, 2)
print(f"total {model.count_params():,} parameters (formula: {expected:,})")
assert model.count_params() == expected

# %% [markdown]
# ## Training, scaled to this machine
#
# `scale_for_device` picks the number of epochs (and multiplies the batch size by the number of GPUs) at run
# time; the line it prints says what a GPU would change. The loss is the sparse categorical cross-entropy
# (labels 0 and 1) and the optimizer Adam.

# %%
scale = scale_for_device(cpu_epochs=30, gpu_epochs=60, batch_size=16)
print(scale)
compile_kwargs = {"optimizer": lambda: keras.optimizers.Adam(3e-3), "loss": "sparse_categorical_crossentropy",
                  "metrics": ["accuracy"]}
result = fit_model(build, compile_kwargs, (X_train, Y_train), (X_val, Y_val), epochs=scale.epochs,
                   batch_size=scale.batch_size, seed=1)
print(result.summary())

# %%
fig = plot_history(result.history, title="First CNN: faces vs non-faces")
plt.show()

# %% [markdown]
# The test set was never seen during training:

# %%
cnn = result.model
test_loss, test_acc = cnn.evaluate(X_test, Y_test, verbose=0)
print(f"test accuracy: {100 * test_acc:.0f} %, test loss {test_loss:.3f}")

# %%
# NBVAL_CHECK_OUTPUT
print("CNN test accuracy above 90 %:", test_acc > 0.90)
assert test_acc > 0.90

# %% [markdown]
# ## What the first layer learned
#
# Each first-layer filter is a 5x5 weight pattern that slides over the image, like the hand-made edge filters of
# the previous notebook, but learned. Below, the eight filters, then what they respond to on one test face
# (the feature maps: the output of the first CONV + ReLU).

# %%
conv1 = next(layer for layer in cnn.layers if isinstance(layer, keras.layers.Conv2D))  # the first CONV layer
W1, b1 = conv1.get_weights()
print("conv1 weights:", W1.shape, "biases:", b1.shape)
_ = plot_filters(W1, title="Learned 5x5 filters of the first layer (red > 0 > blue)", size=1.4)
plt.show()

# %%
face = X_test[np.flatnonzero(Y_test == 1)[0]][None]
face_maps = feature_maps(cnn, face, [conv1.name])[conv1.name][0]  # the output of conv1 (CONV + ReLU)
_ = plot_image_grid([face[0, :, :, 0]] + list(np.moveaxis(face_maps, -1, 0)),
                    titles=["input face"] + [f"map {i}" for i in range(face_maps.shape[-1])],
                    ncols=9, title="First-layer feature maps of a test face", size=1.3)
plt.show()

# %% [markdown]
# ### Any test image, either layer
#
# The cell below runs the 50 test images through the network once and keeps the outputs of both CONV + ReLU
# layers (`utils.cnn_models.feature_maps`, one forward pass) and the predicted probabilities; the panel only
# picks from them. Each layer's filters are drawn averaged over their input channels (conv2's have 8), on one
# red-blue scale; each feature map is stretched to its own range (an all-black map is zero everywhere: the
# ReLU cut it off).

# %%
# NBVAL_CHECK_OUTPUT
conv_names = [layer.name for layer in cnn.layers if isinstance(layer, keras.layers.Conv2D)]
maps = feature_maps(cnn, X_test, conv_names)
filters = {name: cnn.get_layer(name).get_weights()[0] for name in conv_names}
p_face = np.asarray(cnn(X_test.astype("float32"), training=False))[:, 1]
for name in conv_names:
    print(f"{name}: filters {filters[name].shape}, feature maps of the test set {maps[name].shape}")
assert np.allclose(maps[conv1.name][np.flatnonzero(Y_test == 1)[0]], face_maps, atol=1e-5)  # the face shown above


# %% [markdown]
# **Try:**
# - move **test_image** through the set (faces and non-faces alternate at random): in conv1 the filters that
#   look like light-dark edges light up along the eyes, nose and face outline of a face, and along whatever
#   edges a non-face has;
# - switch **layer** to conv2: its maps are 12x12 (after a 2x2 pool) and each combines all eight conv1 maps,
#   so they are harder to read as edges; count how many are all black for a face against a non-face;
# - find the images the network gets wrong (the title says the probability and whether it is right).

# %%
def draw_feature_maps(fig, test_image, layer):
    W = filters[layer]
    fmaps = np.moveaxis(maps[layer][test_image], -1, 0)  # (n_C, n_H, n_W)
    ax_img, ax_w, ax_maps = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1.3, 1.3]})
    truth, p = classes[Y_test[test_image]], p_face[test_image]
    right = (p > 0.5) == (Y_test[test_image] == 1)
    ax_img.imshow(X_test[test_image, :, :, 0], cmap="gray", vmin=0, vmax=1)
    ax_img.set_title(f"test image {test_image}: {truth}\nP(face) = {p:.2f} ({'right' if right else 'wrong'})")
    lim = np.abs(W).max()
    cmap_w = plt.get_cmap("RdBu_r").copy()
    cmap_w.set_bad("white")
    ax_w.imshow(tile_images(np.moveaxis(W.mean(axis=2), -1, 0), ncols=4, normalize=False), cmap=cmap_w,
                vmin=-lim, vmax=lim)
    ax_w.set_title(f"{layer}: {W.shape[3]} filters {W.shape[0]}x{W.shape[1]}"
                   + (f"\n(mean over {W.shape[2]} input channels)" if W.shape[2] > 1 else "\n(red > 0 > blue)"))
    cmap_m = plt.get_cmap("viridis").copy()
    cmap_m.set_bad("white")
    ax_maps.imshow(tile_images(fmaps, ncols=4), cmap=cmap_m, vmin=0, vmax=1)
    ax_maps.set_title(f"its {len(fmaps)} feature maps ({fmaps.shape[1]}x{fmaps.shape[2]})")
    for ax in (ax_img, ax_w, ax_maps):
        ax.set(xticks=[], yticks=[])
    dead = int((fmaps.max(axis=(1, 2)) == 0).sum())
    strongest = int(fmaps.mean(axis=(1, 2)).argmax())
    return (f"test image {test_image} ({truth}, P(face) = {p:.2f}); {layer}: {dead} of {len(fmaps)} maps are zero "
            f"everywhere, the strongest on average is map {strongest} (mean {fmaps[strongest].mean():.3f})")


panel = SliderPanel(draw_feature_maps, {"test_image": (0, len(X_test) - 1, 1, int(np.flatnonzero(Y_test == 1)[0])),
                                        "layer": conv_names}, figsize=(10, 3.8))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## A fully connected network for comparison
#
# The same training helper with a network that sees the flattened pixels: one hidden layer of 64 units. It has
# far more parameters than the CNN (printed below); on this small, easy set both do well, and the CNN gets
# there with a fraction of the weights.

# %%
def build_dense():
    inputs = keras.Input((25, 25, 1))
    h = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(inputs))
    out = keras.layers.Activation("softmax", dtype="float32")(keras.layers.Dense(2)(h))
    return keras.Model(inputs, out, name="dense")


dense = fit_model(build_dense, compile_kwargs, (X_train, Y_train), (X_val, Y_val), epochs=scale.epochs,
                  batch_size=scale.batch_size, seed=1)
dense_acc = dense.model.evaluate(X_test, Y_test, verbose=0)[1]
print(f"CNN  : {cnn.count_params():6,d} parameters, test accuracy {100 * test_acc:.0f} %")
print(f"dense: {dense.model.count_params():6,d} parameters, test accuracy {100 * dense_acc:.0f} %")
print(dense.summary())

# %%
# NBVAL_CHECK_OUTPUT
ratio = dense.model.count_params() / cnn.count_params()
print(f"the dense net has {ratio:.1f} times the CNN's parameters")
assert ratio > 5

# %% [markdown]
# ## What a GPU changes
#
# The `fit_model` summaries above give this run's device, wall time, seconds per epoch and examples per second.
# The first epoch is slower because TensorFlow traces and compiles the training step. With a GPU, the same
# cells choose the GPU epoch count printed by `scale_for_device`, a batch of 16 per GPU (several GPUs through
# `MirroredStrategy`) and mixed precision; for a network this small a GPU mostly removes the per-epoch cost, and
# the gain grows with the image size and the depth (next notebooks).

# %% [markdown]
# ## Conclusion
#
# - A CNN is a stack of the layers we built by hand: CONV (learned filters) -> ReLU -> POOL, then a classifier.
# - Trained on real faces vs non-faces, it generalizes to the held-out test set (accuracy asserted above).
# - Its first-layer filters are small learned detectors, shown above with their feature maps.
# - Next: [classic networks](w2_1_classic_networks.ipynb), LeNet-5, AlexNet and VGG-16, built and counted.
