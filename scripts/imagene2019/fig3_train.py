"""Rule imagene_fig3_train: train one binary ImaGene CNN (one sorting, S and seed)."""

from genomic_dl.imagene2019.binary import train_binary_detector
from genomic_dl.nn.device import configure_threads, seed_everything, select_device
from genomic_dl.nn.trainer import save_checkpoint
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
configure_threads(snakemake.threads)
device = select_device(snakemake.params.device)
generator = seed_everything(snakemake.params.seed)
model_kwargs = {**snakemake.params.model, "input_shape": list(snakemake.params.input_shape)}
log.info("training on %s with seed %d: %s", device, snakemake.params.seed, model_kwargs)
model, history = train_binary_detector(
    snakemake.input.neutral,
    snakemake.input.selected,
    model_kwargs,
    snakemake.params.training,
    invert=snakemake.params.invert,
    device=device,
    generator=generator,
    log=log.info,
)
history.to_csv(snakemake.output.history)
save_checkpoint(
    snakemake.output.model,
    model,
    {
        "model_kwargs": {**model_kwargs, "n_outputs": 1},
        "seed": snakemake.params.seed,
        "training": dict(snakemake.params.training),
        "invert": snakemake.params.invert,
        "preprocessing": {**snakemake.params.preprocessing, "sorting": snakemake.wildcards.sorting},
        "wildcards": dict(snakemake.wildcards),
    },
)
