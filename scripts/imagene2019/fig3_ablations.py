"""Rule imagene_fig3_ablations: no dense layer and 5x5 kernels vs the standard Fig 3 network."""

from genomic_dl.imagene2019.figures import collect_binary_evaluations, plot_ablations, summarise_over_seeds
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_seed = collect_binary_evaluations(snakemake.params.networks, snakemake.input)
summary = summarise_over_seeds(per_seed)
write_csv(summary, snakemake.output.csv)
plot_ablations(summary, per_seed, snakemake.params.architectures, snakemake.output.pdf)
log.info(
    "accuracy by architecture:\n%s", summary[["architecture", "accuracy_mean", "accuracy_sd"]].to_string(index=False)
)
