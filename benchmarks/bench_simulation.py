"""Benchmark: msprime simulation rates, parallel scaling and storage per replicate.

Run::

    .venv/bin/python benchmarks/bench_simulation.py [--replicates 300] [--json out.json]

In one run, on the default config's scenarios:

* replicates/s on one core for neutral three-epoch replicates, partial sweeps (S = 200, 400)
  and the neutral Gravel three-population model, and the sweep/neutral time ratio
  (targets: neutral three-epoch >= 100/s/core, sweeps within 2x, Gravel >= 50/s/core);
* scaling: two shards one after the other vs two shards in two processes at once (the way
  `snakemake --cores 2` runs independent simulation jobs);
* stored bytes per replicate of a compressed shard (paper scale: 100,000 replicates per
  scenario and class).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import multiprocessing
import tempfile
import time
from pathlib import Path

import yaml

from genomic_dl.io import save_arrays
from genomic_dl.popgen.simulate import simulate_shard

SCENARIOS = yaml.safe_load((Path(__file__).resolve().parents[1] / "config" / "config.yaml").read_text())["simulation"][
    "scenarios"
]


def rate(scenario: str, S: float, replicates: int, seed: int = 1) -> float:
    """Replicates per second for one shard of ``replicates`` at strength ``S``."""
    started = time.perf_counter()
    simulate_shard(SCENARIOS[scenario], S=S, n_replicates=replicates, seed=seed, progress_every=10**9)
    return replicates / (time.perf_counter() - started)


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
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    n = args.replicates
    rates = {
        "three_epoch S0": rate("three_epoch", 0, n),
        "three_epoch S200": rate("three_epoch", 200, n),
        "three_epoch S400": rate("three_epoch", 400, n),
        "gravel_neutral S0": rate("gravel_neutral", 0, n),
    }
    neutral = rates["three_epoch S0"]
    result = {
        "replicates": n,
        "replicates_per_s_one_core": rates,
        "sweep_time_over_neutral": {key: neutral / value for key, value in rates.items() if "S2" in key or "S4" in key},
        "scaling_1_vs_2_cores": scaling(args.scaling_replicates),
        "stored_bytes_per_replicate": bytes_per_replicate(n),
    }
    for key, value in rates.items():
        print(f"{key:>18}: {value:7.1f} replicates/s")
    for key, value in result["sweep_time_over_neutral"].items():
        print(f"{key:>18}: {value:5.2f}x the time of a neutral replicate (target <= 2)")
    print(f"two shards on 2 processes: speed-up {result['scaling_1_vs_2_cores']['speedup']:.2f} (ideal 2)")
    for key, value in result["stored_bytes_per_replicate"].items():
        print(f"stored {key}: {value / 1024:.1f} KiB per replicate ({value * 1e5 / 2**30:.2f} GiB per 100,000)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
