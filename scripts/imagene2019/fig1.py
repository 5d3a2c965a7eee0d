"""Rule imagene_fig1_encodings: ImaGene Fig 1 image encodings of one region (PDF + CSV)."""

import numpy as np

from genomic_dl.imagene2019.figures_examples import encodings_table, plot_encodings
from genomic_dl.io import load_arrays, write_csv
from genomic_dl.popgen.encodings import region_encodings
from genomic_dl.popgen.shards import replicate_matrix
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
settings = snakemake.params.settings
arrays, metadata = load_arrays(snakemake.input[0], required=("genotypes", "offsets", "haplotype_population"))
names = metadata["populations"]
unknown = sorted(set(settings["populations"]) - set(names))
if unknown:
    raise ValueError(
        f"imagene.fig1.populations: {unknown} not in the region's populations {names} ({snakemake.input[0]})"
    )
from_vcf = settings["source"] == "vcf"
genotypes = replicate_matrix(arrays, 0 if from_vcf else settings["replicate"], snakemake.input[0])
panels = region_encodings(
    genotypes,
    arrays["haplotype_population"],
    population_order=[names.index(name) for name in settings["populations"]],
    focal_population=names.index(settings["focal_population"]),
    rng=np.random.default_rng(snakemake.params.seed),
)
source = (
    f"1000 Genomes, {metadata['region']}; nucleotide colours: random stand-in bases"
    if from_vcf
    else f"simulated: scenario {settings['scenario']}, replicate {settings['replicate']}"
)
write_csv(encodings_table(panels, settings["populations"]), snakemake.output.csv)
plot_encodings(panels, settings["populations"], settings["focal_population"], source, snakemake.output.pdf)
log.info("Fig 1 from %s: %d sites shown", snakemake.input[0], panels["site_index"].size)
