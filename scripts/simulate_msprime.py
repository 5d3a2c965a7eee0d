"""Rule simulate_msprime: one shard of msprime replicates."""

from genomic_dl.io import save_arrays
from genomic_dl.popgen.simulate import parse_strength, simulate_shard
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
arrays, metadata = simulate_shard(
    snakemake.params.scenario,
    S=parse_strength(snakemake.wildcards.S),
    n_replicates=snakemake.params.n_replicates,
    seed=snakemake.params.seed,
)
metadata["scenario_name"] = snakemake.wildcards.scenario
save_arrays(snakemake.output[0], metadata, **arrays)
log.info("wrote %s", snakemake.output[0])
