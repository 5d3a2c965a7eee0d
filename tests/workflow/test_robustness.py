"""Robustness of a run: killed mid-training and resumed, and a corrupted intermediate file."""

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import REPO

SMOKE = str(REPO / "config/presets/smoke.yaml")
EVALUATION = "results/smoke/imagene2019/fig3/standard/rows/S300/seed1/evaluation.json"
MODEL = "results/smoke/imagene2019/fig3/standard/rows/S300/seed1/model.pt"
TRAIN_LOG = "results/smoke/logs/imagene2019/fig3/standard/rows/S300/seed1/train.log"


def snakemake(workdir, *targets, **kwargs):
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--cores",
        "1",
        "--configfile",
        SMOKE,
        "--directory",
        str(workdir),
        *targets,
    ]


def test_kill_9_during_training_then_rerun_gives_the_uninterrupted_result(smoke_run, tmp_path):
    workdir = tmp_path / "run"
    process = subprocess.Popen(
        snakemake(workdir, EVALUATION),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    log = workdir / TRAIN_LOG
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and "epoch" in log.read_text():
            break  # the network has finished at least one epoch: training is under way
        time.sleep(0.2)
    else:
        pytest.fail(f"training did not start (snakemake exit status {process.poll()})")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # The checkpoint is written atomically at the end of training, so nothing half-written remains.
    assert not (workdir / MODEL).exists()
    assert not list((workdir / MODEL).parent.glob("*.tmp*"))
    # A killed Snakemake leaves its lock: the user unlocks, then reruns; the incomplete job is redone.
    locked = subprocess.run(
        snakemake(workdir, EVALUATION), cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
    unlocked = subprocess.run(
        snakemake(workdir, "--unlock"), cwd=REPO, capture_output=True, text=True, timeout=300, check=False
    )
    assert unlocked.returncode == 0, unlocked.stderr[-2000:]
    result = subprocess.run(
        snakemake(workdir, EVALUATION), cwd=REPO, capture_output=True, text=True, timeout=900, check=False
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert (workdir / EVALUATION).read_text() == (smoke_run / EVALUATION).read_text()


def test_corrupted_simulation_shard_stops_with_its_name(tmp_path):
    shard = "results/smoke/simulations/three_epoch/S0/shard0.npz"
    images = "results/smoke/images/imagene/three_epoch/rows/S0/shard0.npz"
    built = subprocess.run(
        snakemake(tmp_path, shard), cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert built.returncode == 0, built.stderr[-2000:]
    path = tmp_path / shard
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # truncated, e.g. by a full disk
    result = subprocess.run(
        snakemake(tmp_path, images), cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode != 0
    log = (tmp_path / "results/smoke/logs/imagene_images/three_epoch/rows/S0/shard0.log").read_text()
    assert f"{shard}: not a readable .npz archive" in log
    assert not (tmp_path / images).exists()
