"""Experiment: does bf16 autocast change the networks' results beyond seed noise, and how much faster is it?

Run::

    .venv/bin/python benchmarks/exp_bf16_training.py [--experiment fig3|fig5|cecil] [--seeds 1 2 3 4 5] \\
        [--cores 2] [--json benchmarks/results/bf16_training_<experiment>.json]

    .venv/bin/python benchmarks/exp_bf16_training.py --experiment evoaug [--datasets basset deepstarr]

Builds the same networks of the ``default`` preset twice through the workflow's own rules, once in
``fp32`` and once with ``training.precision: bf16``, each into a results tree of its own
(``results/exp_precision_<experiment>_<precision>...``, preset ``custom``; the default tree is not
touched), with the same seeds, so data and initialisations are identical and only the arithmetic
differs:

* ``fig3``: ImaGene Fig 3 binary networks (``--S``, ``--sorting``), one per ``--seeds``;
  metric: test accuracy.
* ``fig5``: ImaGene Fig 5 multiclass networks (11 classes over S, ``--label-distribution``), one
  per ``--seeds``; metrics: test accuracy and RMSE of the posterior mean.
* ``evoaug``: EvoAug's standard training and its two-stage "evoaug" setting (all augmentations,
  pretrained then fine-tuned) on each of ``--datasets`` (synthetic data of the default preset),
  one model per ``--seeds``; metrics: the mean over tasks of AUROC and AUPR (binary) or Pearson r
  (regression) on the test set, of the standard and of the fine-tuned model.
* ``cecil``: Cecil & Sugden's Table 1 models (Imagene, mini-CNN, DeepSet with their restarts) on
  ``--dataset``; their seeds derive from the master seed, so each of ``--seeds`` is a master
  seed (new data and initialisations, one tree per seed and precision); metric: test accuracy.

Reports per model and metric each precision's mean and sd over seeds, Welch's t-test, the largest
per-seed difference, and the training speed (images/s of the training loop; the two precisions run
one after the other, so a loaded machine skews it).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

REPO = Path(__file__).resolve().parents[1]
PRECISIONS = ("fp32", "bf16")
CECIL_MODELS = ("imagene", "mini_cnn", "deepset")
#: EvoAug (setting, stage whose test metrics are compared).
EVOAUG_RUNS = (("standard", "standard"), ("evoaug", "finetuned"))
#: EvoAug stage whose training speed is reported (the augmented run's pretraining: its longest).
EVOAUG_SPEED_STAGE = {"standard": "standard", "finetuned": "pretrained"}
#: EvoAug test metrics compared (the means over tasks), by what the data set's file holds.
EVOAUG_METRICS = ("mean_auroc", "mean_aupr", "mean_pearson_r")


@dataclass
class Build:
    """One Snakemake call: its results tree, config overlay and target files (relative to the tree)."""

    tree: str
    overlay: dict
    targets: list[str]


def builds(args: argparse.Namespace, precision: str) -> list[Build]:
    """The Snakemake calls of one precision."""
    tree = f"results/exp_precision_{args.experiment}_{precision}"
    if args.experiment == "fig3":
        overlay = {"imagene": {"training": {"precision": precision}, "fig3": {"seeds": args.seeds}}}
        runs = [f"imagene2019/fig3/standard/{args.sorting}/S{args.S}/seed{seed}" for seed in args.seeds]
        return [Build(tree, overlay, [f"{run}/evaluation.json" for run in runs])]
    if args.experiment == "evoaug":
        overlay = {
            "evoaug": {
                "training": {"precision": precision},
                "finetuning": {"precision": precision},
                "seeds": args.seeds,
            }
        }
        targets = [
            f"evoaug2023/models/{dataset}/{setting}/seed{seed}/{stage}_evaluation.json"
            for dataset in args.datasets
            for setting, stage in EVOAUG_RUNS
            for seed in args.seeds
        ]
        return [Build(tree, overlay, targets)]
    if args.experiment == "fig5":
        overlay = {"imagene": {"training": {"precision": precision}, "fig5": {"seeds": args.seeds}}}
        runs = [f"imagene2019/fig5/{args.label_distribution}/seed{seed}" for seed in args.seeds]
        return [Build(tree, overlay, [f"{run}/evaluation.json" for run in runs])]
    models = f"cecil2023/models/{args.dataset}/resize/rows"
    return [
        Build(
            f"{tree}_seed{seed}",
            {"seed": seed, "cecil2023": {"training": {"precision": precision}}},
            [f"{models}/{model}/fixed_epochs/summary.json" for model in CECIL_MODELS],
        )
        for seed in args.seeds
    ]


def run_build(build: Build, cores: int) -> None:
    overlay = {"preset": "custom", "results_dir": build.tree, **build.overlay}
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(overlay, handle)
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores)]
    command += [f"{build.tree}/{target}" for target in build.targets]
    # after the targets: both options take several values
    command += ["--quiet", "rules", "--configfile", handle.name]
    print(f"[{build.tree}] {' '.join(command[3:])}", file=sys.stderr, flush=True)
    subprocess.run(command, cwd=REPO, check=True)
    Path(handle.name).unlink()


def measurements(args: argparse.Namespace, precision: str) -> dict[str, dict[str, list[float]]]:
    """``{model: {metric: [value per seed]}}`` of one precision's finished builds."""
    out: dict[str, dict[str, list[float]]] = {}
    for build in builds(args, precision):
        for target in build.targets:
            run = REPO / build.tree / Path(target).parent
            if args.experiment == "evoaug":
                stage = Path(target).name.removesuffix("_evaluation.json")
                evaluation = json.loads((run / Path(target).name).read_text())
                model = "/".join(Path(target).parts[2:4])  # dataset/setting
                values = {key: float(evaluation[key]) for key in EVOAUG_METRICS if key in evaluation}
                history = pd.read_csv(run / f"{EVOAUG_SPEED_STAGE[stage]}_history.csv")
                values["train_images_per_s"] = float(history["train_images_per_s"].mean())
            elif args.experiment == "cecil":
                summary = json.loads((run / "summary.json").read_text())
                predictions = pd.read_csv(run / "predictions.csv")
                model = run.parent.name
                values = {
                    "accuracy": float(np.mean(predictions["call"] == predictions["label"])),
                    "train_images_per_s": float(summary["train_images_per_s"]),
                }
            else:
                evaluation = json.loads((run / "evaluation.json").read_text())
                model = args.experiment
                values = {key: float(evaluation[key]) for key in ("accuracy", "rmse_mean") if key in evaluation}
                values["train_images_per_s"] = float(pd.read_csv(run / "history.csv")["train_images_per_s"].mean())
            for key, value in values.items():
                out.setdefault(model, {}).setdefault(key, []).append(value)
    return out


def compare(fp32: dict[str, list[float]], bf16: dict[str, list[float]]) -> dict:
    """Per metric: both precisions' values, mean, sd, Welch's test and the largest per-seed difference."""
    report: dict = {}
    for metric, fp32_values in fp32.items():
        a, b = np.asarray(fp32_values), np.asarray(bf16[metric])
        row = {
            "fp32": a.tolist(),
            "bf16": b.tolist(),
            "fp32_mean": float(a.mean()),
            "bf16_mean": float(b.mean()),
            "fp32_sd": float(a.std(ddof=1)) if a.size > 1 else float("nan"),
            "bf16_sd": float(b.std(ddof=1)) if b.size > 1 else float("nan"),
        }
        if metric == "train_images_per_s":
            row["ratio_bf16_over_fp32"] = float(b.mean() / a.mean())
        else:
            welch = stats.ttest_ind(b, a, equal_var=False)
            row |= {
                "welch_t": float(welch.statistic),
                "welch_p": float(welch.pvalue),
                "max_seed_difference": float(np.max(np.abs(b - a))),
            }
        report[metric] = row
    return report


def markdown(report: dict) -> str:
    lines = ["| model | metric | fp32 (mean ± sd) | bf16 (mean ± sd) | comparison |", "| --- | --- | --- | --- | --- |"]
    for model, metrics in report["models"].items():
        for metric, row in metrics.items():
            if metric == "train_images_per_s":
                comparison = f"bf16 / fp32 = {row['ratio_bf16_over_fp32']:.2f}x"
            else:
                comparison = (
                    f"Welch p = {row['welch_p']:.2f}, largest per-seed difference {row['max_seed_difference']:.4f}"
                )
            lines.append(
                f"| {model} | {metric} | {row['fp32_mean']:.4f} ± {row['fp32_sd']:.4f} | "
                f"{row['bf16_mean']:.4f} ± {row['bf16_sd']:.4f} | {comparison} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiment", choices=["fig3", "fig5", "cecil", "evoaug"], default="fig3")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--S", type=int, default=300, help="fig3: selection strength of the selected class")
    parser.add_argument("--sorting", default="rows", choices=["none", "rows", "cols", "rows_cols"], help="fig3")
    parser.add_argument(
        "--label-distribution", default="categorical", help="fig5: a key of imagene.fig5.label_distributions"
    )
    parser.add_argument("--dataset", default="single_s01", help="cecil: a data set of cecil2023.datasets")
    parser.add_argument(
        "--datasets", nargs="+", default=["basset", "deepstarr"], help="evoaug: EvoAug data sets of the default preset"
    )
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--json", type=Path, help="default: benchmarks/results/bf16_training_<experiment>.json")
    args = parser.parse_args(argv)
    if args.experiment == "cecil":
        args.seeds = [20231121 + seed for seed in args.seeds]  # the default master seed, then its neighbours
    json_path = args.json or REPO / f"benchmarks/results/bf16_training_{args.experiment}.json"

    for precision in PRECISIONS:
        for build in builds(args, precision):
            run_build(build, args.cores)
    values = {precision: measurements(args, precision) for precision in PRECISIONS}
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
    )
    report = {
        "experiment": f"default preset, {args.experiment}: fp32 vs bf16 autocast",
        "settings": {k: v for k, v in vars(args).items() if k not in ("json", "cores")},
        "models": {model: compare(values["fp32"][model], values["bf16"][model]) for model in values["fp32"]},
        "commit": commit.stdout.strip() or "unknown",
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.processor() or platform.machine()}, {args.cores} cores",
    }
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=1))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
