"""Rule evoaug_fig2c: test AUROC vs training set size, standard vs EvoAug (pretrained, fine-tuned)."""

from genomic_dl.evoaug2023.figures import fig2c_table, plot_fig2c, read_evaluations
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = fig2c_table(read_evaluations(snakemake.params.records, snakemake.input))
write_csv(table, snakemake.output.csv)
plot_fig2c(table, snakemake.output.pdf)
log.info(
    "Fig 2c:\n%s", table[["tf", "n_train", "method", "auroc_mean", "auroc_gain_vs_standard"]].to_string(index=False)
)
