"""Rule imagene_multiclass_train: one K-class ImaGene CNN (Fig 4 or Fig 5 network)."""

import numpy as np

from genomic_dl.imagene2019.multiclass import checkpoint_metadata, train_multiclass
from genomic_dl.nn.device import configure_threads, seed_everything, select_device
from genomic_dl.nn.trainer import save_checkpoint
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
configure_threads(snakemake.threads)
device = select_device(snakemake.params.device)
spec, preprocessing = snakemake.params.spec, snakemake.params.preprocessing
generator = seed_everything(snakemake.params.seed)
model_kwargs = {**spec["model"], "input_shape": list(preprocessing["image_size"])}
log.info(
    "training %s/%s seed %s on %s: classes %s, labels %s",
    snakemake.wildcards.experiment,
    snakemake.wildcards.variant,
    snakemake.wildcards.seed,
    device,
    spec["class_values"],
    spec["labels"],
)
model, history = train_multiclass(
    snakemake.params.train_batches,
    np.asarray(spec["class_values"], dtype=float),
    spec["labels"],
    model_kwargs,
    snakemake.params.training,
    invert=preprocessing["invert"],
    device=device,
    generator=generator,
    rng=np.random.default_rng(snakemake.params.seed),
    log=log.info,
)
history.to_csv(snakemake.output.history)
metadata = checkpoint_metadata(
    model,
    spec["class_values"],
    {**preprocessing, "sorting": spec["sorting"]},
    spec["labels"],
    seed=snakemake.params.seed,
    training=dict(snakemake.params.training),
    wildcards=dict(snakemake.wildcards),
)
save_checkpoint(snakemake.output.model, model, metadata)
