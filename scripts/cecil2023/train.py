"""Rules cecil2023_train_cnns / _deepset / _ladder: the listed models on one prepared data set, one
after the other (each: restarts, best on validation, tested; its own seed and output files)."""

import time

import numpy as np

from genomic_dl.cecil2023.evaluation import DataSplit, balanced_subset
from genomic_dl.cecil2023.training import save_training, train_and_test
from genomic_dl.io import load_arrays
from genomic_dl.nn.device import configure_threads, seed_everything, select_device
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
params = snakemake.params
configure_threads(snakemake.threads)
device = select_device(params.device)
started = time.perf_counter()
arrays, stored = load_arrays(snakemake.input.images, required=("images", "labels", "train", "valid", "test"))
epochs = [load_arrays(path, required=("images", "labels"))[0] for path in snakemake.input.get("epochs", [])]
load_seconds = time.perf_counter() - started
images, labels = arrays["images"], arrays["labels"].astype(np.int64)
train = arrays["train"]
if params.n_train is not None:
    train = balanced_subset(train, labels, params.n_train, np.random.default_rng(params.subset_seed))
split = DataSplit(train=train, valid=arrays["valid"], test=arrays["test"])
epoch_data = (lambda index: (epochs[index]["images"], epochs[index]["labels"].astype(np.int64))) if epochs else None
log.info(
    "%s (%s, %s): images %s, %d train / %d valid / %d test, strategy %s, device %s; data loading %.2f s",
    snakemake.wildcards.dataset,
    stored["width_method"],
    stored["sorting"],
    images.shape[1:],
    split.train.size,
    split.valid.size,
    split.test.size,
    params.strategy,
    device,
    load_seconds,
)
outputs = zip(
    params.names,
    params.seeds,
    snakemake.output.models,
    snakemake.output.restarts,
    snakemake.output.predictions,
    snakemake.output.summaries,
    strict=True,
)
for name, seed, model_path, restarts_path, predictions_path, summary_path in outputs:
    seed_everything(seed)
    model, result = train_and_test(
        name,
        images,
        labels,
        split,
        settings=params.models,
        training=params.training,
        strategy=params.strategy,
        seed=seed,
        device=device,
        epoch_data=epoch_data,
        log=log.info,
    )
    summary = save_training(
        model,
        result,
        {
            "load_seconds": load_seconds,
            "dataset": snakemake.wildcards.dataset,
            "width_method": stored["width_method"],
            "sorting": stored["sorting"],
            "width": stored["width"],
            "training": snakemake.wildcards.get("training", "fixed_epochs"),
            "seed": seed,
            "device": str(device),
        },
        model_path=model_path,
        restarts_path=restarts_path,
        predictions_path=predictions_path,
        summary_path=summary_path,
    )
    log.info(
        "%s (%d parameters): test accuracy %.4f, best restart %d of %d, training %.1f s (%.0f images/s)",
        name,
        summary["n_parameters"],
        np.mean(result["predictions"]["call"] == result["predictions"]["label"]),
        summary["best_restart"],
        summary["n_restarts"],
        summary["train_seconds"],
        summary["train_images_per_s"],
    )
