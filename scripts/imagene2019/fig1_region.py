"""Rule imagene_fig1_region: one VCF region of the chosen populations, stored like a simulation shard."""

from genomic_dl.io import save_arrays
from genomic_dl.popgen.vcf import population_region
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
region = snakemake.params.region
arrays, metadata = population_region(
    snakemake.input.vcf,
    snakemake.input.panel,
    region["chrom"],
    region["start"],
    region["end"],
    snakemake.params.populations,
)
save_arrays(snakemake.output[0], metadata, **arrays)
log.info(
    "%s: %d haplotypes x %d sites; skipped %s", metadata["region"], *arrays["genotypes"].shape, metadata["skipped"]
)
