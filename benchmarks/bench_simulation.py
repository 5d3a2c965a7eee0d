"""Benchmark: msprime simulation rates against bare msprime, parallel scaling and storage per replicate.

Run::

    .venv/bin/python benchmarks/bench_simulation.py [--replicates 300] [--repeats 2] [--json out.json]

In one run, on the default config's scenarios, after a warm-up of every scenario (so that no
case pays for imports and first calls):

* the baseline: bare msprime (``msprime.sim_ancestry`` + ``msprime.sim_mutations`` with the
  three-epoch demography, 128 haplotypes, 80 kb and the same rates and mutation model, built
  here without workflow code) on the same replicate seeds as ``simulate_shard``'s neutral
  three-epoch shards, so both simulate the same genealogies; shards of 25 are timed
  alternately (order flipped each time) over ``--repeats`` passes, by wall and CPU clock, and
  ``simulate_shard``'s throughput is reported as a ratio to it (what is left is our
  per-replicate work: genotype matrix, concatenation, metadata);
* replicates/s (wall and CPU clock) for neutral three-epoch replicates, partial sweeps (S = 200, 400)
  and the neutral Gravel three-population model, and the sweep/neutral CPU-time ratio
  (targets: neutral three-epoch >= 100/s/core, sweeps within 2x, Gravel >= 50/s/core);
* scaling: two shards one after the other vs two shards in two processes at once (the way
  `snakemake --cores 2` runs independent simulation jobs);
* stored bytes per replicate of a compressed shard (paper scale: 100,000 replicates per
  scenario and class).

Writes ``benchmarks/results/simulation.json`` (or ``--json``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import multiprocessing
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import msprime
import yaml

from genomic_dl.io import save_arrays
from genomic_dl.popgen.simulate import simulate_shard

SCENARIOS = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "config.yaml").read_text())["simulation"][
    "scenarios"
]


DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "simulation.json"

#: The bare-msprime baseline's model, written out here (checked against the config's three_epoch).
BARE = {
    "n_haplotypes": 128,
    "sequence_length": 80_000,
    "mutation_rate": 1.5e-8,
    "recombination_rate": 1e-8,
    "epochs": [(0, 20_000), (3_000, 2_000), (3_500, 10_000)],  # (generations ago, diploid size)
}


def bare_msprime(seeds: list[int]) -> int:
    """Simulate one neutral three-epoch region per seed with msprime alone; returns the total sites.

    Same calls as the workflow's (ancestry seed ``seed``, mutation seed ``seed + 1``, binary
    infinite-sites mutations), with none of its code.
    """
    demography = msprime.Demography()
    demography.add_population(name="pop", initial_size=BARE["epochs"][0][1])
    for start, size in BARE["epochs"][1:]:
        demography.add_population_parameters_change(time=start, initial_size=size, population="pop")
    sites = 0
    for seed in seeds:
        ancestry = msprime.sim_ancestry(
            samples=[msprime.SampleSet(BARE["n_haplotypes"] // 2, population="pop", ploidy=2)],
            demography=demography,
            sequence_length=BARE["sequence_length"],
            recombination_rate=BARE["recombination_rate"],
            random_seed=seed,
        )
        mutated = msprime.sim_mutations(
            ancestry,
            rate=BARE["mutation_rate"],
            model=msprime.BinaryMutationModel(),
            discrete_genome=False,
            random_seed=seed + 1,
        )
        sites += mutated.num_sites
    return sites


def check_bare_matches_config() -> None:
    scenario = SCENARIOS["three_epoch"]
    config = {key: scenario[key] for key in BARE if key != "epochs"}
    config["epochs"] = [(epoch["start"], epoch["size"]) for epoch in scenario["epochs"]]
    if config != BARE:
        raise RuntimeError(f"bare-msprime baseline {BARE} differs from config three_epoch {config}")


def _shard(seed: int, replicates: int) -> dict:
    arrays, _ = simulate_shard(SCENARIOS["three_epoch"], S=0, n_replicates=replicates, seed=seed, progress_every=10**9)
    return arrays


def _clocks(function: Callable[[], object]) -> tuple[float, float]:
    """(wall, process CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def versus_bare(replicates: int, repeats: int, block: int = 25) -> dict:
    """Replicates/s of simulate_shard (neutral three-epoch) and of bare msprime on the same seeds.

    The replicates are split into shards of ``block`` (shard seeds 1, 2, ...); bare msprime
    re-simulates each shard's replicate seeds. Shards are timed alternately, the order flipped
    from one to the next, so that load from other processes falls on both alike; each rate is
    over all ``repeats`` passes, by wall clock and by this process's CPU time.
    """
    check_bare_matches_config()
    n_blocks = -(-replicates // block)
    seeds = {}
    for shard_seed in range(1, n_blocks + 1):
        arrays = _shard(shard_seed, block)
        seeds[shard_seed] = [int(value) for value in arrays["replicate_seed"]]
        if bare_msprime(seeds[shard_seed]) != arrays["genotypes"].shape[1]:
            raise RuntimeError("bare msprime and simulate_shard simulated different sites on the same seeds")
    totals = {"ours": [0.0, 0.0], "bare": [0.0, 0.0]}
    for repeat in range(repeats):
        for shard_seed, shard_seeds in seeds.items():
            calls = {
                "ours": lambda shard_seed=shard_seed: _shard(shard_seed, block),
                "bare": lambda shard_seeds=shard_seeds: bare_msprime(shard_seeds),
            }
            order = ("ours", "bare") if (repeat + shard_seed) % 2 else ("bare", "ours")
            for name in order:
                wall, cpu = _clocks(calls[name])
                totals[name][0] += wall
                totals[name][1] += cpu
    n = n_blocks * block * repeats
    result: dict[str, object] = {"replicates": n_blocks * block, "block": block, "repeats": repeats}
    for index, clock in enumerate(("wall", "cpu")):
        ours, bare = n / totals["ours"][index], n / totals["bare"][index]
        result[f"simulate_shard_replicates_per_s_{clock}"] = ours
        result[f"bare_msprime_replicates_per_s_{clock}"] = bare
        result[f"simulate_shard_over_bare_{clock}"] = ours / bare
    return result


def rate(scenario: str, S: float, replicates: int, seed: int = 1) -> dict[str, float]:
    """Replicates per second of wall clock and of this process's CPU time (one core: the
    simulation is single-threaded, so CPU time is what other jobs' load leaves it) for one shard."""
    wall, cpu = _clocks(
        lambda: simulate_shard(SCENARIOS[scenario], S=S, n_replicates=replicates, seed=seed, progress_every=10**9)
    )
    return {"wall": replicates / wall, "cpu": replicates / cpu}


def warm_up(replicates: int = 10) -> None:
    """One small shard of every timed case, so that the first timed one is not a cold start."""
    for scenario, S in (("three_epoch", 0), ("three_epoch", 200), ("gravel_neutral", 0)):
        simulate_shard(SCENARIOS[scenario], S=S, n_replicates=replicates, seed=99, progress_every=10**9)
    bare_msprime(list(range(1, replicates + 1)))


def _shard_job(seed: int, replicates: int) -> None:
    simulate_shard(SCENARIOS["three_epoch"], S=0, n_replicates=replicates, seed=seed, progress_every=10**9)


def scaling(replicates: int) -> dict:
    """Wall time of two shards run sequentially vs in two processes; speed-up (ideal 2 on 2 cores)."""
    started = time.perf_counter()
    for seed in (1, 2):
        _shard_job(seed, replicates)
    sequential = time.perf_counter() - started
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.starmap(_shard_job, [(1, replicates), (2, replicates)])
    parallel = time.perf_counter() - started
    return {"sequential_s": sequential, "two_processes_s": parallel, "speedup": sequential / parallel}


def bytes_per_replicate(replicates: int) -> dict:
    """Compressed size of a neutral and an S = 200 three-epoch shard, per replicate."""
    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for S in (0, 200):
            arrays, metadata = simulate_shard(
                SCENARIOS["three_epoch"], S=S, n_replicates=replicates, seed=3, progress_every=10**9
            )
            path = Path(tmp) / f"S{S}.npz"
            save_arrays(path, metadata, **arrays)
            sizes[f"S{S}"] = path.stat().st_size / replicates
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=300)
    parser.add_argument("--scaling-replicates", type=int, default=1000, help="replicates per shard in the scaling test")
    parser.add_argument("--repeats", type=int, default=2, help="passes of the bare-msprime comparison")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    n = args.replicates
    warm_up()
    baseline = versus_bare(n, args.repeats)
    rates = {
        "three_epoch S0": rate("three_epoch", 0, n),
        "three_epoch S200": rate("three_epoch", 200, n),
        "three_epoch S400": rate("three_epoch", 400, n),
        "gravel_neutral S0": rate("gravel_neutral", 0, n),
    }
    neutral = rates["three_epoch S0"]["cpu"]
    result = {
        "replicates": n,
        "versus_bare_msprime": baseline,
        "replicates_per_s_one_core": rates,
        "sweep_time_over_neutral_cpu": {
            key: neutral / value["cpu"] for key, value in rates.items() if "S2" in key or "S4" in key
        },
        "scaling_1_vs_2_cores": scaling(args.scaling_replicates),
        "stored_bytes_per_replicate": bytes_per_replicate(n),
    }
    print("neutral three-epoch, same seeds, alternated shards of 25 (wall / CPU clock):")
    for name, key in (("bare msprime", "bare_msprime"), ("simulate_shard", "simulate_shard")):
        print(
            f"{name:>18}: {baseline[f'{key}_replicates_per_s_wall']:7.1f} / "
            f"{baseline[f'{key}_replicates_per_s_cpu']:7.1f} replicates/s"
        )
    print(
        f"{'ratio':>18}: {baseline['simulate_shard_over_bare_wall']:7.2f} / "
        f"{baseline['simulate_shard_over_bare_cpu']:7.2f} (simulate_shard / bare msprime)"
    )
    print("one shard each (wall / CPU clock):")
    for key, value in rates.items():
        print(f"{key:>18}: {value['wall']:7.1f} / {value['cpu']:7.1f} replicates/s")
    for key, value in result["sweep_time_over_neutral_cpu"].items():
        print(f"{key:>18}: {value:5.2f}x the CPU time of a neutral replicate (target <= 2)")
    print(f"two shards on 2 processes: speed-up {result['scaling_1_vs_2_cores']['speedup']:.2f} (ideal 2)")
    for key, value in result["stored_bytes_per_replicate"].items():
        print(f"stored {key}: {value / 1024:.1f} KiB per replicate ({value * 1e5 / 2**30:.2f} GiB per 100,000)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
