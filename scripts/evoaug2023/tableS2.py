"""Rule evoaug_tableS2: time per epoch and per training job of every setting (Snakemake benchmarks + histories)."""

from genomic_dl.evoaug2023.figures import compute_cost_table
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = compute_cost_table(snakemake.params.jobs, snakemake.input.benchmarks, snakemake.input.histories)
write_csv(table, snakemake.output[0])
log.info("Table S2:\n%s", table.to_string(index=False))
