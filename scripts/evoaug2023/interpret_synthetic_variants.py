"""Rule evoaug_interp_synthetic_variants: the offline CAGI5 analog (Fig 1d) from the generator's
test data: elements, every single-nucleotide variant, true effect plus measurement noise."""

import numpy as np

from genomic_dl.evoaug2023.interpretation import load_test_split
from genomic_dl.evoaug2023.variant_sets import synthetic_variant_set
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
settings = snakemake.params.settings
data = load_test_split(snakemake.input[0])
if not data.synthetic:
    raise ValueError(
        f"{snakemake.input[0]}: not a synthetic data file; the offline variant-effect analog needs the "
        "generator's ground truth (use evoaug_interpretation.variant_effects.source: cagi5 for real data)"
    )
variant_set = synthetic_variant_set(
    data,
    n_elements=settings["n_elements"],
    element_width=settings["element_width"],
    relative_noise_sd=settings["relative_noise_sd"],
    rng=np.random.default_rng(snakemake.params.seed),
)
variant_set.save(snakemake.output[0])
effects = variant_set.variants["true_effect"]
log.info(
    "%d elements, %d variants; true effects: sd %.3f, %.1f%% with |effect| > 0.1; relative noise sd %g",
    len(variant_set.x_ref),
    len(effects),
    effects.std(),
    100 * (effects.abs() > 0.1).mean(),
    settings["relative_noise_sd"],
)
