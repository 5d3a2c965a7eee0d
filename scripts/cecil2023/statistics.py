"""Rule cecil2023_statistics: summary statistics of every region of a data set, iHS standardised on its
neutral training regions, and threshold classifiers fitted on its training regions."""

from genomic_dl.cecil2023.data import dataset_split, load_dataset
from genomic_dl.cecil2023.statistics import fit_and_call, region_statistics
from genomic_dl.io import write_csv, write_json
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
dataset, preprocessing = snakemake.params.dataset, snakemake.params.preprocessing
haplotypes = load_dataset(
    [snakemake.input.class0, snakemake.input.class1],
    dataset["population"],
    preprocessing["max_haplotypes"],
    preprocessing["window_bp"],
)
split = dataset_split(haplotypes.labels, snakemake.params.split_seed, snakemake.params.split)
table, standardisation = region_statistics(haplotypes, split, workers=snakemake.threads)
table, classifiers = fit_and_call(table, snakemake.params.statistics)
write_csv(table, snakemake.output.scores)
write_json(snakemake.output.classifiers, classifiers)
write_json(snakemake.output.ihs, standardisation)
test = table[table["split"] == "test"]
for name in snakemake.params.statistics:
    log.info(
        "%s: threshold %.4g (direction %+d), training accuracy %.3f, test accuracy %.3f",
        name,
        classifiers[name]["threshold"],
        classifiers[name]["direction"],
        classifiers[name]["training_accuracy"],
        (test[f"{name}_call"] == test["label"]).mean(),
    )
