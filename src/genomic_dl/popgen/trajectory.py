"""Forward-time Wright-Fisher trajectories of a selected allele.

Used to draw the present-day frequency of an allele that started selection ``generations`` ago at
``start_frequency`` (ImaGene / Cecil & Sugden: 600 generations, 1%), so that the coalescent sweep
simulated backwards ends at a frequency the forward process actually reaches: mostly partial
sweeps at the papers' parameters, not complete ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from genomic_dl.popgen.demography import size_at


@dataclass(frozen=True)
class SweepOutcome:
    """Present-day state of ``n`` forward trajectories.

    Attributes
    ----------
    frequency
        float64 (n,): frequency of the selected allele today (1.0 when fixed).
    fixed_generations_ago
        float64 (n,): generations since fixation (NaN when not fixed).
    """

    frequency: np.ndarray
    fixed_generations_ago: np.ndarray


def selection_step(p: np.ndarray, s_hom: float, dominance: float) -> np.ndarray:
    """Allele frequency after one round of viability selection (before drift).

    Genotype fitnesses: 1 + s_hom (AA), 1 + dominance * s_hom (Aa), 1 (aa).
    """
    q = 1.0 - p
    w_het = 1.0 + dominance * s_hom
    w_hom = 1.0 + s_hom
    mean_fitness = p * p * w_hom + 2.0 * p * q * w_het + q * q
    return (p * p * w_hom + p * q * w_het) / mean_fitness


def forward_sweeps(
    rng: np.random.Generator,
    n: int,
    *,
    s_hom: float | np.ndarray,
    dominance: float,
    start_frequency: float,
    generations: int,
    epochs: Sequence[dict],
    max_restarts: int = 100_000,
) -> SweepOutcome:
    """Simulate ``n`` independent Wright-Fisher trajectories forward over ``generations``.

    Each generation: selection (:func:`selection_step`) then binomial sampling of ``2 N(t)``
    gene copies, with ``N(t)`` the diploid size of ``epochs`` at that time. Trajectories in which
    the allele is lost are restarted (conditioning on survival, as a forward simulator that
    "restarts when lost" does). ``s_hom`` is a scalar or one value per trajectory (n,).
    Vectorised over trajectories.
    """
    if not 0 < start_frequency < 1:
        raise ValueError(f"start_frequency must lie in (0, 1), got {start_frequency}")
    if generations < 1:
        raise ValueError(f"generations must be >= 1, got {generations}")
    s_hom = np.broadcast_to(np.asarray(s_hom, dtype=float), (n,))
    copies = 2 * np.rint(size_at(epochs, np.arange(generations, 0, -1) - 1)).astype(np.int64)
    frequency = np.empty(n)
    fixed_at = np.full(n, np.nan)
    pending = np.arange(n)
    for _ in range(max_restarts):
        p = np.full(pending.size, start_frequency)
        fix_generation = np.full(pending.size, np.nan)
        for generation, two_n in enumerate(copies):
            p = rng.binomial(two_n, selection_step(p, s_hom[pending], dominance)) / two_n
            newly_fixed = (p == 1.0) & np.isnan(fix_generation)
            fix_generation[newly_fixed] = generation + 1
            if not p.any():
                break  # every pending trajectory was lost: restart them at once
        lost = p == 0.0
        keep = ~lost
        frequency[pending[keep]] = p[keep]
        fixed_at[pending[keep]] = generations - fix_generation[keep]
        pending = pending[lost]
        if pending.size == 0:
            return SweepOutcome(frequency=frequency, fixed_generations_ago=fixed_at)
    raise RuntimeError(f"selected allele lost in {max_restarts} restarts; check s and start_frequency")
