"""Benchmark: msprime simulation rate of the ImaGene three-epoch scenario on one core.

Run::

    .venv/bin/python benchmarks/bench_simulation.py [--replicates 300] [--json out.json]

Times ``genomic_dl.popgen.simulate.simulate_shard`` for neutral replicates and for partial sweeps
(S = 200 and 400) in the same process and prints replicates/s and the sweep/neutral time ratio.
Targets (issue 2): neutral >= 100 replicates/s/core; sweeps within 2x of neutral.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

from genomic_dl.popgen.simulate import simulate_shard  # noqa: E402

CONFIG = Path(__file__).resolve().parents[1] / "config" / "config.yaml"


def rate(scenario: dict, S: float, replicates: int) -> float:
    """Replicates per second for one shard of ``replicates`` at strength ``S``."""
    started = time.perf_counter()
    simulate_shard(scenario, S=S, n_replicates=replicates, seed=1, progress_every=10**9)
    return replicates / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    scenario = yaml.safe_load(CONFIG.read_text())["simulation"]["scenarios"]["three_epoch"]
    rates = {f"S{S}": rate(scenario, S, args.replicates) for S in (0, 200, 400)}
    result = {
        "replicates": args.replicates,
        "replicates_per_s": rates,
        "sweep_time_over_neutral": {key: rates["S0"] / value for key, value in rates.items() if key != "S0"},
    }
    for key, value in rates.items():
        print(f"{key:>5}: {value:7.1f} replicates/s")
    for key, value in result["sweep_time_over_neutral"].items():
        print(f"{key:>5}: {value:5.2f}x the time of a neutral replicate (target <= 2)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
