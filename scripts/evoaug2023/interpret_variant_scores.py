"""Rule evoaug_interp_variant_scores: log(alt / ref) of one model's task-mean prediction for every
variant of the Fig 1d elements."""

import numpy as np

from genomic_dl.evoaug2023.interpretation import prepare_job_model, random_tail
from genomic_dl.evoaug2023.variant_effects import model_predict_fn, pearson_per_element
from genomic_dl.evoaug2023.variant_sets import VariantSet, score_variant_set
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
model, metadata, device = prepare_job_model(
    snakemake.input.model, seed=snakemake.params.seed, device=snakemake.params.device, threads=snakemake.threads
)
if metadata["task"] != "binary":
    raise ValueError(
        f"{snakemake.input.model}: the log(alt / ref) score needs a binary-task model, got {metadata['task']}"
    )
variant_set = VariantSet.load(snakemake.input.variants)
tail = random_tail(metadata["padding"], np.random.default_rng(snakemake.params.seed))
predict_fn = model_predict_fn(model, device, batch_size=snakemake.params.batch_size, output_activation="sigmoid")
table = variant_set.variants.copy()
table["predicted"] = score_variant_set(predict_fn, variant_set, tail)
write_csv(table, snakemake.output[0])
per_element, mean = pearson_per_element(table["element"], table["measured"], table["predicted"])
log.info(
    "%s: %d variants, Pearson r per element %s, mean %.3f",
    snakemake.input.model,
    len(table),
    per_element.round(3).to_dict(),
    mean,
)
