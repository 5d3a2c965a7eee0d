"""Rule cecil2023_epoch_images: a fresh training set for one epoch of simulation on the fly, with the
data set's stored width (fixed on its training regions)."""

from genomic_dl.cecil2023.data import images_for_width, load_dataset
from genomic_dl.io import load_arrays, save_arrays
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
dataset, preprocessing = snakemake.params.dataset, snakemake.params.preprocessing
_, stored = load_arrays(snakemake.input.images)
haplotypes = load_dataset(
    [snakemake.input.class0, snakemake.input.class1],
    dataset["population"],
    preprocessing["max_haplotypes"],
    preprocessing["window_bp"],
)
images = images_for_width(
    haplotypes, stored["width_method"], stored["width"], stored["sorting"], preprocessing, workers=snakemake.threads
)
log.info(
    "epoch %s: %d fresh regions, images %s (stored width %d)",
    snakemake.wildcards.epoch,
    haplotypes.n_regions,
    images.shape[1:],
    stored["width"],
)
save_arrays(
    snakemake.output[0],
    {
        **stored,
        "epoch": int(snakemake.wildcards.epoch),
        "shards": [list(snakemake.input.class0), list(snakemake.input.class1)],
    },
    images=images,
    labels=haplotypes.labels,
    source=haplotypes.source,
)
