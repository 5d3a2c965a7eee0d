"""Rule cecil2023_images: a data set's images (one width standardisation, sorted or not) and its split."""

import numpy as np

from genomic_dl.cecil2023.data import dataset_split, load_dataset, prepare_images
from genomic_dl.io import save_arrays
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
dataset, preprocessing = snakemake.params.dataset, snakemake.params.preprocessing
width_method, sorting = snakemake.wildcards.width, snakemake.wildcards.sorting
haplotypes = load_dataset(
    [snakemake.input.class0, snakemake.input.class1],
    dataset["population"],
    preprocessing["max_haplotypes"],
    preprocessing["window_bp"],
)
split = dataset_split(haplotypes.labels, snakemake.params.split_seed, snakemake.params.split)
images, raw_widths, width = prepare_images(
    haplotypes, split, width_method, sorting, preprocessing, workers=snakemake.threads
)
log.info(
    "%s: %d regions (%s), %s images %s, raw widths %d-%d (training %d-%d)",
    snakemake.wildcards.dataset,
    haplotypes.n_regions,
    np.bincount(haplotypes.labels).tolist(),
    width_method,
    images.shape[1:],
    raw_widths.min(),
    raw_widths.max(),
    raw_widths[split.train].min(),
    raw_widths[split.train].max(),
)
save_arrays(
    snakemake.output[0],
    {
        "dataset": snakemake.wildcards.dataset,
        "width_method": width_method,
        "sorting": sorting,
        "width": width,
        "split_seed": snakemake.params.split_seed,
        "preprocessing": preprocessing,
        "shards": [list(snakemake.input.class0), list(snakemake.input.class1)],
    },
    images=images,
    labels=haplotypes.labels,
    raw_widths=raw_widths,
    source=haplotypes.source,
    train=split.train,
    valid=split.valid,
    test=split.test,
)
