"""One results tree per preset: who owns a tree, and the config snapshot that records it.

Every output and job log of a run lies under the config key ``results_dir`` (``results/default``,
``results/smoke``, ``results/paper`` ...), so running one preset never rewrites another's files.
A run that executes jobs records its merged config as ``<results_dir>/config.yaml``
(:func:`record_config`); before any job runs, :func:`check_owner` stops a run whose ``preset``
differs from the one recorded there, e.g. a copied preset renamed ``custom`` whose
``results_dir`` still points at the tree it was copied from. Changing a preset's own values and
rerunning it into its tree is allowed (Snakemake then reruns what the change affects).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from genomic_dl.config import ConfigError
from genomic_dl.io import atomic_path

__all__ = ["SNAPSHOT", "check_owner", "record_config", "snapshot_path"]

#: File name of the config snapshot inside a results tree.
SNAPSHOT = "config.yaml"


def snapshot_path(config: Mapping, workdir: str | os.PathLike = ".") -> Path:
    """``<results_dir>/config.yaml`` of ``config``, relative to the workflow's working directory."""
    return Path(workdir) / str(config["results_dir"]) / SNAPSHOT


def check_owner(config: Mapping, source: str, workdir: str | os.PathLike = ".") -> None:
    """:class:`ConfigError` if ``results_dir`` holds another preset's results.

    ``source`` names the config file that sets ``results_dir`` (for the message). A tree without
    a snapshot (new, or made before snapshots existed) belongs to whoever runs first.
    """
    path = snapshot_path(config, workdir)
    if not path.is_file():
        return
    try:
        recorded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise ConfigError(f"{path}: unreadable config snapshot; delete it if {path.parent} is yours") from None
    owner = recorded.get("preset") if isinstance(recorded, Mapping) else None
    preset = config["preset"]
    if owner is not None and owner != preset:
        raise ConfigError(
            f"results_dir '{config['results_dir']}' (set in {source}) holds the results of preset '{owner}' "
            f"(recorded in {path}), but this config is preset '{preset}'.\n"
            f"Give it a tree of its own, e.g. results_dir: results/{preset}, so that neither run "
            "overwrites the other's files."
        )


def record_config(config: Mapping, workdir: str | os.PathLike = ".") -> Path:
    """Write the merged ``config`` to ``<results_dir>/config.yaml`` (atomically); return the path."""
    path = snapshot_path(config, workdir)
    text = yaml.safe_dump(dict(config), sort_keys=False, default_flow_style=None, width=100)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
