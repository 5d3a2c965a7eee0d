"""Rule evoaug_figS7: validation curves of standard training, augmented pretraining and fine-tuning."""

from genomic_dl.evoaug2023.figures import plot_training_curves, training_curves
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = training_curves(snakemake.params.records, snakemake.input)
write_csv(table, snakemake.output.csv)
plot_training_curves(table, snakemake.output.pdf)
log.info("Fig S7: %d curve points", len(table))
