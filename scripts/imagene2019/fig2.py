"""Rule imagene_fig2_sorting: ImaGene Fig 2, one region unsorted / rows / columns / both (PDF + CSV)."""

from genomic_dl.imagene2019.figures_examples import plot_sorting_examples, sorting_table
from genomic_dl.io import load_arrays, write_csv
from genomic_dl.popgen.images import SORTINGS, haplotype_images, sorted_haplotypes
from genomic_dl.popgen.shards import replicate_matrix
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
settings, preprocessing = snakemake.params.settings, snakemake.params.preprocessing
arrays, _ = load_arrays(snakemake.input[0], required=("genotypes", "offsets"))
genotypes = replicate_matrix(arrays, settings["replicate"], snakemake.input[0])
offsets = [0, genotypes.shape[1]]
raw, resized = {}, {}
for sorting in SORTINGS:
    batch, widths = sorted_haplotypes(genotypes, offsets, sorting=sorting, min_maf=preprocessing["min_maf"])
    raw[sorting] = batch[0, :, : widths[0]]
    resized[sorting] = haplotype_images(
        genotypes,
        offsets,
        sorting=sorting,
        min_maf=preprocessing["min_maf"],
        size=tuple(preprocessing["image_size"]),
        threshold=preprocessing["threshold"],
    )[0]
caption = (
    f"scenario {settings['scenario']}, S = {settings['S']}, replicate {settings['replicate']} of {snakemake.input[0]}"
)
write_csv(sorting_table(raw), snakemake.output.csv)
plot_sorting_examples(raw, resized, caption, snakemake.output.pdf)
log.info("Fig 2: %s", caption)
