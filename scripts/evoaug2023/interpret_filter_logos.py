"""Rule evoaug_fig1c_filter_logos: logo sheet of one model's first-layer filters (Fig 1c)."""

import pandas as pd

from genomic_dl.evoaug2023.figures_interpretation import filter_logo_table, plot_filter_logos
from genomic_dl.io import load_arrays, write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
arrays, metadata = load_arrays(snakemake.input.pwms, required=("pwms", "n_windows"))
table = filter_logo_table(
    pd.read_csv(snakemake.input.matches), arrays["n_windows"], arrays["pwms"], snakemake.params.max_filters
)
write_csv(table, snakemake.output.csv)
model = snakemake.wildcards.model
title = (
    f"First-layer filters of the {snakemake.params.dataset} model '{model}' (seed {snakemake.params.logo_seed}), "
    f"activation-based alignment on {metadata['n_sequences']} test sequences; "
    f"{int(table['hit'].sum())} of {len(table)} match JASPAR; {int(table['shown'].sum())} shown "
    "(matched filters by q-value, then by information content)"
)
plot_filter_logos(table, arrays["pwms"], title, snakemake.output.pdf)
log.info("%s: %d filters shown", model, int(table["shown"].sum()))
