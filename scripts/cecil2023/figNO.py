"""Rule cecil2023_figNO: hard vs neutral and hard vs soft sweeps, Imagene SHAP and mini-CNN weights."""

from genomic_dl.cecil2023.figures_interpretation import figNO_table, load_maps, plot_figNO
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
maps = {
    dataset: {model: load_maps(path) for model, path in by_model.items()}
    for dataset, by_model in snakemake.params.maps.items()
}
table = figNO_table(snakemake.params.rows, maps, snakemake.params.classes)
write_csv(table, snakemake.output.csv)
plot_figNO(table, maps, snakemake.params.classes, snakemake.output.pdf)
log.info("Figs N, O:\n%s", table[table["quantity"] == "accuracy"].to_string(index=False))
