"""The SLURM test installs packages only when asked (GENOMIC_DL_INSTALL_SLURM=1, set by .ci/run)."""

import subprocess

import pytest
import slurm_cluster
from conftest import REPO


@pytest.fixture()
def root_without_slurm(monkeypatch):
    monkeypatch.setattr(slurm_cluster.os, "geteuid", lambda: 0)
    monkeypatch.setattr(slurm_cluster, "missing_tools", lambda: ["sbatch", "slurmctld"])
    monkeypatch.setattr(slurm_cluster, "which", lambda tool: f"/usr/bin/{tool}")
    calls = []

    def fake_run(command, **kwargs):
        calls.append(command)
        return subprocess.CompletedProcess(command, 1, "", "no network here")

    monkeypatch.setattr(slurm_cluster.subprocess, "run", fake_run)
    return calls


def test_root_without_the_variable_skips_and_installs_nothing(root_without_slurm, monkeypatch):
    monkeypatch.delenv("GENOMIC_DL_INSTALL_SLURM", raising=False)
    reason = slurm_cluster.ensure_slurm_installed()
    assert root_without_slurm == []
    assert "GENOMIC_DL_INSTALL_SLURM=1" in reason and "sbatch" in reason


def test_the_variable_allows_apt_get(root_without_slurm, monkeypatch):
    monkeypatch.setenv("GENOMIC_DL_INSTALL_SLURM", "1")
    reason = slurm_cluster.ensure_slurm_installed()
    assert root_without_slurm and root_without_slurm[0][0].endswith("apt-get")
    assert "failed" in reason


def test_ci_asks_for_the_installation():
    lines = [line.strip() for line in (REPO / ".ci/run").read_text().splitlines() if line.strip()]
    assert "export GENOMIC_DL_INSTALL_SLURM=1" in lines
    assert lines[-1] == "make test"  # the README's test command, as printed
