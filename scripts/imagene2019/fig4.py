"""Rule imagene_fig4_misspecification: 3-class accuracy and detection accuracy by training model."""

from genomic_dl.imagene2019.figures_quantification import (
    collect_multiclass,
    plot_misspecification,
    summarise_multiclass,
)
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_seed = collect_multiclass(snakemake.params.networks, snakemake.input)
summary = summarise_multiclass(per_seed)
write_csv(summary, snakemake.output.csv)
plot_misspecification(summary, snakemake.params.settings, snakemake.output.pdf)
log.info("Fig 4:\n%s", summary[["variant", "accuracy_mean", "detection_accuracy_mean"]].to_string(index=False))
