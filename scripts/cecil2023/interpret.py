"""Rule cecil2023_interpret: mini-CNN weights maps and Imagene SHAP maps on one prepared data set."""

import numpy as np

from genomic_dl.cecil2023.evaluation import DataSplit
from genomic_dl.cecil2023.interpretation import interpret_model
from genomic_dl.cecil2023.training import load_model
from genomic_dl.io import load_arrays, save_arrays
from genomic_dl.nn.device import configure_threads, seed_everything, select_device
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
configure_threads(snakemake.threads)
seed_everything(snakemake.params.seed)
device = select_device(snakemake.params.device)
arrays, stored = load_arrays(snakemake.input.images, required=("images", "labels", "train", "valid", "test"))
split = DataSplit(train=arrays["train"], valid=arrays["valid"], test=arrays["test"])
rng = np.random.default_rng(snakemake.params.seed)
for name, model_path, output in zip(snakemake.params.names, snakemake.input.models, snakemake.output, strict=True):
    model, metadata = load_model(model_path, device)
    maps = interpret_model(
        model, arrays["images"], arrays["labels"].astype(np.int64), split, snakemake.params.settings, rng, device
    )
    log.info("%s: %s maps %s", name, maps["kind"], {key: value.shape for key, value in maps.items()})
    save_arrays(
        output,
        {
            "model": name,
            "registry": metadata["registry"],
            "dataset": snakemake.wildcards.dataset,
            "width_method": stored["width_method"],
            "sorting": stored["sorting"],
            "settings": snakemake.params.settings,
        },
        **maps,
    )
