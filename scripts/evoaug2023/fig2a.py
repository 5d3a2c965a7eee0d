"""Rule evoaug_fig2a: test Pearson r of the DeepSTARR models per task (developmental, housekeeping)."""

from genomic_dl.evoaug2023.figures import performance_table, plot_settings, read_task_metrics
from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
per_task = read_task_metrics(snakemake.params.records, snakemake.input, ["pearson_r", "spearman_r", "mse"])
table = performance_table(per_task, ["pearson_r", "spearman_r", "mse"], snakemake.params.singles, within=["task"])
write_csv(table, snakemake.output.csv)
plot_settings(
    per_task, "pearson_r", snakemake.output.pdf, title="EvoAug Fig 2a: DeepSTARR (test Pearson r)", panels="task"
)
log.info(
    "Fig 2a:\n%s",
    table[["task", "setting", "stage", "pearson_r_mean", "pearson_r_gain_vs_standard"]].to_string(index=False),
)
