"""The paper-scale GPU run (benchmarks/paper_scale/run.sh): its DAG at the papers' sizes and its
per-job timing table. The real run needs a GPU machine; its rehearsal at a small size is
`benchmarks/paper_scale/run.sh OUT 1200 benchmarks/paper_scale/rehearsal.yaml` (about 7 min on 2 cores)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "paper_scale" / "run.sh"


def load_job_times():
    spec = importlib.util.spec_from_file_location("job_times", SCRIPT.parent / "job_times.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_job_times_pairs_each_finished_job_with_its_start(tmp_path):
    log = tmp_path / "run.snakemake.log"
    log.write_text(
        "[Fri Dec  4 17:45:21 2026]\n"
        "rule simulate_msprime:\n"
        "    output: results/simulations/three_epoch/S0/shard0.npz\n"
        "    jobid: 7\n"
        "    wildcards: scenario=three_epoch, S=0, shard=0\n"
        "[Fri Dec  4 17:45:30 2026]\n"
        "localrule scorecard:\n"
        "    jobid: 9\n"
        "[Fri Dec  4 17:46:36 2026]\n"
        "Finished jobid: 7 (Rule: simulate_msprime)\n"
    )
    rows = load_job_times().job_times(log)
    assert len(rows) == 1  # job 9 never finished
    assert rows[0]["rule"] == "simulate_msprime" and rows[0]["seconds"] == 75.0
    assert rows[0]["wildcards"] == "scenario=three_epoch, S=0, shard=0"


def test_the_paper_scale_command_builds_the_papers_sizes(tmp_path):
    """The exact command of the GPU run, as a dry run: 10 batches of 5,000 per class and S, 60 Fig 3
    networks (4 sortings x 3 S x 5 seeds), the two single-population Cecil data sets."""
    env = {**os.environ, "PYTHON": sys.executable, "SNAKEMAKE_ARGS": "-n --quiet rules"}
    done = subprocess.run(
        ["bash", str(SCRIPT), str(tmp_path), "300"],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "snakemake.log").read_text()
    counts = dict(re.findall(r"^(\w+)\s+(\d+)$", log, flags=re.MULTILINE))
    assert "snakemake exit status 0" in done.stdout, log[-2000:]
    assert counts["simulate_msprime"] == "50"  # S = 0, 100, 200, 300, 400 x 10 shards
    assert counts["imagene_images"] == "160" and counts["imagene_fig3_train"] == "60"
    assert counts["cecil2023_images"] == "2" and counts["cecil2023_statistics"] == "2"
    assert counts["cecil2023_train_cnns"] == "2" and counts["cecil2023_train_deepset"] == "2"
    provenance = (tmp_path / "provenance.json").read_text()
    assert "paper_scale_gpu.yaml" in provenance


def test_scorecard_of_a_results_folder_reads_its_tables(tmp_path):
    """benchmarks/paper_scale/scorecard.py scores the Fig 3 claims on the committed paper-scale
    tables (a folder mirroring results/) and leaves claims without a table NOT RUN."""
    import shutil

    folder = tmp_path / "paper-scale"
    shutil.copytree(ROOT / "results" / "paper-scale" / "imagene2019", folder / "imagene2019")
    presets = ["config/presets/paper.yaml", "config/presets/paper_scale_gpu.yaml"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT.parent / "scorecard.py"), str(folder), *presets],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    card = (folder / "scorecard.csv").read_text().splitlines()
    fig3 = [line for line in card if "fig3_sorting_accuracy.csv" in line]
    assert fig3 and not any("NOT RUN" in line for line in fig3)
    assert any("NOT RUN" in line and "cecil2023" in line for line in card)
