"""Rule imagene_fig3_evaluate: confusion matrix of one trained binary CNN on the test shards."""

from genomic_dl.imagene2019.binary import evaluate_binary_detector
from genomic_dl.io import write_json
from genomic_dl.nn.device import configure_threads, select_device
from genomic_dl.nn.imagene import build_imagene
from genomic_dl.nn.trainer import load_checkpoint
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
configure_threads(snakemake.threads)
device = select_device(snakemake.params.device)
model, metadata = load_checkpoint(snakemake.input.model, build_imagene, device)
evaluation = evaluate_binary_detector(
    model, snakemake.input.neutral, snakemake.input.selected, snakemake.params.invert, device
)
evaluation["wildcards"] = dict(snakemake.wildcards)
evaluation["training_seed"] = metadata["seed"]
write_json(snakemake.output[0], evaluation)
log.info("test accuracy %.4f on %d images", evaluation["accuracy"], evaluation["n_test"])
