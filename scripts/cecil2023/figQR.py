"""Rule cecil2023_figQR: fixed epochs vs early stopping vs simulation on the fly."""

from genomic_dl.cecil2023.figures_performance import figQR_table, plot_figQR
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = figQR_table(snakemake.params.rows)
write_csv(table, snakemake.output.csv)
plot_figQR(table, snakemake.output.pdf)
log.info(
    "Figs Q, R:\n%s", table[["dataset", "method", "strategy", "accuracy", "mean_epochs", "note"]].to_string(index=False)
)
