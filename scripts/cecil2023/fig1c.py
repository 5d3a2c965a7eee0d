"""Rule cecil2023_fig1c: mini-CNN vs Imagene test accuracy on every Table 1 data set."""

import pandas as pd

from genomic_dl.cecil2023.figures_performance import fig1c_table, plot_fig1c
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = fig1c_table(pd.read_csv(snakemake.input[0], keep_default_na=False, na_values=[""]), snakemake.params.datasets)
write_csv(table, snakemake.output.csv)
plot_fig1c(table, snakemake.output.pdf)
log.info("Fig 1C:\n%s", table[["dataset", "method", "accuracy", "minicnn_minus_imagene"]].to_string(index=False))
