"""Single-population demographic models built from the config.

A model is a list of epochs, each ``{"start": generations_ago, "size": diploid_size}``; the size
holds from ``start`` until the next epoch's start (the last epoch extends to the past). The
ImaGene/Cecil & Sugden three-epoch CEU model (Marth et al. 2004) is
``[{start: 0, size: 20000}, {start: 3000, size: 2000}, {start: 3500, size: 10000}]``.
"""

from __future__ import annotations

from typing import Sequence

import msprime
import numpy as np

POPULATION = "pop"


def validate_epochs(epochs: Sequence[dict]) -> None:
    """Raise ``ValueError`` unless epochs start at 0, increase strictly, and have positive sizes."""
    if not epochs:
        raise ValueError("demography 'epochs' is empty; expected at least one {start, size}")
    starts = [float(epoch["start"]) for epoch in epochs]
    if starts[0] != 0:
        raise ValueError(f"demography 'epochs': the first epoch must start at 0, got {starts[0]}")
    if any(b <= a for a, b in zip(starts, starts[1:])):
        raise ValueError(f"demography 'epochs': start times must increase strictly, got {starts}")
    sizes = [float(epoch["size"]) for epoch in epochs]
    if any(size <= 0 for size in sizes):
        raise ValueError(f"demography 'epochs': sizes must be positive, got {sizes}")


def build_demography(epochs: Sequence[dict]) -> msprime.Demography:
    """Return the msprime demography of one population named ``"pop"`` with these epochs."""
    validate_epochs(epochs)
    demography = msprime.Demography()
    demography.add_population(name=POPULATION, initial_size=float(epochs[0]["size"]))
    for epoch in epochs[1:]:
        demography.add_population_parameters_change(
            time=float(epoch["start"]), initial_size=float(epoch["size"]), population=POPULATION
        )
    return demography


def size_at(epochs: Sequence[dict], generations_ago: np.ndarray | float) -> np.ndarray:
    """Diploid population size at the given time(s) before present (vectorised)."""
    starts = np.array([float(epoch["start"]) for epoch in epochs])
    sizes = np.array([float(epoch["size"]) for epoch in epochs])
    index = np.searchsorted(starts, np.asarray(generations_ago, dtype=float), side="right") - 1
    return sizes[index]
