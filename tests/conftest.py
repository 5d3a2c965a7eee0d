"""Shared fixtures: repository paths, the merged configs of the three presets and the smoke run.

The smoke preset's `rule all` (several minutes on 2 cores) starts in the background as soon as
collection shows that a selected test needs it; the modules that use it run last, so the unit
tests run while it builds.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# numba (memelite's Tomtom) compiles once into the work tree's cache, as the workflow does.
os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba_cache"))
PRESETS = ("smoke", "default", "paper")
SMOKE_TIMEOUT = 1500  # seconds from the start of the smoke run


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


class SmokeRun:
    """`snakemake --configfile config/presets/smoke.yaml` (rule all) running in ``workdir``."""

    def __init__(self, workdir: Path, log: Path) -> None:
        self.workdir, self.log = workdir, log
        with open(log, "w") as handle:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "snakemake",
                    "--cores",
                    "2",
                    "--configfile",
                    str(REPO / "config/presets/smoke.yaml"),
                    "--directory",
                    str(workdir),
                ],
                cwd=REPO,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        self.started = time.monotonic()

    def wait(self) -> Path:
        """Block until the run ends; fail with its log's tail unless it succeeded."""
        try:
            returncode = self.process.wait(timeout=max(1.0, SMOKE_TIMEOUT - (time.monotonic() - self.started)))
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail(f"the smoke run did not finish within {SMOKE_TIMEOUT} s; log {self.log}")
        assert returncode == 0, self.log.read_text()[-4000:]
        return self.workdir

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


SMOKE_RUN = pytest.StashKey[SmokeRun]()


def _needs_smoke_run(item: pytest.Item) -> bool:
    return "smoke_run" in getattr(item, "fixturenames", ())


def _start_smoke_run(config: pytest.Config) -> SmokeRun:
    factory = config._tmp_path_factory  # the session's tmp_path_factory
    run = SmokeRun(factory.mktemp("smoke"), factory.mktemp("smoke_log") / "snakemake.log")
    config.stash[SMOKE_RUN] = run
    return run


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the modules with a test on the smoke run to the end (each module kept together)."""
    late = {item.module for item in items if _needs_smoke_run(item)}
    items[:] = [item for item in items if item.module not in late] + [item for item in items if item.module in late]


def pytest_collection_finish(session: pytest.Session) -> None:
    if not session.config.option.collectonly and any(map(_needs_smoke_run, session.items)):
        _start_smoke_run(session.config)


def pytest_unconfigure(config: pytest.Config) -> None:
    if SMOKE_RUN in config.stash:
        config.stash[SMOKE_RUN].stop()


@pytest.fixture(scope="session")
def smoke_run(request) -> Path:
    """A fresh directory in which the smoke preset's `rule all` was built (once per session)."""
    run = request.config.stash.get(SMOKE_RUN, None) or _start_smoke_run(request.config)
    return run.wait()
