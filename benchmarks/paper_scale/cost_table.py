"""Cost of the paper preset per paper and per rule, from the full-size rehearsal and the DAG.

    python benchmarks/paper_scale/cost_table.py [--rehearsal JSON] [--dry-run LOG] [--gpu-times CSV]
        [--gpu-speedup X] [--out DIR] [--docs docs/benchmarks.md]

* Jobs: every job of ``snakemake -n all --config slim=require --configfile
  config/presets/paper.yaml`` (run in an empty scratch directory, so every job is pending; or a
  saved dry-run log via ``--dry-run``), with its wildcards. ``slim=require`` keeps the SLiM
  sweeps and what is built on them in the DAG even where SLiM is not installed (the paper preset's
  ``slim: auto`` builds them wherever it is).
* CPU-hours: a job of a rehearsed rule costs the rehearsed job's CPU time (``job_cpu_s`` of
  ``benchmarks/results/paper_scale_rehearsal.json``) times the ratio of the two jobs' sizes in
  ``genomic_dl.resources.ResourcePlan`` (replicates, regions, images, epochs, sequences ...);
  a rule the rehearsal did not run costs ResourcePlan's own estimate (marked "model").
* GPU-hours (estimated: no GPU here): for the rules that train or run networks, the H200
  measurement of ``--gpu-times`` (``job_times.csv`` of a paper-scale GPU run) where that rule
  was measured (median over its jobs; marked "measured"), else CPU time / ``--gpu-speedup``
  (default: the ratio measured for ``imagene_fig3_train``, one CPU thread vs the H200).
* Disk: the rehearsed job's output size, times the size ratio for data rules (simulations,
  images, statistics) and once per job for model checkpoints; rules the rehearsal did not run
  have no disk figure (blank).
* Peak memory: the rehearsed peak RSS, scaled up (never down) by ResourcePlan's memory ratio.

Writes ``paper_scale_cost.csv`` / ``.json`` into ``--out`` (default ``benchmarks/results``), prints
the markdown tables and, with ``--docs``, replaces the section "Paper preset: full-size rehearsal
and cost" of that file.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd
from rehearsal import ROOT, markdown, paper_config

from genomic_dl.resources import ResourcePlan

SECTION = "## Paper preset: full-size rehearsal and cost"
#: Rules that run a network (the ones a GPU would run).
GPU_RULES = re.compile(
    r"^(imagene_fig3_(train|evaluate)|imagene_multiclass_(train|evaluate)|cecil2023_(train_\w+|interpret)|"
    r"evoaug_(train_\w+|downsample_\w+|sweep|interp_(filters|attribution|variant_scores)))$"
)
#: Data rules: the output grows with the job's size (other rules write one model or table).
DATA_RULES = {"simulate_msprime", "imagene_images", "cecil2023_statistics", "cecil2023_images"}
#: Rehearsal rows that anchor each rule: (row names, the wildcard that picks one, if several).
ANCHORS = {
    "simulate_msprime": ["simulate_S0", "simulate_S200", "simulate_S400", "simulate_SU0-400"],
    "imagene_images": ["images_S0", "images_S200", "images_S400", "images_SU0-400"],
    "imagene_fig3_train": ["imagene_fig3_train"],
    "imagene_multiclass_train": ["imagene_fig4_train", "imagene_fig5_train"],
    "cecil2023_statistics": ["cecil2023_statistics"],
    "cecil2023_images": ["cecil2023_images"],
    "evoaug_data": ["evoaug_data_basset"],
    "evoaug_train_standard": ["evoaug_train_standard"],
    "evoaug_downsample_standard": ["evoaug_train_standard"],
    "evoaug_train_augmented": ["evoaug_train_augmented"],
    "evoaug_downsample_augmented": ["evoaug_train_augmented"],
    "evoaug_sweep": ["evoaug_train_augmented"],
    "evoaug_interp_filters": ["evoaug_interp_filters"],
    "evoaug_interp_tomtom": ["evoaug_interp_tomtom"],
    "evoaug_interp_attribution": ["evoaug_interp_attribution"],
}
#: Checkpoints each training job writes (stages), sized by the rehearsal's set-up checkpoints.
STAGES = {"standard": 1, "augmented": 2, "sweep": 2}
PAPERS = (("imagene", "ImaGene 2019"), ("cecil2023", "Cecil & Sugden 2023"), ("evoaug", "EvoAug 2023"))

RULE = re.compile(r"^(?:local)?rule (\w+):$")
WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")


# --------------------------------------------------------------------------- inputs


def dry_run_log() -> str:
    """``snakemake -n`` of the paper preset with its SLiM jobs, in an empty directory (the target and
    --config before --configfile, which takes several values)."""
    with tempfile.TemporaryDirectory() as workdir:
        result = subprocess.run(
            [sys.executable, "-m", "snakemake", "-n", "all", "--config", "slim=require"]
            + ["--configfile", "config/presets/paper.yaml"]
            + ["--directory", workdir],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(f"the paper preset's dry run failed:\n{result.stderr[-3000:]}")
    return result.stdout + result.stderr


def parse_jobs(text: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, wildcards) of every job block of a dry-run log, checked against its job-stats total."""
    jobs: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if match := RULE.match(line):
            jobs.append((match.group(1), {}))
        elif jobs and (match := WILDCARDS.match(line)):
            jobs[-1][1].update(part.split("=", 1) for part in match.group(1).split(", "))
    total = re.search(r"^total\s+(\d+)", text, flags=re.MULTILINE)
    if total is None or int(total.group(1)) != len(jobs):
        raise ValueError(f"dry-run log: {len(jobs)} job blocks but job stats say {total and total.group(1)}")
    return jobs


def gpu_medians(path: Path) -> dict[str, float]:
    """Median wall seconds per rule of a GPU run's ``job_times.csv`` (empty if absent)."""
    if not path.exists():
        return {}
    table = pd.read_csv(path)
    return {rule: float(group["seconds"].median()) for rule, group in table.groupby("rule")}


# --------------------------------------------------------------------------- costs


def paper_of(rule: str, wildcards: dict[str, str], config: dict) -> str:
    """The paper a job serves; msprime shards of the three-epoch ImaGene scenarios count for ImaGene
    (Cecil & Sugden's single-population data sets reuse them), other scenarios for Cecil & Sugden."""
    if rule.startswith("simulate_"):
        imagene = {config["imagene"][f]["scenario"] for f in ("fig2", "fig3", "fig5")}
        imagene |= set(config["imagene"]["fig4"]["train_scenarios"])
        return "ImaGene 2019" if wildcards.get("scenario") in imagene else "Cecil & Sugden 2023"
    for prefix, name in PAPERS:
        if rule.startswith(prefix):
            return name
    return "workflow"


def anchor_row(rule: str, wildcards: dict[str, str], rows: dict[str, dict]) -> dict | None:
    """The rehearsal row standing for a job of ``rule`` (None: the rule was not rehearsed)."""
    names = [n for n in ANCHORS.get(rule, []) if n in rows and rows[n]["status"] == "ok"]
    if not names:
        return None
    if rule == "imagene_multiclass_train":
        wanted = f"imagene_{wildcards.get('experiment', 'fig5')}_train"
        names = [n for n in names if n == wanted] or names
    if len(names) == 1:
        return rows[names[0]]
    # several measured jobs of the same size (shards): their mean
    first = dict(rows[names[0]])
    for key in ("job_cpu_s", "job_wall_s", "output_mb"):
        first[key] = statistics.fmean(rows[n][key] for n in names)
    first["peak_rss_mb"] = max(rows[n]["peak_rss_mb"] for n in names)
    return first


def checkpoint_mb(rule: str, wildcards: dict[str, str], rows: dict[str, dict]) -> float | None:
    """Output of an EvoAug training job: its stages' checkpoints, sized by the set-up checkpoints."""
    dataset = wildcards.get("dataset", "")
    key = "setup_basset_checkpoint" if dataset == "basset" else "setup_deepstarr_checkpoint"
    if key not in rows:
        return None
    stages = 1 if rule.endswith("standard") else 2
    return rows[key]["output_mb"] * stages


def job_costs(jobs, rows: dict[str, dict], plan: ResourcePlan, config: dict) -> pd.DataFrame:
    """One row per DAG job: paper, rule, CPU s, memory MB, output MB and the basis of each figure."""
    records = []
    for rule, wildcards in jobs:
        size = plan.size(rule, wildcards)
        anchor = anchor_row(rule, wildcards, rows)
        record = {"paper": paper_of(rule, wildcards, config), "rule": rule}
        if anchor is None:
            record.update(cpu_s=size.seconds, mem_mb=size.mem_mb, output_mb=None, basis="model")
        else:
            reference = plan.size(anchor["rule"] if anchor["rule"] in plan.models else rule, anchor["wildcards"])
            ratio = size.seconds / reference.seconds if reference.seconds > 0 else 1.0
            mem_ratio = size.mem_mb / reference.mem_mb if reference.mem_mb > 0 else 1.0
            output = anchor["output_mb"] * (ratio if rule in DATA_RULES else 1.0)
            if rule.startswith(("evoaug_train", "evoaug_downsample", "evoaug_sweep")):
                output = checkpoint_mb(rule, wildcards, rows)
            record.update(
                cpu_s=anchor["job_cpu_s"] * ratio,
                mem_mb=anchor["peak_rss_mb"] * max(1.0, mem_ratio),
                output_mb=output,
                basis="rehearsal" if abs(ratio - 1) < 1e-6 else "rehearsal x size ratio",
            )
        records.append(record)
    return pd.DataFrame.from_records(records)


def per_rule(costs: pd.DataFrame, gpu: dict[str, float], speedup: float) -> pd.DataFrame:
    """Jobs, CPU-hours, GPU-hours (and their source), disk and peak memory per rule."""
    out = []
    for (paper, rule), group in costs.groupby(["paper", "rule"], sort=True):
        cpu_h = group["cpu_s"].sum() / 3600
        if not GPU_RULES.match(rule):
            gpu_h, gpu_source = 0.0, "CPU job"
        elif rule in gpu:
            gpu_h, gpu_source = gpu[rule] * len(group) / 3600, "measured (H200 median)"
        else:
            gpu_h, gpu_source = cpu_h / speedup, f"estimated (CPU / {speedup:.1f})"
        disk = group["output_mb"]
        out.append(
            {
                "paper": paper,
                "rule": rule,
                "jobs": len(group),
                "cpu_hours": round(cpu_h, 2),
                "gpu_hours": round(gpu_h, 3),
                "gpu_source": gpu_source,
                "disk_gb": round(disk.sum() / 1000, 3) if disk.notna().all() else None,
                "peak_mem_mb": round(group["mem_mb"].max()),
                "basis": "/".join(sorted(set(group["basis"]))),
            }
        )
    return pd.DataFrame(out)


def per_paper(rules: pd.DataFrame) -> pd.DataFrame:
    totals = rules.groupby("paper").agg(
        jobs=("jobs", "sum"),
        cpu_hours=("cpu_hours", "sum"),
        gpu_hours=("gpu_hours", "sum"),
        disk_gb=("disk_gb", lambda s: s.fillna(0).sum()),
        peak_mem_mb=("peak_mem_mb", "max"),
    )
    totals.loc["all papers"] = [
        totals["jobs"].sum(),
        totals["cpu_hours"].sum(),
        totals["gpu_hours"].sum(),
        totals["disk_gb"].sum(),
        totals["peak_mem_mb"].max(),
    ]
    return totals.reset_index().round({"cpu_hours": 1, "gpu_hours": 2, "disk_gb": 2})


# --------------------------------------------------------------------------- output


def table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"

    def cell(value) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return "n/m"
        return f"{value:,}" if isinstance(value, int | float) else str(value)

    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def section(record: dict, rules: pd.DataFrame, papers: pd.DataFrame, speedup: float, n_jobs: int) -> str:
    p = record["provenance"]
    m = p["machine"]
    chain = [p]  # newest stamp first: each --only rerun keeps the earlier run's stamp inside its own
    while chain[-1].get("other_rows_from"):
        chain.append(chain[-1]["other_rows_from"])
    shared = any(stamp["machine"]["cores_shared"] for stamp in chain)
    covered: set[str] = set()
    parts = []
    for stamp in chain[:-1]:
        jobs = [job for job in stamp["rerun_jobs"] if job not in covered]
        covered.update(jobs)
        if jobs:
            parts.append(f"rows {', '.join(jobs)} at commit {stamp['commit'][:10]}, {stamp['date_utc']}")
    rerun = (
        f" Measured in {len(chain)} runs: {'; '.join(parts)}; the other rows at commit {chain[-1]['commit'][:10]},"
        f" {chain[-1]['date_utc']}."
        if len(chain) > 1
        else ""
    )
    return f"""{SECTION}

Made by `benchmarks/paper_scale/rehearsal.py` (measurements) and
`benchmarks/paper_scale/cost_table.py` (this section); data in
`benchmarks/results/paper_scale_rehearsal.{{json,csv}}` and `benchmarks/results/paper_scale_cost.{{json,csv}}`.
Commit {p["commit"][:10]}, preset `{p["preset"]}`, {p["date_utc"]}, {m["cpu_model"]}, {m["cores"]} cores
(cores shared with other jobs for some rows: {"yes" if shared else "no"}), {m["ram_gib"]} GiB RAM, no GPU;
EvoAug training timed over {p["evoaug_steps"]} optimiser steps per stage.{rerun}

One job of every rule type ran at the paper preset's full size, each in its own child process
(wall time, CPU time of the child, peak RSS; forked after the imports, so every peak includes
the parent's {p["fork_baseline_rss_mb"]:.0f} MB of torch, msprime and the package). "Extrapolated" rows: time x the factor (training
batches, shards) or, for EvoAug, one epoch from the timed steps; peak memory is always measured
at full size. The last column is the whole workflow job (EvoAug: `max_epochs` epochs, an upper
bound as early stopping may end sooner). Set-up rows are not workflow jobs.

{markdown(record["jobs"], whole_job=True)}

Cost of the paper preset's {n_jobs:,} jobs (dry run of `all`). CPU-hours: the rehearsed job's CPU
time times the size ratio of `genomic_dl.resources` (rules marked "model" were not rehearsed and
use that module's estimate). GPU-hours are estimated (no GPU here): measured on the H200 where
`results/paper-scale/job_times.csv` has the rule, else CPU time / {speedup:.1f} (the ratio measured for
`imagene_fig3_train`: one CPU thread vs the H200). Disk: rehearsed outputs times counts (n/m = not
measured). The SLiM jobs are in this DAG (`--config slim=require`) but were not rehearsed (SLiM was not
installed): they cost the size model's estimate (`genomic_dl.resources`, about 70 s per replicate).

{table(papers)}

{table(rules)}
"""


def write_docs(path: Path, text: str) -> None:
    """Replace (or append) the section in ``path``; the section runs to the next ``## `` heading."""
    old = path.read_text()
    start = old.find(SECTION)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        following = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text + (old[following + 1 :] if following >= 0 else "")
    path.write_text(new.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    results = ROOT / "benchmarks" / "results"
    parser.add_argument("--rehearsal", type=Path, default=results / "paper_scale_rehearsal.json")
    parser.add_argument("--dry-run", type=Path, help="a saved `snakemake -n` log of the paper preset")
    parser.add_argument("--gpu-times", type=Path, default=ROOT / "results" / "paper-scale" / "job_times.csv")
    parser.add_argument("--gpu-speedup", type=float, help="CPU / GPU time of unmeasured rules")
    parser.add_argument("--out", type=Path, default=results)
    parser.add_argument("--docs", type=Path, help="markdown file whose cost section is (re)written")
    args = parser.parse_args(argv)
    record = json.loads(args.rehearsal.read_text())
    rows = {row["job"]: row for row in record["jobs"]}
    config = paper_config()
    plan = ResourcePlan(config)
    jobs = parse_jobs(args.dry_run.read_text() if args.dry_run else dry_run_log())
    gpu = gpu_medians(args.gpu_times)
    speedup = args.gpu_speedup
    if speedup is None:
        fig3 = rows.get("imagene_fig3_train")
        if fig3 is None or "imagene_fig3_train" not in gpu:
            raise SystemExit("no measured speed-up (imagene_fig3_train on CPU and GPU): pass --gpu-speedup")
        speedup = fig3["job_wall_s"] / gpu["imagene_fig3_train"]
    costs = job_costs(jobs, rows, plan, config)
    rules = per_rule(costs, gpu, speedup)
    papers = per_paper(rules)
    args.out.mkdir(parents=True, exist_ok=True)
    rules.to_csv(args.out / "paper_scale_cost.csv", index=False)
    summary = {
        "provenance": record["provenance"],
        "gpu_speedup": speedup,
        "jobs": len(jobs),
        "papers": papers.to_dict("records"),
        "rules": rules.to_dict("records"),
    }
    (args.out / "paper_scale_cost.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    text = section(record, rules, papers, speedup, len(jobs))
    print(text)
    if args.docs:
        write_docs(args.docs, text)


if __name__ == "__main__":
    main()
