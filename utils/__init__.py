"""Shared helpers for the DIY FaceApp workbook.

Topic modules (import what you need; none of them imports TensorFlow or torch at import time):

- ``utils.notebook``: the uniform first cell (``setup``) and notebook tooling (pairing, refresh, index).
- ``utils.reproducibility``: ``set_seed`` for Python, numpy, TensorFlow and torch.
- ``utils.validation``: input checks with clear errors, ``DivergenceError``.
- ``utils.gradcheck``: ``rel_error`` and the one numerical-gradient checker every backward is tested with.
- ``utils.plotting``: the workbook's figure style, decision boundaries, cost curves, image grids.
- ``utils.data``: offline datasets (faces vs non-faces, digits, photos, planar flower, circles, moons).
- ``utils.widgets``: ``SliderPanel``, a slider panel that redraws one figure and shows messages, not tracebacks.
- ``utils.device``: CPU/GPU report, the ``tf.distribute`` strategy, mixed precision on GPU only.
- ``utils.results``: numbers notebooks record for the benchmark's "course numbers reproduced" table.

Course 1 (examples are columns, X of shape (n_x, m)): ``activations``, ``logistic`` (week 2),
``shallow_nn`` (week 3), ``deep_nn`` (week 4).
Course 2: ``initialization``, ``regularization``, ``gradient_checking``, ``optimizers``, ``loss_surfaces``,
``batchnorm``, ``softmax``.
Course 3: ``metrics``, ``strategy``.
Course 4 (examples first, channels last, (m, n_H, n_W, n_C)): ``conv`` (numpy convolution and pooling),
``training`` (the device-aware Keras training helper, gradient norms per layer), ``cnn_models``,
``cnn_costs`` (per-layer parameters and multiply-adds of LeNet-5 / AlexNet / VGG), ``detection``, ``scenes``,
``face_verification``.
PyTorch blitz: ``cifar`` (CIFAR-10 binary reader, offline stand-in), ``torch_nets``.
Capstone: ``faceapp``.
"""

__version__ = "0.1.0"
