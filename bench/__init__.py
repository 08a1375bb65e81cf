"""Benchmarks for the workbook (``make bench`` = ``python -m bench``).

Sections: ``notebooks`` (each notebook's time and peak memory in a fresh kernel, kernel-side widget
latency, the course numbers the notebooks record), ``kernels`` (from-scratch numpy vs TensorFlow and
PyTorch, loop vs vectorized). Every comparison is a ratio measured in the same run. The report goes to
``BENCHMARKS.md``, ``bench/results/*.png`` and ``bench/results/results-<cpu|gpu>.json``.
"""
