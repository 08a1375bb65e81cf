"""Median wall-clock timing with warm-up."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable[[], object], repeat: int = 7, warmup: int = 1, min_time: float = 0.0) -> float:
    """Median seconds of ``fn()`` over ``repeat`` runs after ``warmup`` runs.

    With ``min_time`` > 0, each run loops ``fn`` until at least that long passed and reports the mean
    per call (for functions much faster than the clock's resolution).
    """
    if repeat < 1:
        raise ValueError(f"repeat must be >= 1, got {repeat}")
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        samples.append(elapsed / n)
    return statistics.median(samples)
