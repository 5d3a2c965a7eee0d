"""Rule cecil2023_fig4: zero-padding - CNN outputs track the number of segregating sites S."""

from genomic_dl.cecil2023.figures_interpretation import fig4_scatter, fig4_table, load_maps, plot_fig4
from genomic_dl.io import load_arrays, write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
rows, example = snakemake.params.rows, snakemake.params.example
table = fig4_table(rows)
scatter = fig4_scatter(rows, example["dataset"])
images, _ = load_arrays(snakemake.input.images, required=("raw_widths",))
weights, shap = load_maps(snakemake.input.mini_cnn), load_maps(snakemake.input.imagene)
write_csv(table, snakemake.output.csv)
plot_fig4(table, scatter, images, weights, shap, example, snakemake.output.pdf)
log.info("Fig 4:\n%s", table.to_string(index=False))
