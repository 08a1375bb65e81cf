# %% [markdown]
# # ResNets: skip connections make depth trainable
#
# > The identity and convolutional blocks built in Keras, a plain deep network against a residual one of the same depth and parameters (the plain one does not train), and a small ResNet trained on real digits.
#
# ## Introduction
#
# In theory a deeper network can do at least as well as a shallower one: the extra layers could learn the
# identity. In practice a deep *plain* network (layers simply stacked) trains worse as it gets deeper: the
# gradient reaching the first layers vanishes, and the training error goes **up** with depth. He et al. (2015)
# fixed this with a *skip connection* that adds a block's input to its output:
#
# a[l+2] = g(z[l+2] + a[l])
#
# If the block's weights shrink to zero, the block computes the identity, so adding blocks cannot hurt, and
# the gradient has a short path back to the early layers. The course builds two blocks:
#
# - the **identity block**, when the input and output have the same shape;
# - the **convolutional block**, with a 1x1 convolution on the shortcut when the shape changes.
#
# Models come from `utils.cnn_models`; training goes through `utils.training.fit_model`.

# %% [markdown]
# ## Setup

# %%
from utils.notebook import setup
setup(seed=1)

import ipywidgets as W
import keras
import matplotlib.pyplot as plt
import numpy as np

from utils.cnn_models import convolutional_block, deep_net, describe_layers, identity_block, small_resnet
from utils.data import load_digits
from utils.exercises import show_solution
from utils.plotting import plot_costs, plot_history
from utils.training import GradientNormHistory, fit_model, kernel_gradient_norms, scale_for_device
from utils.widgets import SliderPanel

rng = np.random.default_rng(1)

# %% [markdown]
# ## The identity block
#
# Main path: CONV 1x1 -> BN -> ReLU -> CONV fxf "same" -> BN -> ReLU -> CONV 1x1 -> BN, then the input is added
# and a final ReLU applied. It is written with Keras's functional API: each layer is created, then called on
# the tensor it transforms, so the input `X` can be kept aside (`X_shortcut`) and added back at the end.

# %%
show_solution(identity_block)

# %% [markdown]
# Input and output shapes are equal:

# %%
# NBVAL_CHECK_OUTPUT
X_in = keras.Input((8, 8, 16))
block = keras.Model(X_in, identity_block(X_in, f=3, filters=(4, 4, 16), name="id"))
x = rng.random((2, 8, 8, 16)).astype("float32")
print("input", x.shape, "-> output", block(x).shape)

# %% [markdown]
# **It can learn the identity.** Set the last BatchNormalization's scale and shift (gamma, beta) to zero: the
# main path then outputs zero and the block returns ReLU(input), which is the input itself for the
# non-negative activations that come out of a previous ReLU.

# %%
# NBVAL_CHECK_OUTPUT
bn = [layer for layer in block.layers if isinstance(layer, keras.layers.BatchNormalization)][-1]  # the third
gamma, beta, mean, var = bn.get_weights()
bn.set_weights([np.zeros_like(gamma), np.zeros_like(beta), mean, var])
out = block(x, training=False).numpy()
print("block(x) == x with the main path switched off:", np.allclose(out, x))
assert np.allclose(out, x)

# %% [markdown]
# ## The convolutional block
#
# When the block halves the image (stride s = 2) or changes the number of channels, the shortcut cannot be
# added as is: a CONV 1x1 with stride s (and BN) resizes it. The main path is the identity block's, with the
# stride s on its first 1x1 convolution.

# %%
show_solution(convolutional_block)

# %%
# NBVAL_CHECK_OUTPUT
X_in = keras.Input((8, 8, 16))
conv_block = keras.Model(X_in, convolutional_block(X_in, f=3, filters=(8, 8, 32), s=2, name="cb"))
print("input", x.shape, "-> output", conv_block(x).shape)
shortcut = [layer for layer in conv_block.layers if isinstance(layer, keras.layers.Conv2D)
            and layer.kernel.shape[2:] == (16, 32)]  # the only conv from the 16 input channels to 32
print("shortcut kernel:", [tuple(layer.kernel.shape) for layer in shortcut])

# %% [markdown]
# ## Plain against residual, same depth
#
# `deep_net` stacks n two-layer blocks [CONV 3x3 -> ReLU -> CONV 3x3] (+ skip) -> ReLU between a stem
# convolution and a softmax head. With `residual=False` it is the plain network with exactly the same layers and
# parameters. (No batch normalization here, to see the effect of the skip connection alone.) The data:
# scikit-learn's 8x8 handwritten digits, 1,400 for training.

# %%
# NBVAL_CHECK_OUTPUT
images, labels = load_digits()
X = (images / 16.0)[..., None]
order = np.random.RandomState(0).permutation(len(X))
X, Y = X[order], labels[order]
X_train, Y_train, X_test, Y_test = X[:1400], Y[:1400], X[1400:], Y[1400:]
print("X_train:", X_train.shape, "X_test:", X_test.shape)

DEEP_BLOCKS, CHANNELS = 10, 8
builders = {
    "plain, 6 layers": lambda: deep_net((8, 8, 1), 10, n_blocks=2, channels=CHANNELS, residual=False),
    f"plain, {2 * DEEP_BLOCKS + 2} layers": lambda: deep_net((8, 8, 1), 10, DEEP_BLOCKS, CHANNELS, residual=False),
    f"residual, {2 * DEEP_BLOCKS + 2} layers": lambda: deep_net((8, 8, 1), 10, DEEP_BLOCKS, CHANNELS, residual=True),
}
deep_names = list(builders)[1:]
n_params = {name: build().count_params() for name, build in builders.items()}
for name, n in n_params.items():
    print(f"{name:22s}: {n:,} parameters")
assert n_params[deep_names[0]] == n_params[deep_names[1]]

# %% [markdown]
# ### The gradient at initialization
#
# Before any training: the size (L2 norm) of the gradient of the loss with respect to each layer's kernel, on
# one batch. In the plain network the signal already fades in the forward pass (each ReLU layer with this
# initialization shrinks the activations), so the output barely depends on the weights and every layer's
# gradient is tiny. The skip connections carry the input forward and the gradient back, so every layer of the
# residual network gets a usable gradient. (`utils.training.kernel_gradient_norms` computes them with a
# `tf.GradientTape`; the colours match the training curves below.)

# %%
keras.utils.set_random_seed(1)
norms = {name: kernel_gradient_norms(builders[name](), X_train[:128].astype("float32"), Y_train[:128])
         for name in deep_names}
fig, ax = plt.subplots(figsize=(6.4, 3.6))
for i, (name, values) in enumerate(norms.items(), start=1):
    ax.plot(np.arange(1, len(values) + 1), values, marker="o", ms=3, color=f"C{i}", label=name)
ax.set_yscale("log")
ax.set(title="Gradient norm per conv layer, at initialization", xlabel="conv layer (1 = next to the input)",
       ylabel="||dJ/dW|| (log scale)")
ax.legend()
plt.show()

# %%
ratio = norms[deep_names[1]][0] / norms[deep_names[0]][0]
print(f"first conv layer: the residual network's gradient is {ratio:,.0f} times the plain network's")

# %%
# NBVAL_CHECK_OUTPUT
print(f"first-layer gradient: residual / plain > 10: {ratio > 10}")
assert ratio > 10

# %% [markdown]
# ### Training both
#
# The same optimizer, data, seed and epochs for every network (the number of epochs is chosen for this
# machine by `scale_for_device`), over a small grid: 6, 12 and 22 layers, each plain and residual. A
# `GradientNormHistory` callback records the gradient norm of every conv layer on a fixed batch before training
# and after each epoch, for the panel further down. First the three networks above. Look at the **training**
# loss: a deeper plain network fits its own training set worse than the shallow one; the residual network of the
# same depth does not have that problem.

# %%
scale = scale_for_device(cpu_epochs=10, gpu_epochs=30, batch_size=64)
print(scale)
compile_kwargs = {"optimizer": lambda: keras.optimizers.Adam(1e-3), "loss": "sparse_categorical_crossentropy",
                  "metrics": ["accuracy"]}
DEPTHS = (2, 5, DEEP_BLOCKS)  # blocks; a network has 2 * blocks + 2 weight layers
grid, grad_norms = {}, {}
for n_blocks in DEPTHS:
    for residual in (False, True):
        recorder = GradientNormHistory(X_train[:128], Y_train[:128])
        grid[n_blocks, residual] = fit_model(
            lambda: deep_net((8, 8, 1), 10, n_blocks, CHANNELS, residual=residual), compile_kwargs,
            (X_train, Y_train), (X_test, Y_test), epochs=scale.epochs, batch_size=scale.batch_size, seed=1,
            callbacks=[recorder])
        grad_norms[n_blocks, residual] = np.array(recorder.norms)  # (epochs + 1, conv layers)
        print(f"{'residual' if residual else 'plain':8s} {2 * n_blocks + 2:2d} layers: {grid[n_blocks, residual].summary()}")
runs = {"plain, 6 layers": grid[2, False], deep_names[0]: grid[DEEP_BLOCKS, False],
        deep_names[1]: grid[DEEP_BLOCKS, True]}
assert list(runs) == list(builders)

# %% [markdown]
# What the panel below shows, checked on the grid: the deep plain network's loss never leaves ln 10 (a uniform
# guess over ten digits), its first conv layer gets a far smaller gradient than the residual one's before and
# after training, and the gap in final training loss between plain and residual grows with the depth.

# %%
# NBVAL_CHECK_OUTPUT
plain_loss = np.array(grid[DEEP_BLOCKS, False].history["loss"])
first_layer = {residual: grad_norms[DEEP_BLOCKS, residual][[0, -1], 0] for residual in (False, True)}
gaps = [grid[b, False].history["loss"][-1] - grid[b, True].history["loss"][-1] for b in DEPTHS]
print(f"22 layers, plain: the loss stays within 0.05 of ln 10 at every epoch: {np.abs(plain_loss - np.log(10)).max() < 0.05}")
print(f"22 layers: first conv layer's gradient, residual > 100 x plain, at init and after training: "
      f"{bool((first_layer[True] > 100 * first_layer[False]).all())}")
print(f"final loss gap plain - residual grows with depth (6 < 12 < 22 layers): {gaps[0] < gaps[1] < gaps[2]}")
assert np.abs(plain_loss - np.log(10)).max() < 0.05 and (first_layer[True] > 100 * first_layer[False]).all()
assert gaps[0] < gaps[1] < gaps[2]

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
plot_costs({name: r.history["loss"] for name, r in runs.items()}, ax=axes[0], title="Training loss",
           xlabel="epoch", ylabel="cross-entropy")
plot_costs({name: r.history["val_accuracy"] for name, r in runs.items()}, ax=axes[1], title="Test accuracy",
           xlabel="epoch", ylabel="accuracy")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
final = {name: r.history["loss"][-1] for name, r in runs.items()}
shallow, plain, residual = final.values()
print("deep plain trains worse than shallow plain (degradation):", plain > shallow)
print("deep residual trains better than deep plain:", residual < plain - 0.3)
assert plain > shallow and residual < plain - 0.3

# %% [markdown]
# Without batch normalization the deep plain network hardly moves from its initial loss at this depth; with
# batch normalization (as in the ResNet paper) plain networks do train, and the same degradation appears only
# at larger depths and longer training (the paper's 34-layer plain net against its 18-layer one, on ImageNet).

# %% [markdown]
# ### Depth and skip connections, epoch by epoch
#
# The panel picks one network of the grid trained above (nothing is trained on a move): its training loss among
# all six (bold; dashed lines are plain networks) and, at the chosen epoch, the gradient norm of each of its conv
# layers next to the same network with the skip connections switched the other way (thin). A gradient of exactly
# zero (every ReLU of a layer switched off) is drawn at the bottom of the axis.
#
# **Try:**
# - depth 22, skip connections off, epoch 0 to 10: the plain network's gradients start tiny near the input and
#   stay tiny, and its loss never leaves ln 10 = 2.30 (the loss of a uniform guess over ten digits);
# - tick **skip** on: the same layers get gradients orders of magnitude larger, and the loss falls;
# - depth 6 and 12: the gap between plain and residual opens as the network gets deeper.

# %%
loss_range = (min(min(r.history["loss"]) for r in grid.values()), max(max(r.history["loss"]) for r in grid.values()))
positive = np.concatenate([g[g > 0] for g in grad_norms.values()])
GRAD_FLOOR, GRAD_TOP = positive.min() / 3, positive.max() * 3


def draw_depth(fig, depth, skip, epoch):
    fig.set_layout_engine("none")  # fixed margins: the automatic layout would add a third to the redraw time
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.13, top=0.91, wspace=0.2)
    ax1, ax2 = fig.subplots(1, 2)
    for i, n_blocks in enumerate(DEPTHS):
        for residual in (False, True):
            chosen = (n_blocks, residual) == (depth, skip)
            loss = grid[n_blocks, residual].history["loss"]
            ax1.plot(np.arange(1, len(loss) + 1), loss, color=f"C{i}", ls="-" if residual else "--",
                     lw=3 if chosen else 1, alpha=1 if chosen else 0.45,
                     label=f"{2 * n_blocks + 2} layers, {'residual' if residual else 'plain'}")
    ax1.axvline(max(epoch, 0.5), color="0.4", lw=0.8)
    ax1.set(title="Training loss (bold: the chosen network)", xlabel="epoch", ylabel="cross-entropy",
            ylim=(0.95 * loss_range[0], 1.05 * loss_range[1]))
    ax1.legend(fontsize=7, ncol=2, loc="lower left")
    for residual, lw in ((skip, 2.5), (not skip, 1)):
        norms = grad_norms[depth, residual][epoch]
        ax2.plot(np.arange(1, len(norms) + 1), np.maximum(norms, GRAD_FLOOR), marker="o", ms=3 if lw > 1 else 2,
                 lw=lw, color=f"C{DEPTHS.index(depth)}", ls="-" if residual else "--",
                 label=f"{'residual' if residual else 'plain'}")
    ax2.set_yscale("log")
    ax2.set(title=f"{2 * depth + 2} layers, epoch {epoch}: gradient norm per conv layer", ylim=(GRAD_FLOOR / 2, GRAD_TOP),
            xlabel="conv layer (1 = next to the input)", ylabel="||dJ/dW|| (log scale)")
    ax2.legend(fontsize=8)
    norms = grad_norms[depth, skip][epoch]
    run = grid[depth, skip]
    return (f"{2 * depth + 2} layers, {'with' if skip else 'without'} skip connections: training loss "
            f"{run.history['loss'][-1]:.2f} after {len(run.history['loss'])} epochs, test accuracy "
            f"{100 * run.history['val_accuracy'][-1]:.0f} %; epoch {epoch}: first conv layer's gradient {norms[0]:.2g}, "
            f"{int((norms == 0).sum())} of {len(norms)} layers with a zero gradient")


depth_control = W.SelectionSlider(options=[(f"{2 * b + 2} layers", b) for b in DEPTHS], value=DEEP_BLOCKS,
                                  description="depth", continuous_update=False)
panel = SliderPanel(draw_depth, {"depth": depth_control, "skip": False, "epoch": (0, scale.epochs, 1, 0)},
                    figsize=(11, 4))
assert not panel.message.value, panel.message.value
panel

# %% [markdown]
# ## A small ResNet on real data
#
# `small_resnet`: a 3x3 stem, then two stages, each one convolutional block (the second with stride 2) followed
# by an identity block, with batch normalization, global average pooling and softmax: the ResNet-50 recipe,
# scaled down to 8x8 digits.

# %%
# NBVAL_CHECK_OUTPUT
def build_resnet():
    return small_resnet((8, 8, 1), 10, stages=((16, 1), (32, 1)))


print(describe_layers(build_resnet(), skip_zero=True))

# %%
res_scale = scale_for_device(cpu_epochs=10, gpu_epochs=30, batch_size=64)
res = fit_model(build_resnet, {**compile_kwargs, "optimizer": lambda: keras.optimizers.Adam(3e-3)},
                (X_train, Y_train), (X_test, Y_test), epochs=res_scale.epochs, batch_size=res_scale.batch_size, seed=1)
print(res.summary())
fig = plot_history(res.history, title="Small ResNet on scikit-learn digits")
plt.show()

# %%
# NBVAL_CHECK_OUTPUT
res_acc = res.model.evaluate(X_test, Y_test, verbose=0)[1]
print("small ResNet test accuracy above 90 %:", res_acc > 0.90)
assert res_acc > 0.90

# %% [markdown]
# ## What a GPU changes
#
# Each `fit_model` line above reports the device, the seconds per epoch and the examples per second measured in
# this run. On this machine's CPU the first epoch is dominated by TensorFlow tracing the training step; the
# later ones by the convolutions. With a GPU `scale_for_device` chooses more epochs (printed above), a batch of
# 64 per GPU and mixed precision, and the deeper comparison (more blocks, more channels) becomes affordable.

# %% [markdown]
# ## Conclusion
#
# - The identity block adds its input to its output; switching its main path off leaves the identity, so
#   extra blocks cannot make the network worse. The convolutional block resizes the shortcut with a 1x1 conv.
# - A plain network of the same depth and parameters as a residual one receives far smaller gradients in its
#   early layers and, here, fails to train, while the residual one trains (measured and asserted above).
# - A small ResNet with batch normalization classifies real digits on a CPU in seconds.
# - Next: [1x1 convolutions, Inception and transfer learning](w2_3_inception_and_transfer.ipynb).
