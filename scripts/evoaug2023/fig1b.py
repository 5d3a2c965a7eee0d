"""Rule evoaug_fig1b: test AUPR of the Basset models of every setting (standard, each augmentation, combinations)."""

from genomic_dl.evoaug2023.figures import performance_table, plot_settings, read_evaluations
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_seed = read_evaluations(snakemake.params.records, snakemake.input)
table = performance_table(per_seed, ["aupr", "auroc"], snakemake.params.singles)
write_csv(table, snakemake.output.csv)
plot_settings(per_seed, "aupr", snakemake.output.pdf, title="EvoAug Fig 1b: Basset (test AUPR, mean over tasks)")
log.info(
    "Fig 1b:\n%s", table[["setting", "stage", "aupr_mean", "aupr_sd", "aupr_gain_vs_standard"]].to_string(index=False)
)
