"""The SLURM profile on a real one-node SLURM cluster (set up here as root; skipped otherwise).

SLURM is installed with apt-get only when GENOMIC_DL_INSTALL_SLURM=1 (as .ci/run sets); without
it and without SLURM the test is skipped with that reason.

One Fig 3 network of the smoke preset (simulation -> images -> training -> evaluation) is built
with `--workflow-profile profiles/slurm`; every job goes through sbatch, the simulation and
image jobs as one grouped SLURM job. The same target built locally must give the same numbers.
"""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, load_preset
from slurm_cluster import SlurmCluster, ensure_slurm_installed

from genomic_dl.resources import ResourcePlan

pytestmark = pytest.mark.slow

TARGET = "results/smoke/imagene2019/fig3/standard/rows/S400/seed1/evaluation.json"
SMOKE = str(REPO / "config/presets/smoke.yaml")
SUBMITTED = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+) \(log: (\S+?)\)\.?$", re.MULTILINE)
SNAKEMAKE_TIMEOUT = 480
PLAN = ResourcePlan(load_preset("smoke"))  # what every rule asks SLURM for in this run


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    reason = ensure_slurm_installed()
    if reason is not None:
        pytest.skip(reason)
    with SlurmCluster(tmp_path_factory.mktemp("slurm")) as cluster:
        yield cluster
    assert not cluster.running(), f"daemons still running: {cluster.running()}"


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("slurm_work")
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--workflow-profile",
        str(REPO / "profiles/slurm"),
        "--configfile",
        SMOKE,
        "--directory",
        str(workdir),
        # Test pace: first status check after 5 s (MinJobAge 300 s >= 3 x 5 s keeps squeue usable).
        "--slurm-init-seconds-before-status-checks",
        "5",
        "--latency-wait",
        "5",
        "--slurm-keep-successful-logs",
        TARGET,
    ]
    start = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=REPO, env=cluster.env, capture_output=True, text=True, timeout=SNAKEMAKE_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(
            f"snakemake did not finish within {SNAKEMAKE_TIMEOUT} s\n"
            f"{(error.stderr or b'')[-4000:]!r}\n{cluster.logs_tail()}"
        )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-6000:] + "\n" + cluster.logs_tail()
    return {
        "workdir": workdir,
        "log": log,
        "seconds": time.monotonic() - start,
        "jobs": dict(line.split("|", 1) for line in cluster.jobs()),
    }


def test_target_built_under_slurm(slurm_run):
    evaluation = json.loads((slurm_run["workdir"] / TARGET).read_text())
    assert 0 <= evaluation["accuracy"] <= 1
    assert evaluation["wildcards"] == {"architecture": "standard", "sorting": "rows", "S": "400", "seed": "1"}


def squeue_details(cluster, slurm_id):
    """(memory, time limit in minutes, CPUs) the controller recorded for a job (kept MinJobAge s)."""
    memory, limit, cpus = (
        cluster.client("squeue", "--noheader", "--states=all", f"--jobs={slurm_id}", "--format=%m|%l|%C")
        .stdout.strip()
        .split("|")
    )
    days, _, clock = limit.rpartition("-")  # [D-][HH:]MM:SS
    hours, minutes, _ = ([0] + [int(part) for part in clock.split(":")])[-3:]
    return memory, int(days or 0) * 1440 + hours * 60 + minutes, int(cpus)


def test_every_job_went_through_sbatch(slurm_run, cluster):
    submitted = SUBMITTED.findall(slurm_run["log"])
    by_kind = {
        kind: [s for s in submitted if f"/{kind}" in s[2]]
        for kind in ("group_prep", "rule_imagene_fig3_train", "rule_imagene_fig3_evaluate")
    }
    # grouped preparation jobs + one training + one evaluation, nothing else
    assert len(by_kind["rule_imagene_fig3_train"]) == len(by_kind["rule_imagene_fig3_evaluate"]) == 1
    assert len(submitted) == sum(map(len, by_kind.values())), submitted
    for _, slurm_id, _ in submitted:
        assert slurm_run["jobs"].get(slurm_id) == "COMPLETED", slurm_run["jobs"]
    # The rule's sized resources reached sbatch (genomic_dl.resources, attempt 1), with 1 CPU.
    wildcards = {"architecture": "standard", "sorting": "rows", "S": "400", "seed": "1"}
    expected = (
        f"{PLAN.mem_mb('imagene_fig3_train', wildcards)}M",
        PLAN.runtime_min("imagene_fig3_train", wildcards),
        1,
    )
    assert squeue_details(cluster, by_kind["rule_imagene_fig3_train"][0][1]) == expected


def test_simulation_and_images_ran_as_grouped_jobs(slurm_run, cluster):
    groups = [s for s in SUBMITTED.findall(slurm_run["log"]) if "/group_prep" in s[2]]
    counts = {"simulate_msprime": 0, "imagene_images": 0}
    for _, slurm_id, log in groups:
        text = Path(log).read_text()
        in_group = {rule: len(re.findall(rf"^rule {rule}:", text, re.MULTILINE)) for rule in counts}
        assert in_group["simulate_msprime"] == in_group["imagene_images"] >= 1, text[-3000:]
        for rule, n in in_group.items():
            counts[rule] += n
        # one CPU, the largest member's memory, the members' summed runtimes
        shard = {"scenario": "three_epoch", "S": "0", "shard": "0"}
        memory = max(PLAN.mem_mb(rule, shard) for rule in counts)
        minutes = sum(PLAN.runtime_min(rule, shard) for rule in counts) * in_group["simulate_msprime"]
        assert squeue_details(cluster, slurm_id) == (f"{memory}M", minutes, 1)
    # smoke: 3 shards (2 train + 1 test) of S0 and of S400, each simulated and made into images,
    # in fewer sbatch jobs than tasks (profile: up to 5 shards per group job)
    assert counts == {"simulate_msprime": 6, "imagene_images": 6}, slurm_run["log"][-4000:]
    assert len(groups) == 2


def test_slurm_result_equals_local_result(slurm_run, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "--cores",
            "2",
            "--configfile",
            SMOKE,
            "--directory",
            str(tmp_path),
            TARGET,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert (tmp_path / TARGET).read_text() == (slurm_run["workdir"] / TARGET).read_text()
