"""Rule cecil2023_fig3: Spearman correlation and binary-call agreement of CNNs, Garud's H1 and iHS."""

from genomic_dl.cecil2023.figures_interpretation import fig3_table, plot_fig3
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = fig3_table(snakemake.params.rows)
write_csv(table, snakemake.output.csv)
plot_fig3(table, snakemake.output.pdf)
log.info("Fig 3:\n%s", table.to_string(index=False))
