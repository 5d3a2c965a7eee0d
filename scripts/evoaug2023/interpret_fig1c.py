"""Rule evoaug_fig1c_filters: hit rate and q-values of the filters per model (Fig 1c)."""

import pandas as pd

from genomic_dl.evoaug2023.figures_interpretation import plot_filter_summary, summarise_filters
from genomic_dl.io import read_json, write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_seed = pd.DataFrame(
    [{**record, **read_json(path)} for record, path in zip(snakemake.params.models, snakemake.input, strict=True)]
)
summary = summarise_filters(per_seed)
write_csv(summary, snakemake.output.csv)
plot_filter_summary(per_seed, summary, snakemake.params.dataset, snakemake.output.pdf)
log.info(
    "Fig 1c:\n%s",
    summary[["model", "hit_rate_mean", "mean_hit_q_mean", "planted_recovery_mean"]].to_string(index=False),
)
