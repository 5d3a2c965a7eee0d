"""Benchmark: how long Snakemake takes to build the DAG of each preset (dry run).

Run::

    .venv/bin/python benchmarks/bench_dag.py [--json benchmarks/results/dag.json]

For the smoke, default and paper presets, in one run: the number of jobs and the wall time of
``snakemake -n`` (parse, config validation, DAG). Target: the paper preset's DAG (thousands of
jobs) in under a minute on a 2-core machine. Each preset runs in an empty scratch directory, so
every job is pending.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRESETS = {
    "smoke": ["--configfile", "config/presets/smoke.yaml"],
    "default": [],
    "paper": ["--configfile", "config/presets/paper.yaml"],
}


def dry_run(preset: str) -> dict:
    """Jobs and seconds of one dry run of ``preset``."""
    with tempfile.TemporaryDirectory() as workdir:
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "snakemake", "-n", "--quiet", "rules", *PRESETS[preset], "--directory", workdir],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"dry run of preset {preset} failed:\n{result.stderr[-3000:]}")
    total = re.search(r"^total\s+(\d+)", result.stdout + result.stderr, flags=re.MULTILINE)
    return {"preset": preset, "jobs": int(total.group(1)) if total else 0, "seconds": round(seconds, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks/results/dag.json")
    args = parser.parse_args()
    rows = [dry_run(preset) for preset in PRESETS]
    print(f"{'preset':8} {'jobs':>7} {'seconds':>8}")
    for row in rows:
        print(f"{row['preset']:8} {row['jobs']:7d} {row['seconds']:8.1f}")
    paper = rows[-1]
    print(f"paper DAG under a minute: {'yes' if paper['seconds'] < 60 else 'NO'}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
