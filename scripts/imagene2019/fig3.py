"""Rule imagene_fig3_figure: Fig 3 PDF and its CSV (accuracy mean and sd over seeds)."""

from genomic_dl.imagene2019.figures import (
    add_gain_over_unsorted,
    collect_binary_evaluations,
    plot_sorting_accuracy,
    summarise_over_seeds,
)
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_seed = collect_binary_evaluations(snakemake.params.networks, snakemake.input)
summary = add_gain_over_unsorted(summarise_over_seeds(per_seed))
write_csv(summary, snakemake.output.csv)
plot_sorting_accuracy(summary, snakemake.params.sortings, snakemake.params.strengths, snakemake.output.pdf)
log.info(
    "accuracy by sorting and S:\n%s", summary[["sorting", "S", "accuracy_mean", "accuracy_sd"]].to_string(index=False)
)
