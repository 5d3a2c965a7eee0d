"""Rule evoaug_figS1_S5: hyperparameter sweeps (validation metric vs each augmentation parameter and k)."""

from genomic_dl.evoaug2023.figures import plot_sweeps, sweep_table
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = sweep_table(
    snakemake.params.records, snakemake.input.sweeps, snakemake.params.reference_records, snakemake.input.reference
)
write_csv(table, snakemake.output.csv)
plot_sweeps(table, snakemake.output.pdf)
log.info("Figs S1-S5:\n%s", table.to_string(index=False))
