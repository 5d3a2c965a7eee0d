"""Rule cecil2023_fig2: mini-CNN kernel and dense weights map, Imagene SHAP maps."""

from genomic_dl.cecil2023.figures_interpretation import fig2_table, load_maps, plot_fig2
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
weights, shap = load_maps(snakemake.input.mini_cnn), load_maps(snakemake.input.imagene)
if weights["kind"] != "weights" or shap["kind"] != "shap":
    raise ValueError(f"{snakemake.input.mini_cnn} must hold weights maps and {snakemake.input.imagene} SHAP maps")
classes = snakemake.params.classes
table = fig2_table(weights, shap, classes)
write_csv(table, snakemake.output.csv)
plot_fig2(weights, shap, classes, snakemake.params.dataset["dataset_label"], snakemake.output.pdf)
log.info("Fig 2 summaries:\n%s", table[table["row"].isna()].to_string(index=False))
