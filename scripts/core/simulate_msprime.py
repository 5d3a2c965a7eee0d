"""Rule simulate_msprime: one shard of msprime replicates."""

from genomic_dl.popgen.simulate import simulate_shard, simulate_to_file
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
job_logger(snakemake.log[0])
simulate_to_file(
    simulate_shard,
    snakemake.wildcards.scenario,
    snakemake.params.scenario,
    snakemake.wildcards.S,
    snakemake.params.n_replicates,
    snakemake.params.seed,
    snakemake.output[0],
)
