"""Shared fixtures: repository paths and the merged configs of the three presets."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# numba (memelite's Tomtom) compiles once into the work tree's cache, as the workflow does.
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba_cache"))
PRESETS = ("smoke", "default", "paper")


def merge(base: dict, override: dict) -> dict:
    """Recursive dict update, as Snakemake merges --configfile over the Snakefile's configfile."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_preset(name: str) -> dict:
    """The merged config of preset ``name``."""
    base = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    if name == "default":
        return base
    return merge(base, yaml.safe_load((REPO / "config" / "presets" / f"{name}.yaml").read_text()))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def three_epoch() -> dict:
    """The config's three-epoch CEU scenario."""
    return load_preset("default")["simulation"]["scenarios"]["three_epoch"]


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """A fresh directory in which the smoke preset's `rule all` was built (once per session)."""
    workdir = tmp_path_factory.mktemp("smoke")
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", str(REPO / "config/presets/smoke.yaml"),
         "--directory", str(workdir)],
        cwd=REPO, capture_output=True, text=True, timeout=1500,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return workdir
