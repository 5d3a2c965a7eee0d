"""Rule evoaug_fig1d_variant_effects: Pearson r per element and model (Fig 1d)."""

import pandas as pd

from genomic_dl.evoaug2023.figures_interpretation import (
    plot_variant_effects,
    summarise_variant_effects,
    variant_effect_table,
)
from genomic_dl.evoaug2023.variant_sets import VariantSet
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_seed = variant_effect_table(snakemake.params.models, [pd.read_csv(path) for path in snakemake.input.scores])
variants = VariantSet.load(snakemake.input.variants).variants
ground_truth = variants if "true_effect" in variants.columns else None
summary = summarise_variant_effects(per_seed, ground_truth)
write_csv(summary, snakemake.output.csv)
plot_variant_effects(per_seed, summary, snakemake.params.source, snakemake.output.pdf)
log.info(
    "Fig 1d (mean over elements):\n%s",
    summary[summary["element"] == "all"][["model", "pearson_r_mean", "pearson_r_sd"]].to_string(index=False),
)
