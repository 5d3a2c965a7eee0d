# Shared settings (genomic_dl.plan): config cross-checks, per-job seeds, shard paths, SLiM
# availability; every paper's plan builds on CORE.

from snakemake_interface_executor_plugins.settings import DeploymentMethod

from genomic_dl.plan import THOUSAND_GENOMES_REGION, CorePlan, simulation_shard, slim_available

CORE = CorePlan(
    config,
    slim_available(
        config["slim"],
        DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method,
    ),
)
job_seed = CORE.job_seed


wildcard_constraints:
    scenario="|".join(CORE.scenarios),
    S=r"\d+|U\d+-\d+",
    shard=r"\d+",
    seed=r"\d+",
    sorting="none|rows|cols|rows_cols",
    architecture=r"[a-z0-9_]+",
