"""Rule imagene_fig5_label_distributions: confusion (MAP), RMSE and standardized bias per label distribution."""

from genomic_dl.imagene2019.figures_quantification import (
    collect_multiclass,
    plot_label_distributions,
    summarise_multiclass,
)
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_seed = collect_multiclass(snakemake.params.networks, snakemake.input)
summary = summarise_multiclass(per_seed)
write_csv(summary, snakemake.output.csv)
plot_label_distributions(summary, snakemake.output.pdf)
log.info(
    "Fig 5:\n%s",
    summary[["variant", "accuracy_mean", "rmse_map_mean", "rmse_mean_mean", "standardized_bias_mean_mean"]].to_string(
        index=False
    ),
)
