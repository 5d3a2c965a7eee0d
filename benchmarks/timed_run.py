"""Time a whole run from a fresh clone, with the per-rule breakdown (the README's `make run` figure).

Run::

    .venv/bin/python benchmarks/timed_run.py OUT [--target run|smoke] [--cores N] [--targets T ...]

Clones this repository's HEAD into ``OUT/clone`` (``git clone --local``: committed code only),
runs ``make <target>`` there (``run``: the default preset, every figure; ``smoke``: the smoke
preset) exactly as a new user would, virtual environment included (``--targets``: only those
Snakemake targets, ``make run TARGETS=...``; e.g. ``evoaug2023``, or ``imagene2019 cecil2023``:
the two parts of the default run share no job), and writes into ``OUT``:

* ``make.log``: the run's output;
* ``job_times.csv``: every finished job's rule, wildcards, start, end and seconds (from
  Snakemake's own run log, ``benchmarks/paper_scale/job_times.py``);
* ``timed_run.json`` / ``timed_run.md``: total wall time (``make`` start to end, set-up
  included), the Snakemake part, and per rule its jobs, summed job seconds and share, stamped
  with commit, target, date and machine.

Hours for ``run`` on 2 cores: start it on an otherwise idle machine (other work on the same
cores stretches every job).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _job_times_module():
    spec = importlib.util.spec_from_file_location("job_times", REPO / "benchmarks/paper_scale/job_times.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def per_rule(jobs: list[dict]) -> list[dict]:
    """Jobs, summed job seconds and share of all job seconds per rule, largest first.

    ``jobs``: rows of ``job_times.job_times`` (``rule``, ``seconds``, ``start``, ``end``).
    """
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for job in jobs:
        seconds[job["rule"]] += float(job["seconds"])
        counts[job["rule"]] += 1
    total = sum(seconds.values()) or 1.0
    rows = [
        {"rule": rule, "jobs": counts[rule], "job_seconds": round(seconds[rule], 1), "share": seconds[rule] / total}
        for rule in seconds
    ]
    return sorted(rows, key=lambda row: -row["job_seconds"])


def make_command(target: str, cores: str, targets: list[str]) -> list[str]:
    """The ``make`` call of a timed run: ``make <target> CORES=<cores> [TARGETS=<targets>]``."""
    command = ["make", target, f"CORES={cores}"]
    if targets:
        if target != "run":
            raise ValueError(f"--targets needs --target run, got --target {target}")
        command.append(f"TARGETS={' '.join(targets)}")
    return command


def markdown(report: dict) -> str:
    lines = [
        f"# Timed `{shlex.join(report['command'])}` from a fresh clone",
        "",
        (
            f"Commit `{report['commit']}`, {report['date_utc']}, {report['machine']}, `--cores {report['cores']}`: "
            f"**{report['wall_seconds'] / 60:.1f} min** in all (set-up included), Snakemake "
            f"{report['snakemake_seconds'] / 60:.1f} min for {report['jobs']} jobs; exit status {report['exit_status']}."
        ),
        "",
        "| rule | jobs | job time (min, summed) | share |",
        "| --- | --- | --- | --- |",
    ]
    lines += [
        f"| {row['rule']} | {row['jobs']} | {row['job_seconds'] / 60:.1f} | {100 * row['share']:.1f} % |"
        for row in report["rules"]
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output folder (the clone goes to OUT/clone)")
    parser.add_argument("--target", choices=["run", "smoke"], default="run", help="make target (default: run)")
    parser.add_argument("--cores", default="all", help="make's CORES (default: all)")
    parser.add_argument(
        "--targets", nargs="+", default=[], help="Snakemake targets of make run (default: all, the whole run)"
    )
    args = parser.parse_args(argv)
    try:
        command = make_command(args.target, args.cores, args.targets)
    except ValueError as error:
        parser.error(str(error))
    out = args.out.resolve()
    clone = out / "clone"
    if clone.exists():
        parser.error(f"{clone} exists: give a new OUT folder (the run must start from a fresh clone)")
    out.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
    subprocess.run(["git", "clone", "--quiet", "--local", str(REPO), str(clone)], check=True)
    started = time.perf_counter()
    with open(out / "make.log", "w") as log:
        print(f"{shlex.join(command)} in {clone} (log: {out / 'make.log'})", file=sys.stderr)
        status = subprocess.run(command, cwd=clone, stdout=log, stderr=subprocess.STDOUT, check=False).returncode
    wall = time.perf_counter() - started

    job_times = _job_times_module()
    jobs = [
        row for log in sorted((clone / ".snakemake/log").glob("*.snakemake.log")) for row in job_times.job_times(log)
    ]
    with open(out / "job_times.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, ["rule", "wildcards", "start", "end", "seconds", "log"])
        writer.writeheader()
        writer.writerows(jobs)
    span = (max(j["end"] for j in jobs) - min(j["start"] for j in jobs)).total_seconds() if jobs else 0.0
    report = {
        "target": args.target,
        "targets": args.targets,
        "command": command,
        "cores": args.cores,
        "commit": commit.stdout.strip(),
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.node()}",
        "exit_status": status,
        "wall_seconds": round(wall, 1),
        "snakemake_seconds": round(span, 1),
        "jobs": len(jobs),
        "rules": per_rule(jobs),
    }
    (out / "timed_run.json").write_text(json.dumps(report, indent=1, default=str))
    (out / "timed_run.md").write_text(markdown(report))
    print(markdown(report))
    return report


if __name__ == "__main__":
    main()
