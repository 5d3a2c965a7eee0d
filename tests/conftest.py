"""Shared fixtures: repository paths and the merged configs of the three presets."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
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
