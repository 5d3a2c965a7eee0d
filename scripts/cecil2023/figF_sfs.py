"""Rule cecil2023_figF_sfs: SFS of neutral CEU and YRI (Gravel model) vs the single-population model."""

from genomic_dl.cecil2023.figures import plot_sfs, sfs_table
from genomic_dl.cecil2023.sfs import mean_spectrum, project_spectrum
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
spectra, replicates = {}, {}
for population in snakemake.params.populations:
    label = f"{population}, three-population model"
    spectra[label], replicates[label] = mean_spectrum(snakemake.input.three_population, population)
label = "single-population three-epoch model"
spectra[label], replicates[label] = mean_spectrum(snakemake.input.single_population)
if hasattr(snakemake.input, "thousand_genomes"):
    size = len(spectra[label]) - 1
    for population in snakemake.params.populations:
        label = f"{population}, 1000 Genomes ({snakemake.params.region}, projected to {size})"
        spectrum, replicates[label] = mean_spectrum([snakemake.input.thousand_genomes], population)
        spectra[label] = project_spectrum(spectrum, size)
table = sfs_table(spectra)
write_csv(table, snakemake.output.csv)
plot_sfs(table, snakemake.output.pdf, replicates, list(spectra))
log.info("mean segregating sites per replicate: %s", {k: round(float(v[1:-1].sum()), 1) for k, v in spectra.items()})
