"""Building the plans of genomic_dl.*.plan from a preset, as the Snakefile does (validated by
genomic_dl.config.check_config), so that config cross-checks are unit-tested without Snakemake."""

from __future__ import annotations

import copy

from conftest import REPO, load_preset

from genomic_dl.config import check_config
from genomic_dl.plan import CorePlan

SCHEMA = str(REPO / "workflow" / "schemas" / "config.schema.yaml")


def preset_config(preset: str = "smoke", **overrides: dict) -> dict:
    """The merged config of ``preset``, validated (the schema fills in no defaults), then ``overrides``
    (section -> nested dict) applied unvalidated: the plans' cross-checks are what is tested."""
    config = copy.deepcopy(load_preset(preset))
    check_config(config, SCHEMA)
    for section, override in overrides.items():
        _update(config[section], override)
    return config


def _update(base: dict, override: dict) -> None:
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _update(base[key], value)
        else:
            base[key] = value


def core_plan(config: dict, slim: bool = False) -> CorePlan:
    return CorePlan(config, slim_available=slim)
