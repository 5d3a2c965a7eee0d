"""Rule evoaug_interp_cagi5_variants: CAGI5 elements in 600-nt hg19 windows (Fig 1d, paper preset)."""

from pathlib import Path

from genomic_dl.evoaug2023.variant_effects import parse_cagi5
from genomic_dl.evoaug2023.variant_sets import cagi5_variant_set, read_fasta
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
elements = snakemake.params.elements
tables = [parse_cagi5(path, element=element) for path, element in zip(snakemake.input.tables, elements, strict=True)]
for table, (element, chromosome) in zip(tables, elements.items()):
    found = set(table["chrom"])
    if found != {str(chromosome)}:
        raise ValueError(
            f"CAGI5 element {element}: file lists chromosome(s) {sorted(found)}, the config says {chromosome} "
            "(evoaug_interpretation.variant_effects.cagi5.elements)"
        )
chromosomes = {}
for path in snakemake.input.chromosomes:
    chromosomes.update(read_fasta(path))
    log.info("read %s", Path(path).name)
variant_set = cagi5_variant_set(tables, chromosomes)
variant_set.save(snakemake.output[0])
log.info("%d elements, %d variants", len(variant_set.x_ref), len(variant_set.variants))
