"""Rule imagene_fig6_posterior: posterior of a weak and a strong test case (MAP, mean, HPDI, Bayes factor)."""

import numpy as np

from genomic_dl.imagene2019.figures_quantification import plot_posteriors, posterior_cases
from genomic_dl.io import load_arrays, write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
arrays, _ = load_arrays(
    snakemake.input[0], required=("selection_coefficient", "probabilities", "posterior_mean", "class_values")
)
cases, counts = posterior_cases(
    arrays, snakemake.params.settings, np.random.default_rng(snakemake.params.seed), source=snakemake.input[0]
)
write_csv(cases, snakemake.output.csv)
plot_posteriors(cases, counts, arrays["class_values"], snakemake.params.settings, snakemake.output.pdf)
log.info("Fig 6 cases:\n%s", cases.to_string(index=False))
