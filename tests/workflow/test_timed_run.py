"""benchmarks/timed_run.py: the per-rule breakdown of a timed run, from Snakemake's own run log."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import REPO


def load():
    spec = importlib.util.spec_from_file_location("timed_run", REPO / "benchmarks" / "timed_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_per_rule_sums_the_jobs_of_a_run_log(tmp_path):
    timed_run = load()
    log = tmp_path / "run.snakemake.log"
    log.write_text(
        "[Sat Dec  5 08:00:00 2026]\nrule simulate_msprime:\n    jobid: 1\n"
        "[Sat Dec  5 08:00:00 2026]\nrule simulate_msprime:\n    jobid: 2\n"
        "[Sat Dec  5 08:00:30 2026]\nFinished jobid: 1 (Rule: simulate_msprime)\n"
        "[Sat Dec  5 08:00:40 2026]\nFinished jobid: 2 (Rule: simulate_msprime)\n"
        "[Sat Dec  5 08:00:40 2026]\nrule imagene_fig3_train:\n    jobid: 3\n"
        "[Sat Dec  5 08:03:00 2026]\nFinished jobid: 3 (Rule: imagene_fig3_train)\n"
    )
    jobs = timed_run._job_times_module().job_times(log)
    rows = timed_run.per_rule(jobs)
    assert [row["rule"] for row in rows] == ["imagene_fig3_train", "simulate_msprime"]  # largest first
    assert rows[0]["jobs"] == 1 and rows[0]["job_seconds"] == 140.0
    assert rows[1]["jobs"] == 2 and rows[1]["job_seconds"] == 70.0
    assert abs(rows[0]["share"] - 140 / 210) < 1e-12
    report = {
        "target": "run",
        "command": ["make", "run", "CORES=all"],
        "commit": "abc",
        "date_utc": "2026-12-05T08:00:00Z",
        "machine": "x86_64, 2 cores",
        "cores": "all",
        "wall_seconds": 300.0,
        "snakemake_seconds": 180.0,
        "jobs": 3,
        "exit_status": 0,
        "rules": rows,
    }
    text = timed_run.markdown(report)
    assert text.startswith("# Timed `make run CORES=all` from a fresh clone")
    assert "**5.0 min** in all" in text and "| imagene_fig3_train | 1 | 2.3 | 66.7 % |" in text


def test_make_command_passes_the_targets_to_make_run():
    timed_run = load()
    assert timed_run.make_command("run", "2", []) == ["make", "run", "CORES=2"]
    assert timed_run.make_command("run", "2", ["imagene2019", "cecil2023"]) == [
        "make",
        "run",
        "CORES=2",
        "TARGETS=imagene2019 cecil2023",
    ]
    with pytest.raises(ValueError, match="--targets needs --target run"):
        timed_run.make_command("smoke", "2", ["evoaug2023"])
