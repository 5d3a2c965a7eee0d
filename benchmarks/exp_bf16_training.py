"""Experiment: does bf16 autocast change ImaGene's Fig 3 results beyond seed noise, and how much faster is it?

Run::

    .venv/bin/python benchmarks/exp_bf16_training.py [--seeds 1 2 3 4 5] [--S 300] [--sorting rows] \\
        [--cores 2] [--json benchmarks/results/bf16_training.json]

Builds the same Fig 3 networks (default preset: 4 simulation batches of 1,000 per class, one
test batch, 128 x 128 images) twice through the workflow's own rules, once with
``imagene.training.precision: fp32`` and once with ``bf16``, each into a results tree of its own
(``results/exp_precision_<precision>``, preset ``custom``; the default tree is not touched), with
the same seeds, so the data and initialisations are identical and only the arithmetic differs.
Reports each precision's test accuracies (mean, sd over seeds), Welch's t-test between them, the
largest per-seed difference, and the training speed (images/s of the training loop, from the
networks' histories; the two precisions run one after the other, so a loaded machine skews it).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
PRECISIONS = ("fp32", "bf16")


def build(precision: str, seeds: list[int], S: int, sorting: str, cores: int) -> list[Path]:
    """Run Snakemake for the networks of one precision; their run folders."""
    tree = f"results/exp_precision_{precision}"
    overlay = {
        "preset": "custom",
        "results_dir": tree,
        "imagene": {"training": {"precision": precision}, "fig3": {"seeds": seeds}},
    }
    runs = [REPO / tree / f"imagene2019/fig3/standard/{sorting}/S{S}/seed{seed}" for seed in seeds]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(overlay, handle)
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores)]
    command += [str(run.relative_to(REPO) / "evaluation.json") for run in runs]
    # after the targets: both options take several values
    command += ["--quiet", "rules", "--configfile", handle.name]
    print(f"[{precision}] {' '.join(command[3:])}", file=sys.stderr, flush=True)
    subprocess.run(command, cwd=REPO, check=True)
    Path(handle.name).unlink()
    return runs


def summarise(runs: list[Path]) -> dict:
    accuracy = [json.loads((run / "evaluation.json").read_text())["accuracy"] for run in runs]
    speed = [pd.read_csv(run / "history.csv")["train_images_per_s"].mean() for run in runs]
    return {
        "accuracy": accuracy,
        "accuracy_mean": float(np.mean(accuracy)),
        "accuracy_sd": float(np.std(accuracy, ddof=1)) if len(accuracy) > 1 else float("nan"),
        "train_images_per_s_mean": float(np.mean(speed)),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--S", type=int, default=300, help="selection strength of the selected class")
    parser.add_argument("--sorting", default="rows", choices=["none", "rows", "cols", "rows_cols"])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks/results/bf16_training.json")
    args = parser.parse_args(argv)

    results = {p: summarise(build(p, args.seeds, args.S, args.sorting, args.cores)) for p in PRECISIONS}
    fp32, bf16 = results["fp32"], results["bf16"]
    welch = stats.ttest_ind(bf16["accuracy"], fp32["accuracy"], equal_var=False)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    )
    report = {
        "experiment": "ImaGene Fig 3 network, default preset, fp32 vs bf16 autocast",
        "S": args.S,
        "sorting": args.sorting,
        "seeds": args.seeds,
        **{precision: results[precision] for precision in PRECISIONS},
        "welch_t": float(welch.statistic),
        "welch_p": float(welch.pvalue),
        "max_seed_difference": float(np.max(np.abs(np.subtract(bf16["accuracy"], fp32["accuracy"])))),
        "speed_ratio_bf16_over_fp32": bf16["train_images_per_s_mean"] / fp32["train_images_per_s_mean"],
        "commit": commit.stdout.strip() or "unknown",
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.processor() or platform.machine()}, {args.cores} cores",
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1))
    print("| precision | test accuracy (mean ± sd over seeds) | training images/s |")
    print("| --- | --- | --- |")
    for precision in PRECISIONS:
        r = results[precision]
        print(
            f"| {precision} | {r['accuracy_mean']:.4f} ± {r['accuracy_sd']:.4f} | {r['train_images_per_s_mean']:.0f} |"
        )
    print(
        f"Welch t = {report['welch_t']:.2f}, p = {report['welch_p']:.3f}; largest per-seed difference "
        f"{report['max_seed_difference']:.4f}; bf16 / fp32 speed {report['speed_ratio_bf16_over_fp32']:.2f}x"
    )
    return report


if __name__ == "__main__":
    main()
