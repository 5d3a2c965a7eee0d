"""Rule imagene_images: simulation shard -> sorted, resized, binarised haplotype images."""

from genomic_dl.io import load_arrays
from genomic_dl.popgen.image_store import save_images
from genomic_dl.popgen.images import haplotype_images
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
settings = snakemake.params.preprocessing
arrays, simulation_metadata = load_arrays(
    snakemake.input[0], required=("genotypes", "offsets", "selection_coefficient")
)
images = haplotype_images(
    arrays["genotypes"],
    arrays["offsets"],
    sorting=snakemake.wildcards.sorting,
    min_maf=settings["min_maf"],
    size=tuple(settings["image_size"]),
    threshold=settings["threshold"],
)
metadata = {"simulation": simulation_metadata, "sorting": snakemake.wildcards.sorting, "preprocessing": dict(settings)}
save_images(snakemake.output[0], images, arrays["selection_coefficient"], metadata)
log.info("wrote %d images of shape %s to %s", len(images), images.shape[1:], snakemake.output[0])
