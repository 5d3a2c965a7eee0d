"""Rule cecil2023_figP: test accuracy against the number of training regions."""

from genomic_dl.cecil2023.figures_performance import figP_table, plot_figP
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = figP_table(snakemake.params.rows)
write_csv(table, snakemake.output.csv)
plot_figP(table, snakemake.output.pdf)
log.info("Fig P:\n%s", table[["method", "n_train", "accuracy", "ci_low", "ci_high"]].to_string(index=False))
