"""Rule evoaug_data: <results_dir>/evoaug2023/data/{dataset}.h5, synthetic (offline) or the downloaded Zenodo file."""

from genomic_dl.evoaug2023.experiment import expose_data_file, write_synthetic_dataset
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
dataset = snakemake.wildcards.dataset
if snakemake.params.source == "synthetic":
    summary = write_synthetic_dataset(
        dataset, snakemake.params.options, snakemake.params.split, snakemake.params.seed, snakemake.output[0]
    )
    log.info("%s: synthetic data %s", dataset, summary)
else:
    how = expose_data_file(snakemake.input[0], snakemake.output[0])
    log.info("%s: %s of %s (layout checked)", dataset, how, snakemake.input[0])
