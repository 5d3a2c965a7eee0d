# Shared helpers: config cross-checks, per-job seeds, path builders, SLiM availability.

import shutil

from snakemake.logging import logger
from snakemake_interface_executor_plugins.settings import DeploymentMethod

from genomic_dl.popgen.scenarios import check_scenario
from genomic_dl.seeds import derive_seed


def config_error(key, message):
    """Stop before any job runs, naming the offending config key."""
    raise ValueError(f"invalid config: '{key}': {message}")


SCENARIOS = config["simulation"]["scenarios"]
for _name, _scenario in SCENARIOS.items():
    try:
        check_scenario(_name, _scenario)
    except ValueError as error:
        raise ValueError(f"invalid config: {error}") from None
SCENARIOS_BY_ENGINE = {
    engine: [
        name for name, scenario in SCENARIOS.items() if scenario["engine"] == engine
    ]
    for engine in ("msprime", "slim")
}


def slim_available():
    """Whether targets that need SLiM are built in this run (config key `slim`).

    `require`: always (the SLiM rule fails with instructions when the binary is missing);
    `skip`: never; `auto`: when `slim` is on PATH or Snakemake deploys conda environments
    (`--sdm conda`; envs/slim.yaml provides it).
    """
    if config["slim"] != "auto":
        return config["slim"] == "require"
    deployment = workflow.deployment_settings.deployment_method
    return DeploymentMethod.CONDA in deployment or shutil.which("slim") is not None


SLIM_AVAILABLE = slim_available()
SLIM_NOTE = f"not run (SLiM unavailable: config slim = {config['slim']})"


def needs_slim(scenarios):
    """True if any of the named scenarios runs on the slim engine."""
    return any(SCENARIOS[name]["engine"] == "slim" for name in scenarios)


def job_seed(*keys):
    """Seed of one job: the config's master seed and the job's identity (wildcards)."""
    return derive_seed(config["seed"], *keys)


def simulation_shard(scenario, S, shard):
    return f"results/simulations/{scenario}/S{S}/shard{shard}.npz"


def imagene_image_shard(scenario, sorting, S, shard):
    return f"results/images/imagene/{scenario}/{sorting}/S{S}/shard{shard}.npz"


def imagene_image_shards(scenario, S, shards):
    """Input function: image shards of class S (None = the job's {S} wildcard) in the job's {sorting}."""
    return lambda w: [
        imagene_image_shard(scenario, w.sorting, w.S if S is None else S, i)
        for i in shards
    ]


wildcard_constraints:
    scenario="|".join(SCENARIOS),
    S=r"\d+|U\d+-\d+",
    shard=r"\d+",
    seed=r"\d+",
    sorting="none|rows|cols|rows_cols",
    architecture=r"[a-z0-9_]+",
