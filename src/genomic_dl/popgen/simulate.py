"""Coalescent simulation of neutral and partial-sweep haplotype samples with msprime.

One call simulates a *shard*: ``n_replicates`` independent regions of one scenario at one
selection strength ``S = 2 Ne s_het`` (fixed, or drawn per replicate from a uniform prior). The
result is the concatenated-sites format read by :mod:`genomic_dl.popgen.images` and written by
every engine (:mod:`genomic_dl.popgen.slim_engine` too):

``genotypes``
    uint8 (n_haplotypes, total_sites), 0 = ancestral, 1 = derived; replicate ``i`` owns columns
    ``offsets[i]:offsets[i + 1]``.
``offsets``
    int64 (n_replicates + 1,).
``positions``
    float64 (total_sites,), base pairs from the start of the region.
``haplotype_population``
    int8 (n_haplotypes,), each row's index into ``metadata["populations"]``.
``selection_coefficient``
    float64 (n_replicates,), S of each replicate (2 Ne s_het).
``sweep_frequency``
    float64 (n_replicates,), present-day frequency of the selected allele (NaN if neutral).
``fixed_generations_ago``
    float64 (n_replicates,), generations since fixation (NaN if not fixed or neutral).
``replicate_seed``
    int64 (n_replicates,), the msprime seed of each replicate (ancestry; mutations use seed + 1
    modulo the seed range), so any replicate can be re-simulated alone (for a sweep whose
    trajectory was redrawn, the seed that was used).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any

import msprime
import numpy as np

from genomic_dl.io import save_arrays
from genomic_dl.popgen.demography import GRAVEL_POPULATIONS, POPULATION, build_demography, gravel2011, size_at
from genomic_dl.popgen.scenarios import selection_start_frequency
from genomic_dl.popgen.trajectory import forward_sweeps
from genomic_dl.seeds import MAX_SEED

#: Redraws of a sweep trajectory that crossed a demographic event before giving up.
MAX_SWEEP_REDRAWS = 50

logger = logging.getLogger(__name__)

ARRAY_KEYS = (
    "genotypes",
    "offsets",
    "positions",
    "haplotype_population",
    "selection_coefficient",
    "sweep_frequency",
    "fixed_generations_ago",
    "replicate_seed",
)


_UNIFORM = re.compile(r"^U(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$")


def parse_strength(text: str) -> float | tuple[float, float]:
    """Parse the ``S`` wildcard: ``"200"`` -> 200.0; ``"U0-400"`` -> the uniform prior (0.0, 400.0)."""
    match = _UNIFORM.match(str(text))
    if match:
        low, high = float(match.group(1)), float(match.group(2))
        if not low < high:
            raise ValueError(f"selection strength prior '{text}': expected U<low>-<high> with low < high")
        return low, high
    try:
        return float(text)
    except ValueError:
        raise ValueError(
            f"selection strength '{text}': expected a number (e.g. 200) or a uniform prior U<low>-<high> (e.g. U0-400)"
        ) from None


def selection_coefficients(S: float | np.ndarray, reference_size: float) -> tuple[Any, Any]:
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
        start_frequency=selection_start_frequency(scenario),
        end_frequency=end_frequency,
        s=s_hom,
        dt=selection["sweep_dt"],
    )
    models: list[Any] = []
    if np.isfinite(fixed_ago) and fixed_ago > 0:
        models.append(msprime.StandardCoalescent(duration=float(fixed_ago)))
    models += [sweep, msprime.StandardCoalescent()]
    return models


def _sampling(scenario: dict) -> tuple[msprime.Demography, list[msprime.SampleSet], list[str]]:
    """Demography, sample sets (in row order) and population names of a scenario."""
    if scenario["model"] == "single_population":
        demography = build_demography(scenario["epochs"])
        samples = [msprime.SampleSet(scenario["n_haplotypes"] // 2, population=POPULATION, ploidy=2)]
        return demography, samples, [POPULATION]
    if scenario["model"] == "gravel2011":
        demography = gravel2011(scenario["gravel2011"])
        samples = [
            msprime.SampleSet(scenario["diploids_per_population"], population=name, ploidy=2)
            for name in GRAVEL_POPULATIONS
        ]
        return demography, samples, list(GRAVEL_POPULATIONS)
    raise ValueError(f"scenario 'model': unknown model '{scenario['model']}'; expected single_population or gravel2011")


def _simulate_region(
    scenario: dict, demography: msprime.Demography, samples: list, models: Any, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """One replicate: (genotypes uint8 (n_haplotypes, sites), positions float64 (sites,))."""
    ancestry = msprime.sim_ancestry(
        samples=samples,
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
    return genotypes, np.array(mutated.tables.sites.position)  # a copy: a view keeps the tables alive


def _simulate_replicate(
    scenario: dict, demography: msprime.Demography, samples: list, models: Any, seed: int
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """:func:`_simulate_region`, redrawing a sweep whose trajectory runs into a demographic event.

    msprime draws the sweep's trajectory backwards with a random duration and cannot run a sweep
    across a size change. For weak selection (small S of the uniform prior) that duration can
    reach back past the next epoch boundary, although selection started ``start_generations_ago``;
    such a trajectory is redrawn with a new seed derived from the replicate's (so sweeps are
    conditioned on ending before the next demographic event). Returns genotypes, positions, the
    seed that produced them and the number of redraws.
    """
    for redraws in range(MAX_SWEEP_REDRAWS + 1):
        try:
            genotypes, positions = _simulate_region(scenario, demography, samples, models, seed)
            return genotypes, positions, seed, redraws
        except msprime._msprime.LibraryError as error:
            if models is None or "during a sweep" not in str(error):
                raise
            seed = int(np.random.SeedSequence([seed, redraws]).generate_state(1)[0]) % (MAX_SEED - 1) + 1
    raise RuntimeError(
        f"sweep trajectory crossed a demographic event in {MAX_SWEEP_REDRAWS + 1} draws; "
        "selection too weak for the scenario's epochs?"
    )


def _draw_strengths(rng: np.random.Generator, S: float | tuple[float, float], n: int) -> np.ndarray:
    if isinstance(S, tuple):
        return rng.uniform(S[0], S[1], size=n)
    return np.full(n, float(S))


def simulate_shard(
    scenario: dict, S: float | tuple[float, float], n_replicates: int, seed: int, *, progress_every: int = 200
) -> tuple[dict[str, np.ndarray], dict]:
    """Simulate ``n_replicates`` regions of ``scenario`` under selection strength ``S``.

    Parameters
    ----------
    scenario
        A ``simulation.scenarios`` entry of the config with ``engine: msprime``: model
        ``single_population`` (``n_haplotypes``, ``epochs``, ``selection``) or ``gravel2011``
        (``diploids_per_population``, ``gravel2011``; neutral only), plus ``sequence_length``
        (bp), ``mutation_rate`` and ``recombination_rate`` (per bp per generation) and
        ``reference_size`` (Ne of S = 2 Ne s).
    S
        Scaled selection coefficient 2 Ne s_het (0 = neutral), or ``(low, high)``: each
        replicate draws its S uniformly from that range (ImaGene's continuous prior); see
        :func:`parse_strength`.
    n_replicates, seed
        Shard size and the shard's seed (from :func:`genomic_dl.seeds.derive_seed`).

    Returns
    -------
    (arrays, metadata): ``arrays`` holds :data:`ARRAY_KEYS` (see the module docstring);
    ``metadata`` records the scenario, S, seed, population names and msprime version.

    With ``S > 0`` the present-day frequency of the selected allele of each replicate is drawn
    from a forward Wright-Fisher trajectory (:func:`.trajectory.forward_sweeps`) started
    ``start_generations_ago`` at the start frequency (``selection.start_frequency``, or
    ``initial_copies`` / 2N: :func:`.scenarios.selection_start_frequency`); the coalescent then
    follows msprime's structured sweep from that frequency back to the start frequency. Lineages
    still in the selected background there continue in the neutral coalescent, so the sweep
    descends from at most that many independent copies: one copy gives a hard sweep, a higher
    start frequency a soft sweep on standing variation (the papers' 1% start is of this kind).
    A trajectory that fixed ``g`` generations ago gets ``g`` generations of neutral coalescent first. A trajectory that
    drifted to or below the start frequency leaves no sweep signature and is simulated neutrally
    (its frequency is still recorded).
    """
    lowest = S[0] if isinstance(S, tuple) else S
    if lowest < 0:
        raise ValueError(f"selection strength S must be >= 0, got {S}")
    if n_replicates < 1:
        raise ValueError(f"n_replicates must be >= 1, got {n_replicates}")
    if scenario.get("engine", "msprime") != "msprime":
        raise ValueError(f"scenario engine is '{scenario['engine']}'; simulate_shard runs the msprime engine")
    with_selection = isinstance(S, tuple) or S > 0
    if with_selection and scenario["model"] != "single_population":
        raise ValueError(
            f"sweeps under model '{scenario['model']}' need the slim engine; msprime simulates it neutrally only (S = 0)"
        )
    rng = np.random.default_rng(seed)
    demography, samples, populations = _sampling(scenario)
    replicate_seeds = rng.integers(1, MAX_SEED, size=n_replicates, dtype=np.int64)
    strengths = _draw_strengths(rng, S, n_replicates)
    frequency = np.full(n_replicates, np.nan)
    fixed_ago = np.full(n_replicates, np.nan)
    if with_selection:
        selection = scenario["selection"]
        start_frequency = selection_start_frequency(scenario)
        _, s_hom = selection_coefficients(strengths, scenario["reference_size"])
        outcome = forward_sweeps(
            rng,
            n_replicates,
            s_hom=s_hom,
            dominance=selection["dominance"],
            start_frequency=start_frequency,
            generations=int(selection["start_generations_ago"]),
            epochs=scenario["epochs"],
        )
        frequency, fixed_ago = outcome.frequency, outcome.fixed_generations_ago
        highest = 1.0 - 1.0 / (2.0 * float(size_at(scenario["epochs"], 0.0)))
    genotype_blocks, position_blocks = [], []
    redrawn = 0
    started = time.perf_counter()
    for index in range(n_replicates):
        models: Any = None
        if with_selection and frequency[index] > start_frequency:
            end_frequency = min(frequency[index], highest)
            models = _ancestry_models(scenario, end_frequency, fixed_ago[index], s_hom[index])
        genotypes, positions, replicate_seeds[index], redraws = _simulate_replicate(
            scenario, demography, samples, models, int(replicate_seeds[index])
        )
        redrawn += redraws
        genotype_blocks.append(genotypes)
        position_blocks.append(positions)
        if (index + 1) % progress_every == 0 or index + 1 == n_replicates:
            elapsed = time.perf_counter() - started
            logger.info("S=%s: %d/%d replicates (%.0f/s)", S, index + 1, n_replicates, (index + 1) / elapsed)
    widths = np.array([block.shape[1] for block in genotype_blocks], dtype=np.int64)
    arrays = {
        "genotypes": np.concatenate(genotype_blocks, axis=1),
        "offsets": np.concatenate([[0], np.cumsum(widths)]).astype(np.int64),
        "positions": np.concatenate(position_blocks),
        "haplotype_population": np.repeat(
            np.arange(len(samples), dtype=np.int8), [s.num_samples * s.ploidy for s in samples]
        ),
        "selection_coefficient": strengths,
        "sweep_frequency": frequency,
        "fixed_generations_ago": fixed_ago,
        "replicate_seed": replicate_seeds,
    }
    metadata = {
        "engine": "msprime",
        "engine_version": msprime.__version__,
        "scenario": scenario,
        "selection_coefficient": list(S) if isinstance(S, tuple) else float(S),
        "populations": populations,
        "seed": int(seed),
        "n_replicates": int(n_replicates),
        "sweep_trajectories_redrawn": int(redrawn),
    }
    return arrays, metadata


def simulate_to_file(
    simulator: Callable[..., tuple[dict[str, np.ndarray], dict]],
    scenario_name: str,
    scenario: dict,
    strength: str,
    n_replicates: int,
    seed: int,
    path: str | os.PathLike,
) -> None:
    """Run ``simulator`` (this module's :func:`simulate_shard` or the SLiM engine's) for one shard
    and write it atomically to ``path``; ``strength`` is the ``S`` wildcard (see :func:`parse_strength`)."""
    arrays, metadata = simulator(scenario, S=parse_strength(strength), n_replicates=n_replicates, seed=seed)
    metadata["scenario_name"] = scenario_name
    save_arrays(path, metadata, **arrays)
    logger.info("wrote %d replicates to %s", n_replicates, path)
