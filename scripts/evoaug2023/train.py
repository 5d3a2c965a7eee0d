"""Rules evoaug_train_*, evoaug_downsample_*, evoaug_sweep: one model of the EvoAug grid.

Standard training (stage standard) or augmented pretraining + fine-tuning (stages pretrained,
finetuned); every stage's checkpoint, history and evaluation are written.
"""

import numpy as np

from genomic_dl.evoaug2023.checkpoints import save_evoaug_model
from genomic_dl.evoaug2023.experiment import load_splits, run_setting
from genomic_dl.io import write_json
from genomic_dl.nn.device import configure_threads, seed_everything, select_device
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
configure_threads(snakemake.threads)
params, wildcards = snakemake.params, snakemake.wildcards
device = select_device(params.device)
subset_rng = None if params.subset_seed is None else np.random.default_rng(params.subset_seed)
data = load_splits(snakemake.input[0], wildcards.dataset, n_train=params.n_train, rng=subset_rng)
generator = seed_everything(params.seed)
log.info(
    "%s / %s seed %s on %s: %d training sequences of length %d, %d task(s); setting %s",
    wildcards.dataset,
    params.setting,
    wildcards.seed,
    device,
    len(data.train[0]),
    data.sequence_length,
    data.n_tasks,
    params.resolved,
)
results = run_setting(
    data,
    dataset=wildcards.dataset,
    setting=params.setting,
    resolved=params.resolved,
    model_options=params.model,
    training=params.training,
    finetuning=params.finetuning,
    seed=int(wildcards.seed),
    device=device,
    generator=generator,
    log=log.info,
)
for result in results:
    result.history.to_csv(getattr(snakemake.output, f"{result.stage}_history"))
    write_json(getattr(snakemake.output, f"{result.stage}_evaluation"), result.evaluation)
    save_evoaug_model(getattr(snakemake.output, f"{result.stage}_model"), result.model, result.metadata)
