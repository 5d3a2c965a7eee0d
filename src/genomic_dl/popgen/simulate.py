"""Coalescent simulation of neutral and partial-sweep haplotype samples with msprime.

One call simulates a *shard*: ``n_replicates`` independent regions for one scenario and one
selection strength ``S = 2 Ne s_het``. The result is the concatenated-sites format read by
:mod:`genomic_dl.popgen.images`:

``genotypes``
    uint8 (n_haplotypes, total_sites), 0 = ancestral, 1 = derived; replicate ``i`` owns columns
    ``offsets[i]:offsets[i + 1]``.
``offsets``
    int64 (n_replicates + 1,).
``positions``
    float64 (total_sites,), base pairs from the start of the region.
``selection_coefficient``
    float64 (n_replicates,), S of each replicate (2 Ne s_het).
``sweep_frequency``
    float64 (n_replicates,), present-day frequency of the selected allele (NaN if neutral).
``fixed_generations_ago``
    float64 (n_replicates,), generations since fixation (NaN if not fixed or neutral).
``replicate_seed``
    int64 (n_replicates,), the msprime seed of each replicate (ancestry; mutations use seed + 1
    modulo the seed range), so any replicate can be re-simulated alone.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import msprime
import numpy as np

from genomic_dl.popgen.demography import build_demography, size_at
from genomic_dl.popgen.trajectory import forward_sweeps
from genomic_dl.seeds import MAX_SEED

logger = logging.getLogger(__name__)

ARRAY_KEYS = (
    "genotypes",
    "offsets",
    "positions",
    "selection_coefficient",
    "sweep_frequency",
    "fixed_generations_ago",
    "replicate_seed",
)


def selection_coefficients(S: float, reference_size: float) -> tuple[float, float]:
    """Return ``(s_het, s_hom)`` for ``S = 2 Ne s_het`` with additive fitness (s_hom = 2 s_het).

    msprime's :class:`~msprime.SweepGenicSelection` takes ``s = s_hom`` (fitnesses 1, 1 + s/2,
    1 + s).
    """
    s_het = S / (2.0 * reference_size)
    return s_het, 2.0 * s_het


def _ancestry_models(scenario: dict, end_frequency: float, fixed_ago: float, s_hom: float) -> list:
    """msprime model list: [neutral since fixation], sweep back to the start frequency, coalescent."""
    selection = scenario["selection"]
    sweep = msprime.SweepGenicSelection(
        position=scenario["sequence_length"] / 2,
        start_frequency=selection["start_frequency"],
        end_frequency=end_frequency,
        s=s_hom,
        dt=selection["sweep_dt"],
    )
    models: list[Any] = []
    if np.isfinite(fixed_ago) and fixed_ago > 0:
        models.append(msprime.StandardCoalescent(duration=float(fixed_ago)))
    models += [sweep, msprime.StandardCoalescent()]
    return models


def _simulate_region(scenario: dict, demography: msprime.Demography, models: Any, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One replicate: (genotypes uint8 (n_haplotypes, sites), positions float64 (sites,))."""
    ploidy = 2
    ancestry = msprime.sim_ancestry(
        samples=scenario["n_haplotypes"] // ploidy,
        ploidy=ploidy,
        demography=demography,
        sequence_length=scenario["sequence_length"],
        recombination_rate=scenario["recombination_rate"],
        model=models,
        random_seed=seed,
    )
    mutated = msprime.sim_mutations(
        ancestry,
        rate=scenario["mutation_rate"],
        model=msprime.BinaryMutationModel(),
        discrete_genome=False,  # infinite sites, as msms
        random_seed=seed % MAX_SEED + 1,
    )
    genotypes = mutated.genotype_matrix().T.astype(np.uint8, copy=False)
    return genotypes, mutated.tables.sites.position


def simulate_shard(
    scenario: dict, S: float, n_replicates: int, seed: int, *, progress_every: int = 200
) -> tuple[dict[str, np.ndarray], dict]:
    """Simulate ``n_replicates`` regions of ``scenario`` under selection strength ``S``.

    Parameters
    ----------
    scenario
        A ``simulation.scenarios`` entry of the config: ``n_haplotypes``, ``sequence_length``
        (bp), ``mutation_rate`` and ``recombination_rate`` (per bp per generation),
        ``reference_size`` (Ne of S = 2 Ne s), ``epochs`` (see :mod:`.demography`) and
        ``selection`` (``start_generations_ago``, ``start_frequency``, ``dominance``,
        ``sweep_dt``).
    S
        Scaled selection coefficient 2 Ne s_het; 0 gives neutral replicates.
    n_replicates, seed
        Shard size and the shard's seed (from :func:`genomic_dl.seeds.derive_seed`).

    Returns
    -------
    (arrays, metadata): ``arrays`` holds :data:`ARRAY_KEYS` (see the module docstring);
    ``metadata`` records the scenario, S, seed and msprime version.

    With ``S > 0`` the present-day frequency of the selected allele of each replicate is drawn
    from a forward Wright-Fisher trajectory (:func:`.trajectory.forward_sweeps`) started
    ``start_generations_ago`` at ``start_frequency``; the coalescent then follows msprime's
    structured sweep from that frequency back to ``start_frequency``. A trajectory that fixed
    ``g`` generations ago gets ``g`` generations of neutral coalescent first. A trajectory that
    drifted to or below the start frequency leaves no sweep signature and is simulated neutrally
    (its frequency is still recorded).
    """
    if S < 0:
        raise ValueError(f"selection strength S must be >= 0, got {S}")
    if n_replicates < 1:
        raise ValueError(f"n_replicates must be >= 1, got {n_replicates}")
    rng = np.random.default_rng(seed)
    demography = build_demography(scenario["epochs"])
    replicate_seeds = rng.integers(1, MAX_SEED, size=n_replicates, dtype=np.int64)
    frequency = np.full(n_replicates, np.nan)
    fixed_ago = np.full(n_replicates, np.nan)
    if S > 0:
        selection = scenario["selection"]
        s_het, s_hom = selection_coefficients(S, scenario["reference_size"])
        outcome = forward_sweeps(
            rng,
            n_replicates,
            s_hom=s_hom,
            dominance=selection["dominance"],
            start_frequency=selection["start_frequency"],
            generations=int(selection["start_generations_ago"]),
            epochs=scenario["epochs"],
        )
        frequency, fixed_ago = outcome.frequency, outcome.fixed_generations_ago
        two_n_now = 2.0 * float(size_at(scenario["epochs"], 0.0))
        highest = 1.0 - 1.0 / two_n_now
    genotype_blocks, position_blocks = [], []
    started = time.perf_counter()
    for index in range(n_replicates):
        models: Any = None
        if S > 0 and frequency[index] > scenario["selection"]["start_frequency"]:
            end_frequency = min(frequency[index], highest)
            models = _ancestry_models(scenario, end_frequency, fixed_ago[index], s_hom)
        genotypes, positions = _simulate_region(scenario, demography, models, int(replicate_seeds[index]))
        genotype_blocks.append(genotypes)
        position_blocks.append(positions)
        if (index + 1) % progress_every == 0 or index + 1 == n_replicates:
            elapsed = time.perf_counter() - started
            logger.info("S=%g: %d/%d replicates (%.0f/s)", S, index + 1, n_replicates, (index + 1) / elapsed)
    widths = np.array([block.shape[1] for block in genotype_blocks], dtype=np.int64)
    arrays = {
        "genotypes": np.concatenate(genotype_blocks, axis=1),
        "offsets": np.concatenate([[0], np.cumsum(widths)]).astype(np.int64),
        "positions": np.concatenate(position_blocks),
        "selection_coefficient": np.full(n_replicates, float(S)),
        "sweep_frequency": frequency,
        "fixed_generations_ago": fixed_ago,
        "replicate_seed": replicate_seeds,
    }
    metadata = {
        "engine": "msprime",
        "engine_version": msprime.__version__,
        "scenario": scenario,
        "selection_coefficient": float(S),
        "seed": int(seed),
        "n_replicates": int(n_replicates),
    }
    return arrays, metadata
