"""Rule simulate_slim: one shard of slim replicates (Gravel model; needs the SLiM binary, envs/slim.yaml)."""

from genomic_dl.popgen.simulate import simulate_to_file
from genomic_dl.popgen.slim_engine import simulate_shard_slim
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
job_logger(snakemake.log[0])
simulate_to_file(
    simulate_shard_slim,
    snakemake.wildcards.scenario,
    snakemake.params.scenario,
    snakemake.wildcards.S,
    snakemake.params.n_replicates,
    snakemake.params.seed,
    snakemake.output[0],
)
