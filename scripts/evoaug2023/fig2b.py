"""Rule evoaug_fig2b: test AUROC of the ChIP-seq models per TF, standard vs EvoAug."""

from genomic_dl.evoaug2023.figures import fig2b_table, plot_fig2b, read_evaluations
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_seed = read_evaluations(snakemake.params.records, snakemake.input)
table = fig2b_table(per_seed)
write_csv(table, snakemake.output.csv)
plot_fig2b(per_seed, snakemake.output.pdf)
log.info(
    "Fig 2b:\n%s", table[["tf", "setting", "stage", "auroc_mean", "auroc_gain_vs_standard"]].to_string(index=False)
)
