"""Process-parallel map over independent chunks of regions (one job's threads on one node).

The summary statistics and the image standardisation of a Cecil & Sugden data set treat every
region on its own; at the papers' size (100,000 regions per data set) one process takes about
12 minutes for the statistics and 3 for resized images, so the job's ``threads`` are used as
worker processes. Results are returned in input order, so the output does not depend on the
number of workers.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

import numpy as np

Result = TypeVar("Result")

__all__ = ["chunk_bounds", "process_map", "region_slices"]


def chunk_bounds(n_items: int, chunk_size: int) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` index ranges of at most ``chunk_size`` covering ``n_items``."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    return [(start, min(start + chunk_size, n_items)) for start in range(0, n_items, chunk_size)]


def process_map(function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]], workers: int) -> list[Result]:
    """``[function(*a) for a in arguments]``, in ``workers`` forked processes when ``workers > 1``.

    ``function`` must be a module-level function and its arguments picklable (numpy arrays are).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if workers == 1 or len(arguments) <= 1:
        return [function(*a) for a in arguments]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=min(workers, len(arguments)), mp_context=context) as pool:
        futures = [pool.submit(function, *a) for a in arguments]
        return [future.result() for future in futures]


def region_slices(offsets: np.ndarray, start: int, stop: int) -> tuple[slice, np.ndarray]:
    """Columns of regions ``start:stop`` in the concatenated-sites layout and their local offsets."""
    first, last = int(offsets[start]), int(offsets[stop])
    return slice(first, last), np.asarray(offsets[start : stop + 1]) - first
