# Shared settings (genomic_dl.plan): config cross-checks, per-job seeds, shard paths, SLiM
# availability; every paper's plan builds on CORE.

from snakemake_interface_executor_plugins.settings import DeploymentMethod

from genomic_dl.plan import CorePlan, slim_available
from genomic_dl.resources import ResourcePlan

CORE = CorePlan(
    config,
    slim_available(
        config["slim"],
        DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method,
    ),
)
job_seed = CORE.job_seed
simulation_shard = CORE.simulation_shard
# This run's results tree (config results_dir: one per preset) and its job logs.
RESULTS, LOGS = CORE.results, CORE.logs
# mem_mb and runtime of every rule, from the job's size and `attempt` (genomic_dl.resources).
RES = ResourcePlan(config)


wildcard_constraints:
    scenario="|".join(CORE.scenarios),
    S=r"\d+|U\d+-\d+",
    shard=r"\d+",
    seed=r"\d+",
    sorting="none|rows|cols|rows_cols",
    architecture=r"[a-z0-9_]+",
