"""Rule imagene_multiclass_evaluate: test predictions (npz) and summary metrics (JSON) of one network."""

from genomic_dl.imagene2019.multiclass import evaluate_multiclass
from genomic_dl.io import save_arrays, write_json
from genomic_dl.nn.device import configure_threads, select_device
from genomic_dl.nn.imagene import build_imagene
from genomic_dl.nn.trainer import load_checkpoint
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
configure_threads(snakemake.threads)
device = select_device(snakemake.params.device)
model, metadata = load_checkpoint(snakemake.input.model, build_imagene, device)
# the test labels of the authors' standardized bias: drawn from the network's label distribution
arrays, summary = evaluate_multiclass(
    model,
    snakemake.input.test,
    metadata["class_values"],
    snakemake.params.invert,
    device,
    label_distribution=metadata.get("label_distribution"),
    seed=metadata["seed"],
)
summary.update(
    wildcards=dict(snakemake.wildcards), training_seed=metadata["seed"], test_shards=list(snakemake.input.test)
)
save_arrays(snakemake.output.predictions, {"wildcards": dict(snakemake.wildcards)}, **arrays)
write_json(snakemake.output.summary, summary)
log.info(
    "accuracy %.4f, RMSE (MAP) %.1f, RMSE (mean) %.1f on %d images",
    summary["accuracy"],
    summary["rmse_map"],
    summary["rmse_mean"],
    summary["n_test"],
)
