"""Forward simulation of de novo sweeps under the Gravel et al. (2011) model with SLiM.

One call of :func:`simulate_shard_slim` simulates a *shard* of ``n_replicates`` regions for one
``gravel2011`` scenario with a sweep (``engine: slim`` in the config) and one selection
strength ``S = 2 Ne s_het`` (fixed, or drawn per replicate from a uniform prior ``(low, high)``
as in the msprime engine). The arrays are those of the msprime engine
(:data:`genomic_dl.popgen.simulate.ARRAY_KEYS`, see :mod:`genomic_dl.popgen.simulate`):
``haplotype_population`` indexes ``metadata["populations"]`` (``["YRI", "CEU", "CHB"]``), rows
being YRI, CEU, CHB in that order, ``2 * diploids_per_population`` each;
``sweep_frequency`` is the present-day frequency of the beneficial allele in the focal
population (SLiM's population frequency, not the sample's), ``fixed_generations_ago`` the
generations since it last fixed there (NaN if it is not fixed).

Model (Cecil & Sugden 2023; ``src/genomic_dl/popgen/slim/gravel_sweep.slim``)
------------------------------------------------------------------------------
A new mutation at the centre of the region enters ``selection.initial_copies`` haplosome(s) of
``focal_population`` ``selection.start_generations_ago`` generations before present, with
fitness 1 + h s in heterozygotes and 1 + s in homozygotes, ``s = 2 s_het``,
``s_het = S / (2 reference_size)`` and ``h = selection.dominance``. Whenever it is lost from
every population, SLiM restores the state saved just after it arose (the count of restarts is
recorded in the metadata).

Forward / backward split
    SLiM simulates only the generations of the sweep: it starts ``start_generations_ago``
    generations before present with YRI, CEU and CHB at their Gravel sizes at that time
    (which must be after the CEU/CHB split, ``start_generations_ago < T_europe_asia``), with
    exponential growth of CEU and CHB and symmetric migration, and records the tree sequence.
    The ancestry of the founders is neutral, so it is added by *recapitation* (coalescent) with
    msprime under the full :func:`genomic_dl.popgen.demography.gravel2011` demography (the
    same object the msprime engine samples neutral Gravel replicates from): CEU/CHB growth
    back to ``T_europe_asia``, the OOA bottleneck and its migration with YRI, the
    out-of-Africa split, African growth and the ancestral size. Starting SLiM earlier (e.g. at
    ``T_out_of_africa``) would only add forward generations that are neutral anyway.

Cost
    Forward generations x population size dominate: 600 generations of YRI (14,474) + CEU
    (3,483 -> 34,039) + CHB (2,580 -> 45,852) diploids, about 26 million individual-generations
    per run, of which tree-sequence recording takes ~70% of SLiM's time (~10 s CPU without it,
    ~30 s with; simplification interval barely matters). Restarts are cheap: most losses happen
    within a few generations (a median of ~20 restarts for CEU, ~100-200 for YRI at S = 200).
    Sampling, recapitation, mutation and genotype extraction take ~0.2 s. Measured at S = 200
    with SLiM 5.1 on a shared 2-core machine: 45-55 s wall per CEU replicate, ~70 s per YRI
    replicate. The 80 kb region costs little: the sweep haplotype spans most of it anyway
    (r L T = 1e-8 x 8e4 x 600 ~ 0.5 crossovers per lineage).

Then the tree sequence is reduced (simplified, keeping the founders as roots) to
``diploids_per_population`` living individuals per population drawn at random, recapitated,
and neutral mutations are added by msprime at ``mutation_rate`` with
:class:`msprime.SLiMMutationModel` (the beneficial mutation stays). Only biallelic sites
segregating in the sample are kept; sites where mutations stack are dropped.

Seeds
    ``replicate_seed[i]`` is drawn from ``numpy.random.default_rng(seed)``; SLiM runs with
    ``-s replicate_seed[i]`` and the sampling, recapitation and mutation seeds are
    ``numpy.random.SeedSequence(replicate_seed[i]).generate_state(3)`` (each mapped into
    [1, 2**31 - 1]), so any replicate can be re-simulated alone.

SLiM (the ``slim`` executable) comes from conda-forge: the workflow's rule runs in
``envs/slim.yaml``. Without it :func:`simulate_shard_slim` raises ``RuntimeError`` before
doing anything.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import msprime
import numpy as np
import tskit

from genomic_dl.popgen.demography import GRAVEL_POPULATIONS, gravel2011
from genomic_dl.popgen.simulate import ARRAY_KEYS
from genomic_dl.seeds import MAX_SEED

logger = logging.getLogger(__name__)

#: The SLiM script (ours), run with ``slim -d NAME=value ... SCRIPT``.
SLIM_SCRIPT = Path(__file__).resolve().parent / "slim" / "gravel_sweep.slim"

#: The arrays of a shard: the same as the msprime engine's.
SLIM_ARRAY_KEYS = ARRAY_KEYS

GRAVEL_KEYS = (
    "N_ancestral",
    "N_africa",
    "N_out_of_africa",
    "N_europe_start",
    "N_asia_start",
    "growth_europe",
    "growth_asia",
    "m_africa_ooa",
    "m_africa_europe",
    "m_africa_asia",
    "m_europe_asia",
    "T_africa_growth",
    "T_out_of_africa",
    "T_europe_asia",
)
SCENARIO_KEYS = (
    "diploids_per_population",
    "sequence_length",
    "mutation_rate",
    "recombination_rate",
    "reference_size",
)
SELECTION_KEYS = ("start_generations_ago", "initial_copies", "dominance")

MISSING_SLIM = (
    "SLiM executable {slim!r} not found on PATH. SLiM is distributed through conda-forge, not "
    "PyPI: run the workflow with `snakemake --sdm conda` (the simulate_slim rule uses the conda "
    "env envs/slim.yaml), or install it with `conda install -c conda-forge slim`."
)


def validate_slim_scenario(scenario: dict, S: float | tuple[float, float]) -> None:
    """Raise ``ValueError`` naming the offending key unless ``scenario`` suits the SLiM engine."""
    if scenario.get("model") != "gravel2011":
        raise ValueError(f"SLiM engine: scenario 'model' must be 'gravel2011', got {scenario.get('model')!r}")
    for key in ("focal_population", "selection", "gravel2011", *SCENARIO_KEYS):
        if key not in scenario:
            raise ValueError(f"SLiM engine: scenario lacks '{key}'")
    if scenario["focal_population"] not in GRAVEL_POPULATIONS:
        raise ValueError(
            f"SLiM engine: 'focal_population' must be one of {list(GRAVEL_POPULATIONS)}, got {scenario['focal_population']!r}"
        )
    for key in SELECTION_KEYS:
        if key not in scenario["selection"]:
            raise ValueError(f"SLiM engine: scenario 'selection' lacks '{key}'")
    for key in GRAVEL_KEYS:
        if key not in scenario["gravel2011"]:
            raise ValueError(f"SLiM engine: scenario 'gravel2011' lacks '{key}'")
    lowest = S[0] if isinstance(S, tuple) else S
    if not lowest > 0:
        raise ValueError(
            f"SLiM engine: selection strength 'S' must be > 0 (neutral Gravel replicates come from msprime), got {S}"
        )
    selection, gravel = scenario["selection"], scenario["gravel2011"]
    start = int(selection["start_generations_ago"])
    if not 0 < start < int(gravel["T_europe_asia"]):
        raise ValueError(
            "SLiM engine: 'selection.start_generations_ago' must lie in (0, gravel2011.T_europe_asia) "
            f"= (0, {gravel['T_europe_asia']}); got {start}"
        )
    if int(selection["initial_copies"]) < 1:
        raise ValueError(f"SLiM engine: 'selection.initial_copies' must be >= 1, got {selection['initial_copies']}")
    if int(scenario["diploids_per_population"]) < 1:
        raise ValueError(
            f"SLiM engine: 'diploids_per_population' must be >= 1, got {scenario['diploids_per_population']}"
        )


def find_slim(slim: str = "slim") -> str:
    """Absolute path of the SLiM executable, or ``RuntimeError`` saying how to install it."""
    path = shutil.which(slim)
    if path is None:
        raise RuntimeError(MISSING_SLIM.format(slim=slim))
    return path


def slim_version(slim: str = "slim") -> str:
    """The version reported by ``slim -v`` (e.g. ``"5.1"``)."""
    result = subprocess.run([find_slim(slim), "-v"], capture_output=True, text=True, check=False)
    match = re.search(r"SLiM version ([0-9][0-9.]*)", result.stdout + result.stderr)
    if result.returncode != 0 or match is None:
        raise RuntimeError(
            f"could not read the SLiM version from `{slim} -v`: {(result.stdout + result.stderr).strip()}"
        )
    return match.group(1)


def _defines(scenario: dict, S: float, state_path: Path, output_path: Path) -> list[str]:
    """``-d NAME=value`` arguments of the SLiM script."""
    selection, g = scenario["selection"], scenario["gravel2011"]
    s_het = S / (2.0 * float(scenario["reference_size"]))
    integers = {
        "L": scenario["sequence_length"],
        "START_AGO": selection["start_generations_ago"],
        "INITIAL_COPIES": selection["initial_copies"],
        "FOCAL": GRAVEL_POPULATIONS.index(scenario["focal_population"]),
        "N_AFRICA": g["N_africa"],
        "N_EUROPE_START": g["N_europe_start"],
        "N_ASIA_START": g["N_asia_start"],
        "T_EUROPE_ASIA": g["T_europe_asia"],
    }
    floats = {
        "RECOMBINATION_RATE": scenario["recombination_rate"],
        "SEL_COEF": 2.0 * s_het,  # homozygote effect; heterozygotes get DOMINANCE * SEL_COEF
        "DOMINANCE": selection["dominance"],
        "GROWTH_EUROPE": g["growth_europe"],
        "GROWTH_ASIA": g["growth_asia"],
        "M_AFRICA_EUROPE": g["m_africa_europe"],
        "M_AFRICA_ASIA": g["m_africa_asia"],
        "M_EUROPE_ASIA": g["m_europe_asia"],
    }
    args = []
    for name, value in integers.items():
        if float(value) != int(value):
            raise ValueError(f"SLiM engine: {name} must be an integer, got {value}")
        args += ["-d", f"{name}={int(value)}"]
    for name, value in floats.items():
        args += ["-d", f"{name}={float(value)!r}"]
    for name, path in (("STATE_PATH", state_path), ("OUTPUT_PATH", output_path)):
        args += ["-d", f"{name}='{path}'"]
    return args


def _sub_seeds(replicate_seed: int) -> tuple[int, int, int]:
    """(sampling, recapitation, mutation) seeds of a replicate, each in [1, MAX_SEED]."""
    state = np.random.SeedSequence(int(replicate_seed)).generate_state(3, dtype=np.uint64)
    return tuple(int(value) % MAX_SEED + 1 for value in state)  # type: ignore[return-value]


def run_slim(slim_path: str, defines: list[str], seed: int) -> None:
    """Run the sweep script; ``RuntimeError`` with SLiM's stderr if it fails."""
    command = [slim_path, "-s", str(int(seed)), *defines, str(SLIM_SCRIPT)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"SLiM failed (exit {result.returncode}) running {SLIM_SCRIPT.name} with seed {seed}:\n"
            f"{result.stderr.strip()[-4000:]}\n{result.stdout.strip()[-1000:]}"
        )


def _sample_nodes(ts: tskit.TreeSequence, diploids: int, rng: np.random.Generator) -> np.ndarray:
    """Node ids of ``diploids`` random living individuals per population, YRI, CEU, CHB order."""
    import pyslim

    alive = pyslim.individuals_alive_at(ts, 0)
    populations = ts.individuals_population[alive]
    nodes = []
    for index, name in enumerate(GRAVEL_POPULATIONS):
        candidates = alive[populations == index]
        if len(candidates) < diploids:
            raise RuntimeError(f"SLiM output has {len(candidates)} living individuals in {name}, fewer than {diploids}")
        chosen = np.sort(rng.choice(candidates, size=diploids, replace=False))
        for individual in chosen:
            individual_nodes = ts.individual(individual).nodes
            if len(individual_nodes) != 2:
                raise RuntimeError(f"SLiM individual {individual} has {len(individual_nodes)} nodes, expected 2")
            nodes.extend(individual_nodes)
    return np.asarray(nodes, dtype=np.int32)


def _biallelic_genotypes(ts: tskit.TreeSequence) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 (n_samples, sites), positions) of biallelic sites segregating in the samples."""
    n = ts.num_samples
    columns, positions = [], []
    for variant in ts.variants():
        if len(variant.alleles) != 2 or variant.has_missing_data:
            continue
        genotypes = variant.genotypes
        derived = int(np.count_nonzero(genotypes))
        if 0 < derived < n:
            columns.append(genotypes.astype(np.uint8))
            positions.append(variant.site.position)
    if not columns:
        return np.zeros((n, 0), dtype=np.uint8), np.zeros(0, dtype=np.float64)
    return np.stack(columns, axis=1), np.asarray(positions, dtype=np.float64)


def simulate_replicate_slim(
    scenario: dict, S: float, replicate_seed: int, *, slim_path: str, workdir: Path
) -> tuple[np.ndarray, np.ndarray, dict]:
    """One replicate: (genotypes uint8 (n_haplotypes, sites), positions, SLiM's sweep record)."""
    import pyslim

    state_path, output_path = workdir / "state.trees", workdir / "sweep.trees"
    run_slim(slim_path, _defines(scenario, S, state_path, output_path), replicate_seed)
    ts = tskit.load(output_path)
    if not pyslim.is_current_version(ts):
        with warnings.catch_warnings():  # "... will be converted to version 0.9": intended
            warnings.simplefilter("ignore", UserWarning)
            ts = pyslim.update(ts)  # SLiM 4.x writes an older file format than pyslim 1.1 reads
    record = ts.metadata["SLiM"]["user_metadata"]
    record = {
        key: (value[0] if isinstance(value, list) and len(value) == 1 else value) for key, value in record.items()
    }
    sampling_seed, recapitation_seed, mutation_seed = _sub_seeds(replicate_seed)
    samples = _sample_nodes(ts, int(scenario["diploids_per_population"]), np.random.default_rng(sampling_seed))
    ts = ts.simplify(samples, keep_input_roots=True, filter_populations=False)
    tables = ts.dump_tables()
    tables.time_units = "generations"  # a SLiM WF tick is a generation
    ts = tables.tree_sequence()
    with warnings.catch_warnings():
        # Demography.from_tree_sequence inside msprime checks names only; sizes come from gravel2011().
        warnings.simplefilter("ignore", msprime.IncompletePopulationMetadataWarning)
        recapitated = pyslim.recapitate(
            ts,
            demography=gravel2011(scenario["gravel2011"]),
            recombination_rate=float(scenario["recombination_rate"]),
            random_seed=recapitation_seed,
        )
    mutated = msprime.sim_mutations(
        recapitated,
        rate=float(scenario["mutation_rate"]),
        model=msprime.SLiMMutationModel(type=0, next_id=pyslim.next_slim_mutation_id(recapitated)),
        keep=True,
        random_seed=mutation_seed,
    )
    genotypes, positions = _biallelic_genotypes(mutated)
    return genotypes, positions, record


def simulate_shard_slim(
    scenario: dict,
    S: float | tuple[float, float],
    n_replicates: int,
    seed: int,
    *,
    slim: str = "slim",
    progress_every: int = 10,
) -> tuple[dict[str, np.ndarray], dict]:
    """Simulate ``n_replicates`` sweep regions of a ``gravel2011`` SLiM scenario at strength ``S``.

    Parameters
    ----------
    scenario
        A ``simulation.scenarios`` entry with ``engine: slim``: ``model: gravel2011``,
        ``focal_population`` (YRI, CEU or CHB), ``diploids_per_population``,
        ``sequence_length`` (bp), ``mutation_rate`` and ``recombination_rate`` (per bp per
        generation), ``reference_size`` (Ne of S = 2 Ne s_het), ``gravel2011`` (the parameter
        block of the config) and ``selection`` (``start_generations_ago``, ``initial_copies``,
        ``dominance``).
    S
        Scaled selection coefficient 2 Ne s_het, > 0; or ``(low, high)`` with ``low > 0``: each
        replicate draws its S uniformly from that range (as the msprime engine does).
    n_replicates, seed
        Shard size and the shard's seed (from :func:`genomic_dl.seeds.derive_seed`).
    slim
        Name or path of the SLiM executable.
    progress_every
        Log a progress line every this many replicates.

    Returns
    -------
    (arrays, metadata): ``arrays`` holds :data:`SLIM_ARRAY_KEYS` (see the module docstring);
    ``metadata`` records the engine and versions, the scenario, S, seed, populations and the
    number of restarts of each replicate.

    Raises ``ValueError`` for an unsuitable scenario or ``S <= 0`` and ``RuntimeError`` when
    SLiM is not installed (both before simulating anything) or fails (with SLiM's stderr).
    """
    validate_slim_scenario(scenario, S)
    if n_replicates < 1:
        raise ValueError(f"n_replicates must be >= 1, got {n_replicates}")
    slim_path = find_slim(slim)
    version = slim_version(slim_path)
    import pyslim

    rng = np.random.default_rng(seed)
    replicate_seeds = rng.integers(1, MAX_SEED, size=n_replicates, dtype=np.int64)
    strengths = rng.uniform(S[0], S[1], size=n_replicates) if isinstance(S, tuple) else np.full(n_replicates, float(S))
    frequency = np.full(n_replicates, np.nan)
    fixed_ago = np.full(n_replicates, np.nan)
    restarts = []
    genotype_blocks, position_blocks = [], []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="slim_sweep_") as tmp:
        for index in range(n_replicates):
            replicate_started = time.perf_counter()
            genotypes, positions, record = simulate_replicate_slim(
                scenario, float(strengths[index]), int(replicate_seeds[index]), slim_path=slim_path, workdir=Path(tmp)
            )
            genotype_blocks.append(genotypes)
            position_blocks.append(positions)
            frequency[index] = float(record["sweep_frequency"])
            if int(record["fixed_generations_ago"]) >= 0:
                fixed_ago[index] = float(record["fixed_generations_ago"])
            restarts.append(int(record["restarts"]))
            logger.debug(
                "S=%g replicate %d: %.1f s, %d restarts, frequency %.3f, %d sites",
                strengths[index],
                index,
                time.perf_counter() - replicate_started,
                restarts[-1],
                frequency[index],
                positions.size,
            )
            if (index + 1) % progress_every == 0 or index + 1 == n_replicates:
                elapsed = time.perf_counter() - started
                logger.info(
                    "SLiM S=%s: %d/%d replicates (%.1f s per replicate)",
                    S,
                    index + 1,
                    n_replicates,
                    elapsed / (index + 1),
                )
    widths = np.array([block.shape[1] for block in genotype_blocks], dtype=np.int64)
    diploids = int(scenario["diploids_per_population"])
    arrays = {
        "genotypes": np.concatenate(genotype_blocks, axis=1),
        "offsets": np.concatenate([[0], np.cumsum(widths)]).astype(np.int64),
        "positions": np.concatenate(position_blocks),
        "selection_coefficient": strengths,
        "sweep_frequency": frequency,
        "fixed_generations_ago": fixed_ago,
        "replicate_seed": replicate_seeds,
        "haplotype_population": np.repeat(np.arange(len(GRAVEL_POPULATIONS), dtype=np.int8), 2 * diploids),
    }
    metadata = {
        "engine": "slim",
        "engine_version": version,
        "pyslim_version": pyslim.__version__,
        "msprime_version": msprime.__version__,
        "slim_script": SLIM_SCRIPT.name,
        "scenario": scenario,
        "selection_coefficient": list(S) if isinstance(S, tuple) else float(S),
        "seed": int(seed),
        "n_replicates": int(n_replicates),
        "populations": list(GRAVEL_POPULATIONS),
        "focal_population": scenario["focal_population"],
        "restarts": restarts,
        "seconds": round(time.perf_counter() - started, 3),
    }
    return arrays, metadata
