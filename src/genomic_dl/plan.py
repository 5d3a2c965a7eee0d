"""What the workflow computes from the config before any job runs: the part every paper shares.

Each paper package has a ``plan`` module built on :class:`CorePlan` (settings, target lists,
input functions and config cross-checks); the rule files in ``workflow/rules/`` import them and
only declare rules. Everything here is plain Python: it is unit-tested without Snakemake.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from typing import Any, NoReturn

from genomic_dl.popgen.scenarios import check_scenario
from genomic_dl.seeds import derive_seed

ENGINES = ("msprime", "slim")


def config_error(key: str, message: str) -> NoReturn:
    """Stop before any job runs, naming the offending config key."""
    raise ValueError(f"invalid config: '{key}': {message}")


def slim_available(setting: str, conda_deployment: bool, slim_on_path: bool | None = None) -> bool:
    """Whether targets that need SLiM are built in this run (config key ``slim``).

    ``require``: always (the SLiM rule fails with instructions when the binary is missing);
    ``skip``: never; ``auto``: when ``slim`` is on PATH or Snakemake deploys conda environments
    (``--sdm conda``; envs/slim.yaml provides it).
    """
    if setting != "auto":
        return setting == "require"
    if slim_on_path is None:
        slim_on_path = shutil.which("slim") is not None
    return conda_deployment or slim_on_path


class CorePlan:
    """Config-wide settings: the results tree, scenarios, SLiM availability, per-job seeds.

    Every output of a run lies under ``results`` (config key ``results_dir``, one tree per preset),
    its job logs under ``logs``; only raw downloads under ``resources/`` are shared by presets.
    """

    def __init__(self, config: dict, slim_available: bool) -> None:
        self.config = config
        self.results: str = str(config["results_dir"]).rstrip("/")
        self.logs = f"{self.results}/logs"
        #: The 1000 Genomes phase 3 region (imagene.fig1.vcf), stored like a simulation shard:
        #: ImaGene Fig 1 draws it and Cecil & Sugden Fig F reads its CEU and YRI spectra.
        self.thousand_genomes_region = f"{self.results}/imagene2019/fig1_region.npz"
        self.scenarios: dict[str, dict] = config["simulation"]["scenarios"]
        for name, scenario in self.scenarios.items():
            try:
                check_scenario(name, scenario)
            except ValueError as error:
                raise ValueError(f"invalid config: {error}") from None
        self.scenarios_by_engine = {
            engine: [name for name, scenario in self.scenarios.items() if scenario["engine"] == engine]
            for engine in ENGINES
        }
        self.slim_available = slim_available
        self.slim_note = f"not run (SLiM unavailable: config slim = {config['slim']})"

    def simulation_shard(self, scenario: Any, S: Any, shard: Any) -> str:
        """One shard of simulated replicates (the contract between simulation.smk and the papers)."""
        return f"{self.results}/simulations/{scenario}/S{S}/shard{shard}.npz"

    def needs_slim(self, scenarios: Iterable[str]) -> bool:
        """True if any of the named scenarios runs on the slim engine."""
        return any(self.scenarios[name]["engine"] == "slim" for name in scenarios)

    def job_seed(self, *keys: Any) -> int:
        """Seed of one job: the config's master seed and the job's identity (wildcards)."""
        return derive_seed(self.config["seed"], *keys)

    def check_scenario_name(self, key: str, name: str) -> None:
        """config_error unless ``name`` is one of simulation.scenarios."""
        if name not in self.scenarios:
            config_error(key, f"'{name}' is not one of simulation.scenarios {sorted(self.scenarios)}")
