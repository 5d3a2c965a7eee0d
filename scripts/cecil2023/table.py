"""Rule cecil2023_table: one result table of Cecil & Sugden (Table 1, Table C, Tables A and B)."""

from genomic_dl.cecil2023.tables import markdown_table, pivot_markdown, table_rows
from genomic_dl.io import atomic_path, write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
table = table_rows(snakemake.params.rows)
write_csv(table, snakemake.output.csv)
caption = (
    "Accuracy on the balanced test split with its 95% interval p +- 1.96 sqrt(p (1 - p) / n); "
    f"n = {sorted(set(table['n_test'].dropna().astype(int)))} test regions."
)
name = snakemake.wildcards.table
if name == "table1_accuracy":
    text = pivot_markdown(table, snakemake.params.title, "dataset_label", "method_label", caption)
elif name == "tableC_all_methods":
    text = markdown_table(table, snakemake.params.title, ["dataset_label", "width", "method_label"], caption)
else:
    text = markdown_table(table, snakemake.params.title, ["step", "architecture", "n_parameters"], caption)
with atomic_path(snakemake.output.md) as tmp:
    tmp.write_text(text)
log.info("%s:\n%s", name, table[["dataset", "method", "width", "sorting", "accuracy", "note"]].to_string(index=False))
