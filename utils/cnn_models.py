"""Keras CNNs of Course 4, weeks 1-2, and the arithmetic behind them.

Builders return uncompiled ``keras.Model`` objects (compile and train them with ``utils.training``):
``first_cnn``, ``lenet5``, ``alexnet``, ``vgg16``, ``identity_block`` / ``convolutional_block`` (the
ResNet blocks, as functions on Keras tensors), ``small_resnet`` and ``plain_net`` (the same depth with
or without skip connections), ``inception_module``, ``bottleneck_net`` (one fxf conv with or without a
1x1 bottleneck); ``feature_maps`` reads the outputs of named layers. Each classifier ends in a float32 softmax, and the
other models (``inception_model``, ``feature_extractor``) in a float32 layer, so that every output stays
float32 when a GPU trains under mixed precision.

Counting helpers (plain integers, no Keras): ``dense_params``, ``conv_params``, ``conv_multiplies``,
``bottleneck_multiplies``, ``first_layer_params``, ``float32_size``, and ``PAPER_PARAMS``, the parameter counts
the papers and the course quote.
"""

from __future__ import annotations

from collections.abc import Sequence

from utils.validation import check_positive_int

#: Momentum of the moving mean and variance of every BatchNormalization layer built here. Keras's default,
#: 0.99, averages over the last ~100 steps and lags far behind the weights when a small data set trains for
#: only a few hundred steps (the network then fails at inference although it fits its training set); 0.9
#: averages over ~10 steps.
BN_MOMENTUM = 0.9


def _bn(layers, name: str):
    return layers.BatchNormalization(momentum=BN_MOMENTUM, name=name)


#: Parameter counts as quoted by the course (from the papers), to compare with the built models.
PAPER_PARAMS = {"LeNet-5": 60_000, "AlexNet": 60_000_000, "VGG-16": 138_000_000}


# --- counting --------------------------------------------------------------------------------------------

def dense_params(n_in: int, n_out: int) -> int:
    """Weights and biases of a fully connected layer with n_in inputs and n_out units: n_in * n_out + n_out."""
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    ### BEGIN SOLUTION
    n_params = n_in * n_out + n_out  # a weight per (input, unit) pair, a bias per unit
    ### END SOLUTION
    return n_params


def conv_params(f: int, n_C_in: int, n_C_out: int) -> int:
    """Weights and biases of a conv layer with n_C_out filters of size f x f x n_C_in: (f*f*n_C_in + 1) * n_C_out.

    Independent of the image size: that is parameter sharing.
    """
    f, n_C_in = check_positive_int(f, "f"), check_positive_int(n_C_in, "n_C_in")
    n_C_out = check_positive_int(n_C_out, "n_C_out")
    ### BEGIN SOLUTION
    n_params = (f * f * n_C_in + 1) * n_C_out  # each filter: f x f x n_C_in weights and one bias
    ### END SOLUTION
    return n_params


def conv_multiplies(n_H: int, n_W: int, n_C_in: int, f: int, n_C_out: int) -> int:
    """Multiplications of a "same" conv producing an (n_H, n_W, n_C_out) output from n_C_in channels with f x f filters.

    Each of the n_H * n_W * n_C_out outputs costs f * f * n_C_in multiplications.
    """
    vals = [check_positive_int(v, k) for v, k in ((n_H, "n_H"), (n_W, "n_W"), (n_C_in, "n_C_in"), (f, "f"),
                                                   (n_C_out, "n_C_out"))]
    n_H, n_W, n_C_in, f, n_C_out = vals
    return n_H * n_W * n_C_out * f * f * n_C_in


def bottleneck_multiplies(n_H: int, n_W: int, n_C_in: int, f: int, n_C_out: int, n_C_bottleneck: int) -> dict[str, int]:
    """Multiplications of an f x f conv with and without a 1x1 bottleneck to n_C_bottleneck channels first.

    Returns: {"direct": ..., "bottleneck_1x1": ..., "bottleneck_fxf": ..., "bottleneck_total": ...}.
    The course's example: 28x28x192 -> 28x28x32 with 5x5 filters, bottleneck 16.
    """
    direct = conv_multiplies(n_H, n_W, n_C_in, f, n_C_out)
    first = conv_multiplies(n_H, n_W, n_C_in, 1, n_C_bottleneck)
    second = conv_multiplies(n_H, n_W, n_C_bottleneck, f, n_C_out)
    return {"direct": direct, "bottleneck_1x1": first, "bottleneck_fxf": second, "bottleneck_total": first + second}



def first_layer_params(side: int, channels: int = 3, f: int = 3, n_filters: int = 10,
                       hidden: int = 1000) -> dict[str, int]:
    """Parameters of three first layers for a side x side x channels image: why convolutions.

    - "conv": n_filters filters of f x f x channels (``conv_params``), whatever the image size;
    - "dense, same output": a fully connected layer producing the conv's output volume, (side - f + 1)^2 x
      n_filters (a "valid" convolution, stride 1), from all side^2 x channels inputs (the lecture's 32x32x3 ->
      28x28x6 comparison);
    - "dense to hidden": a fully connected layer from the pixels to ``hidden`` units (the course's 1,000).
    Raises ValueError when the filter does not fit in the image (f > side).
    """
    side, channels = check_positive_int(side, "side"), check_positive_int(channels, "channels")
    f, n_filters = check_positive_int(f, "f"), check_positive_int(n_filters, "n_filters")
    hidden = check_positive_int(hidden, "hidden")
    if f > side:
        raise ValueError(f"a {f} x {f} filter does not fit in a {side} x {side} image: a valid convolution's output "
                         f"side is side - f + 1 = {side - f + 1}; take a larger image or a smaller filter")
    n_x, out_side = side * side * channels, side - f + 1
    return {"conv": conv_params(f, channels, n_filters),
            "dense, same output": dense_params(n_x, out_side * out_side * n_filters),
            "dense to hidden": dense_params(n_x, hidden)}


def float32_size(n_params: int) -> str:
    """The memory n_params float32 numbers take (4 bytes each), in the largest unit under which it is >= 1:
    ``float32_size(280) == "1.1 KB"``, ``float32_size(3_000_001_000) == "12 GB"`` (units of 1000)."""
    n_params = int(n_params)
    if n_params < 0:
        raise ValueError(f"n_params must be >= 0, got {n_params}")
    size, unit = 4.0 * n_params, "bytes"
    for next_unit in ("KB", "MB", "GB", "TB", "PB", "EB"):
        if size < 1000:
            break
        size, unit = size / 1000, next_unit
    return f"{size:.0f} {unit}" if unit == "bytes" or size >= 100 else f"{size:.2g} {unit}"

# --- classic networks ------------------------------------------------------------------------------------

def _softmax_head(x, n_classes: int, name: str = "predictions"):
    import keras

    x = keras.layers.Dense(check_positive_int(n_classes, "n_classes"), name=f"{name}_logits")(x)
    return keras.layers.Activation("softmax", dtype="float32", name=name)(x)


def first_cnn(input_shape: Sequence[int] = (25, 25, 1), n_classes: int = 2, filters: Sequence[int] = (8, 16),
              kernel_size: int = 3, name: str = "first_cnn"):
    """A first small CNN, a ``keras.Sequential`` like the course's happyModel: [CONV fxf "same" with ReLU ->
    MAXPOOL 2x2] for each entry of ``filters``, then FLATTEN and a softmax layer.

    Inputs: input_shape (n_H, n_W, n_C); n_classes; filters, the channels of each conv block; kernel_size f.
    Returns: an uncompiled keras.Model mapping (m, n_H, n_W, n_C) to class probabilities (m, n_classes).
    Layers are named "conv1", "pool1", "conv2", ..., "flatten", "predictions".
    """
    import keras
    from keras.layers import Conv2D, Dense, Flatten, MaxPooling2D

    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (n_H, n_W, n_C), got {input_shape}")
    n_classes = check_positive_int(n_classes, "n_classes")
    ### BEGIN SOLUTION
    model = keras.Sequential(name=name)
    model.add(keras.Input(input_shape))
    for i, n_filters in enumerate(filters, start=1):
        model.add(Conv2D(n_filters, kernel_size, padding="same", activation="relu", name=f"conv{i}"))
        model.add(MaxPooling2D(2, name=f"pool{i}"))  # pool_size 2; the stride defaults to the pool size
    model.add(Flatten(name="flatten"))
    # dtype="float32" keeps the probabilities in float32 when a GPU trains in mixed precision
    model.add(Dense(n_classes, activation="softmax", dtype="float32", name="predictions"))
    ### END SOLUTION
    return model


def lenet5(input_shape: Sequence[int] = (32, 32, 1), n_classes: int = 10):
    """LeNet-5 (LeCun et al., 1998) as the course draws it: CONV 5x5x6 -> AVGPOOL -> CONV 5x5x16 -> AVGPOOL
    -> FC 120 -> FC 84 -> softmax 10, tanh activations. (The paper's C3 connects only some channels and its
    output is an RBF layer; this full-connection version has a few more weights.)
    Returns: an uncompiled keras.Model, input (m, 32, 32, 1).
    """
    import keras

    L = keras.layers
    inputs = keras.Input(tuple(input_shape))
    ### BEGIN SOLUTION
    x = L.Conv2D(6, 5, activation="tanh", name="conv1")(inputs)
    x = L.AveragePooling2D(2, name="pool1")(x)
    x = L.Conv2D(16, 5, activation="tanh", name="conv2")(x)
    x = L.AveragePooling2D(2, name="pool2")(x)
    x = L.Flatten(name="flatten")(x)
    x = L.Dense(120, activation="tanh", name="fc3")(x)
    x = L.Dense(84, activation="tanh", name="fc4")(x)
    ### END SOLUTION
    return keras.Model(inputs, _softmax_head(x, n_classes), name="lenet5")


def alexnet(input_shape: Sequence[int] = (227, 227, 3), n_classes: int = 1000,
            kernel_initializer: str = "glorot_uniform"):
    """AlexNet (Krizhevsky et al., 2012) as the course draws it, on one device (no two-GPU split, no LRN):
    CONV 11x11/4 x96 -> MAXPOOL 3/2 -> CONV 5x5 same x256 -> MAXPOOL 3/2 -> CONV 3x3 x384, x384, x256 ->
    MAXPOOL 3/2 -> FC 4096 -> FC 4096 -> softmax 1000.
    kernel_initializer="zeros" builds it fast, with no temporary random arrays, to count its parameters.
    Returns: an uncompiled keras.Model, input (m, 227, 227, 3). About 62 million weights (float32: 250 MB).
    """
    import keras

    L = _layers_with_init(keras.layers, kernel_initializer)
    inputs = keras.Input(tuple(input_shape))
    x = L.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = L.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = L.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = L.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = L.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = L.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = L.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = L.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = L.Flatten()(x)
    x = L.Dense(4096, activation="relu", name="fc6")(x)
    x = L.Dense(4096, activation="relu", name="fc7")(x)
    return keras.Model(inputs, _softmax_head(x, n_classes), name="alexnet")


class _layers_with_init:
    """``keras.layers`` with Conv2D and Dense given one kernel initializer (the rest unchanged)."""

    def __init__(self, layers, kernel_initializer: str):
        self._layers, self._init = layers, kernel_initializer

    def Conv2D(self, *args, **kwargs):
        return self._layers.Conv2D(*args, kernel_initializer=self._init, **kwargs)

    def Dense(self, *args, **kwargs):
        return self._layers.Dense(*args, kernel_initializer=self._init, **kwargs)

    def __getattr__(self, name):
        return getattr(self._layers, name)


#: VGG-16's convolution stages: (number of 3x3 conv layers, channels), each followed by a 2x2 max pool.
VGG16_STAGES = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


def vgg16(input_shape: Sequence[int] = (224, 224, 3), n_classes: int = 1000,
          kernel_initializer: str = "glorot_uniform"):
    """VGG-16 (Simonyan and Zisserman, 2015): 13 CONV 3x3 same layers in 5 stages (``VGG16_STAGES``), each
    stage ending in MAXPOOL 2x2/2, then FC 4096 -> FC 4096 -> softmax 1000.
    Returns: an uncompiled keras.Model, input (m, 224, 224, 3). About 138 million weights (float32: 553 MB):
    build it to count (kernel_initializer="zeros": fast, no temporary random arrays), do not train it on a CPU.
    """
    import keras

    L = _layers_with_init(keras.layers, kernel_initializer)
    inputs = keras.Input(tuple(input_shape))
    x = inputs
    for s, (n_layers, channels) in enumerate(VGG16_STAGES, start=1):
        for i in range(1, n_layers + 1):
            x = L.Conv2D(channels, 3, padding="same", activation="relu", name=f"block{s}_conv{i}")(x)
        x = L.MaxPooling2D(2, name=f"block{s}_pool")(x)
    x = L.Flatten()(x)
    x = L.Dense(4096, activation="relu", name="fc1")(x)
    x = L.Dense(4096, activation="relu", name="fc2")(x)
    return keras.Model(inputs, _softmax_head(x, n_classes), name="vgg16")


# --- ResNets -----------------------------------------------------------------------------------------------

def identity_block(X, f: int, filters: Sequence[int], name: str = "id"):
    """The ResNet identity block (the shortcut adds the input unchanged; input and output shapes equal).

    Main path: CONV 1x1 (F1) -> BN -> ReLU -> CONV fxf "same" (F2) -> BN -> ReLU -> CONV 1x1 (F3) -> BN;
    then ADD the input X, then ReLU.
    Inputs: X, a Keras tensor of shape (m, n_H, n_W, n_C) with n_C == F3; f, the middle filter size;
    filters (F1, F2, F3); name, the prefix of the layer names.
    Returns: a Keras tensor of shape (m, n_H, n_W, F3).
    """
    from keras.layers import Activation, Add, BatchNormalization, Conv2D

    F1, F2, F3 = filters
    if X.shape[-1] != F3:
        raise ValueError(f"identity_block adds its input to its output: the input has {X.shape[-1]} channels, "
                         f"so F3 must be {X.shape[-1]}, got filters {tuple(filters)} (use convolutional_block)")
    X_shortcut = X
    ### BEGIN SOLUTION
    # main path
    X = Conv2D(F1, 1, name=f"{name}_a")(X)
    X = BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_a_bn")(X)
    X = Activation("relu")(X)
    X = Conv2D(F2, f, padding="same", name=f"{name}_b")(X)
    X = BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_b_bn")(X)
    X = Activation("relu")(X)
    X = Conv2D(F3, 1, name=f"{name}_c")(X)
    X = BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_c_bn")(X)
    # skip connection: add the input, then the last ReLU
    X = Add(name=f"{name}_add")([X, X_shortcut])
    X = Activation("relu")(X)
    ### END SOLUTION
    return X


def convolutional_block(X, f: int, filters: Sequence[int], s: int = 2, name: str = "conv"):
    """The ResNet convolutional block: like identity_block, but the first conv has stride s and the shortcut
    is a CONV 1x1 stride s (F3) -> BN, so the block can change the size and the number of channels.

    Inputs: X (m, n_H, n_W, n_C); f; filters (F1, F2, F3); s, the stride; name, the prefix of the layer names.
    Returns: a Keras tensor of shape (m, ceil(n_H / s), ceil(n_W / s), F3).
    """
    from keras.layers import Activation, Add, BatchNormalization, Conv2D

    F1, F2, F3 = filters
    s = check_positive_int(s, "s")
    X_shortcut = X
    ### BEGIN SOLUTION
    # main path: the first 1x1 conv has stride s
    X = Conv2D(F1, 1, strides=s, name=f"{name}_a")(X)
    X = BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_a_bn")(X)
    X = Activation("relu")(X)
    X = Conv2D(F2, f, padding="same", name=f"{name}_b")(X)
    X = BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_b_bn")(X)
    X = Activation("relu")(X)
    X = Conv2D(F3, 1, name=f"{name}_c")(X)
    X = BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_c_bn")(X)
    # shortcut path: CONV 1x1 with stride s and F3 filters -> BN, to the main path's shape
    X_shortcut = Conv2D(F3, 1, strides=s, name=f"{name}_short")(X_shortcut)
    X_shortcut = BatchNormalization(momentum=BN_MOMENTUM, name=f"{name}_short_bn")(X_shortcut)
    # add, then the last ReLU
    X = Add(name=f"{name}_add")([X, X_shortcut])
    X = Activation("relu")(X)
    ### END SOLUTION
    return X


def small_resnet(input_shape: Sequence[int] = (16, 16, 1), n_classes: int = 10,
                 stages: Sequence[tuple[int, int]] = ((16, 1), (32, 1)), name: str = "small_resnet"):
    """A small ResNet (the course's ResNet-50 pattern, scaled down): CONV 3x3 (stem) -> BN -> ReLU, then for each
    stage (channels, n_identity) a convolutional block (stride 1 for the first stage, 2 after) and n_identity
    identity blocks, with bottleneck filters (channels // 2, channels // 2, channels); then global average
    pooling and softmax.
    Returns: an uncompiled keras.Model mapping (m, *input_shape) to (m, n_classes).
    """
    import keras

    L = keras.layers
    inputs = keras.Input(tuple(input_shape))
    X = L.Conv2D(stages[0][0], 3, padding="same", name="stem")(inputs)
    X = L.Activation("relu")(_bn(L, name="stem_bn")(X))
    for i, (channels, n_identity) in enumerate(stages):
        filt = (max(channels // 2, 1), max(channels // 2, 1), channels)
        X = convolutional_block(X, 3, filt, s=1 if i == 0 else 2, name=f"stage{i + 1}_conv")
        for j in range(n_identity):
            X = identity_block(X, 3, filt, name=f"stage{i + 1}_id{j + 1}")
    X = L.GlobalAveragePooling2D()(X)
    return keras.Model(inputs, _softmax_head(X, n_classes), name=name)


def deep_net(input_shape: Sequence[int] = (8, 8, 1), n_classes: int = 10, n_blocks: int = 10, channels: int = 16,
             residual: bool = True, batch_norm: bool = False):
    """A deep stack of two-layer blocks [CONV 3x3 same -> (BN) -> ReLU -> CONV 3x3 same -> (BN)] (+ skip) -> ReLU.

    With ``residual=True`` every block adds its input (a ResNet "basic block"); with False it is the *plain*
    network of exactly the same layers and parameter count. Depth: 2 * n_blocks + 2 weight layers (stem and
    head included).
    Returns: an uncompiled keras.Model mapping (m, *input_shape) to (m, n_classes).
    """
    import keras

    L = keras.layers
    n_blocks = check_positive_int(n_blocks, "n_blocks")
    inputs = keras.Input(tuple(input_shape))
    X = L.Activation("relu")(L.Conv2D(channels, 3, padding="same", name="stem")(inputs))
    for i in range(n_blocks):
        shortcut = X
        X = L.Conv2D(channels, 3, padding="same", name=f"block{i + 1}_a")(X)
        if batch_norm:
            X = _bn(L, name=f"block{i + 1}_a_bn")(X)
        X = L.Activation("relu")(X)
        X = L.Conv2D(channels, 3, padding="same", name=f"block{i + 1}_b")(X)
        if batch_norm:
            X = _bn(L, name=f"block{i + 1}_b_bn")(X)
        if residual:
            X = L.Add(name=f"block{i + 1}_add")([X, shortcut])
        X = L.Activation("relu")(X)
    X = L.GlobalAveragePooling2D()(X)
    kind = "residual" if residual else "plain"
    return keras.Model(inputs, _softmax_head(X, n_classes), name=f"{kind}_{2 * n_blocks + 2}")


# --- Inception -------------------------------------------------------------------------------------------

#: GoogLeNet's inception (3a) on a 28x28x192 input: 1x1: 64; 1x1 96 -> 3x3 128; 1x1 16 -> 5x5 32; pool -> 1x1 32.
INCEPTION_3A = {"1x1": 64, "3x3_reduce": 96, "3x3": 128, "5x5_reduce": 16, "5x5": 32, "pool_proj": 32}


def inception_module(X, filters: dict[str, int] = INCEPTION_3A, name: str = "inception"):
    """An Inception module (Szegedy et al., 2015): four branches on the same input, concatenated on channels.

    Branches, in this order: CONV 1x1; CONV 1x1 (bottleneck) -> CONV 3x3; CONV 1x1 (bottleneck) -> CONV 5x5;
    MAXPOOL 3x3 stride 1 "same" -> CONV 1x1. Every conv is "same" with a ReLU, so every branch keeps n_H x n_W.
    Inputs: X, a Keras tensor (m, n_H, n_W, n_C); filters with the keys of ``INCEPTION_3A``; name, the prefix
    of the layer names.
    Returns: a Keras tensor (m, n_H, n_W, filters["1x1"] + filters["3x3"] + filters["5x5"] + filters["pool_proj"]).
    """
    from keras.layers import Concatenate, Conv2D, MaxPooling2D

    missing = set(INCEPTION_3A) - set(filters)
    if missing:
        raise ValueError(f"filters is missing {sorted(missing)}; it needs the keys {list(INCEPTION_3A)}")
    ### BEGIN SOLUTION
    # branch 1: a 1x1 convolution
    b1 = Conv2D(filters["1x1"], 1, padding="same", activation="relu", name=f"{name}_1x1")(X)
    # branch 2: a 1x1 bottleneck, then the 3x3 convolution
    b2 = Conv2D(filters["3x3_reduce"], 1, padding="same", activation="relu", name=f"{name}_3x3_reduce")(X)
    b2 = Conv2D(filters["3x3"], 3, padding="same", activation="relu", name=f"{name}_3x3")(b2)
    # branch 3: a 1x1 bottleneck, then the 5x5 convolution
    b3 = Conv2D(filters["5x5_reduce"], 1, padding="same", activation="relu", name=f"{name}_5x5_reduce")(X)
    b3 = Conv2D(filters["5x5"], 5, padding="same", activation="relu", name=f"{name}_5x5")(b3)
    # branch 4: a 3x3 max pool that keeps the size (stride 1, "same"), then a 1x1 convolution
    b4 = MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(X)
    b4 = Conv2D(filters["pool_proj"], 1, padding="same", activation="relu", name=f"{name}_pool_proj")(b4)
    # stack the four branches along the channel axis
    X = Concatenate(axis=-1, name=f"{name}_concat")([b1, b2, b3, b4])
    ### END SOLUTION
    return X


def inception_model(input_shape: Sequence[int] = (28, 28, 192), filters: dict[str, int] = INCEPTION_3A):
    """One inception module as a keras.Model (input (m, *input_shape)), to build, count and run.

    Its output is float32 under mixed precision too (a parameter-free float32 cast after the concatenation).
    """
    import keras

    inputs = keras.Input(tuple(input_shape))
    X = inception_module(inputs, filters)
    output = keras.layers.Activation("linear", dtype="float32", name="output_float32")(X)
    return keras.Model(inputs, output, name="inception_module")


def bottleneck_net(input_shape: Sequence[int] = (8, 8, 1), n_classes: int = 10, stem: int = 64,
                   width: int | None = 16, f: int = 5, filters: int = 32, name: str | None = None):
    """A small classifier around one expensive conv, with or without a 1x1 bottleneck in front of it:
    CONV 3x3 same (stem) -> ReLU -> [CONV 1x1 (width) -> ReLU] -> CONV fxf same (filters) -> ReLU ->
    global average pooling -> softmax.

    width=None leaves the bottleneck out (the direct fxf conv on the stem's channels). The multiplies of the
    part the bottleneck changes are ``bottleneck_multiplies(n_H, n_W, stem, f, filters, width)``.
    Returns: an uncompiled keras.Model mapping (m, *input_shape) to (m, n_classes).
    """
    import keras

    L = keras.layers
    stem, f, filters = check_positive_int(stem, "stem"), check_positive_int(f, "f"), check_positive_int(filters, "filters")
    inputs = keras.Input(tuple(input_shape))
    X = L.Conv2D(stem, 3, padding="same", activation="relu", name="stem")(inputs)
    if width is not None:
        X = L.Conv2D(check_positive_int(width, "width"), 1, activation="relu", name="bottleneck")(X)
    X = L.Conv2D(filters, f, padding="same", activation="relu", name=f"conv{f}x{f}")(X)
    X = L.GlobalAveragePooling2D()(X)
    return keras.Model(inputs, _softmax_head(X, n_classes), name=name or f"bottleneck_{width or 'none'}")


# --- transfer learning -----------------------------------------------------------------------------------

def feature_extractor(input_shape: Sequence[int] = (16, 16, 1), filters: Sequence[int] = (16, 32),
                      batch_norm: bool = True, flatten: bool = False, name: str = "features"):
    """A small convolutional base [CONV 3x3 -> (BN) -> ReLU -> MAXPOOL 2] x len(filters), then global average
    pooling (or FLATTEN with ``flatten=True``, which keeps where in the image a feature was found).

    Returns: a keras.Model mapping (m, *input_shape) to features (m, n_features); reuse it in ``with_head``.
    The features are float32 under mixed precision too (the last layer computes in float32).
    """
    import keras

    L = keras.layers
    inputs = keras.Input(tuple(input_shape))
    x = inputs
    for i, n in enumerate(filters, start=1):
        x = L.Conv2D(n, 3, padding="same", name=f"{name}_conv{i}")(x)
        if batch_norm:
            x = _bn(L, name=f"{name}_bn{i}")(x)
        x = L.Activation("relu")(x)
        x = L.MaxPooling2D(2, name=f"{name}_pool{i}")(x)
    x = L.Flatten(dtype="float32")(x) if flatten else L.GlobalAveragePooling2D(dtype="float32")(x)
    return keras.Model(inputs, x, name=name)


def with_head(base, n_classes: int, trainable_base: bool = True, name: str = "classifier"):
    """Put a new softmax head on a (possibly pre-trained) base; freeze the base with trainable_base=False.

    Inputs: base, a keras.Model from inputs to features; n_classes. Returns: an uncompiled keras.Model.
    When the base is frozen it also runs in inference mode (BatchNormalization uses its stored statistics).
    """
    import keras

    base.trainable = trainable_base
    inputs = keras.Input(base.input_shape[1:] if hasattr(base, "input_shape") else base.inputs[0].shape[1:])
    features = base(inputs, training=None if trainable_base else False)
    return keras.Model(inputs, _softmax_head(features, n_classes, name=f"{name}_out"), name=name)


# --- describing ----------------------------------------------------------------------------------------

def layer_table(model, skip_zero: bool = False) -> list[tuple[str, tuple, int]]:
    """(name, output shape without the batch axis, parameter count) of every layer after the input.

    skip_zero: leave out layers without parameters (activations, pooling, flatten).
    """
    rows = []
    for layer in model.layers:
        if layer.__class__.__name__ == "InputLayer":
            continue
        n = int(layer.count_params())
        if skip_zero and n == 0:
            continue
        rows.append((layer.name, tuple(layer.output.shape[1:]), n))
    return rows


def describe_layers(model, skip_zero: bool = False) -> str:
    """A printable table of ``layer_table(model)`` with the total, e.g. for a notebook's checked output."""
    rows = layer_table(model, skip_zero)
    width = max([len(r[0]) for r in rows] + [5])
    lines = [f"{'layer':{width}s}  {'output shape':>16s}  {'parameters':>12s}"]
    lines += [f"{name:{width}s}  {str(shape):>16s}  {n:12,d}" for name, shape, n in rows]
    lines.append(f"{'total':{width}s}  {'':>16s}  {int(model.count_params()):12,d}")
    return "\n".join(lines)


# --- drawing ---------------------------------------------------------------------------------------------

def plot_filters(W, title: str = "Filters", channel: int | None = None, ncols: int = 8, size: float = 1.3):
    """Draw conv filters W of shape (f, f, n_C_prev, n_C), one panel per filter, on one symmetric colour scale
    (red positive, blue negative, white zero), so the filters can be compared.

    channel: the input channel to show (default: the mean over input channels; RGB filters of 3 channels are
    shown in colour, rescaled to [0, 1]). Returns the matplotlib figure.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 4:
        raise ValueError(f"W must have shape (f, f, n_C_prev, n_C), got {W.shape}")
    n_C = W.shape[3]
    ncols = max(1, min(ncols, n_C))
    nrows = int(np.ceil(n_C / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.5), squeeze=False)
    colour = channel is None and W.shape[2] == 3
    lim = np.abs(W).max() or 1.0
    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n_C:
            continue
        if colour:
            ax.imshow((W[:, :, :, i] / lim + 1) / 2)
        else:
            img = W[:, :, :, i].mean(axis=2) if channel is None else W[:, :, channel, i]
            ax.imshow(img, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"filter {i}", fontsize=8, fontweight="normal")
    fig.suptitle(title, fontweight="bold")
    return fig


def feature_maps(model, x, layer_names: Sequence[str]) -> dict:
    """The outputs of the named layers of ``model`` on the batch ``x``, in one forward pass.

    Inputs: model, a built keras.Model; x, a batch (m, *input_shape); layer_names, names of its layers.
    Returns: {name: numpy array (m, *layer output shape)}.
    """
    import keras
    import numpy as np

    names = list(layer_names)
    known = [layer.name for layer in model.layers]
    missing = [n for n in names if n not in known]
    if missing:
        raise ValueError(f"the model has no layer {missing}; its layers are {known}")
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    probe = keras.Model(inputs, [model.get_layer(n).output for n in names])
    outs = probe(np.asarray(x, dtype=np.float32), training=False)  # a direct call: no tf.function to retrace
    outs = outs if isinstance(outs, (list, tuple)) else [outs]
    return {name: np.asarray(out) for name, out in zip(names, outs)}
