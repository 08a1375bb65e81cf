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
"""

__version__ = "0.1.0"
