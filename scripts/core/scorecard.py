"""Rule scorecard: PASS / FAIL / INCONCLUSIVE / NOT RUN for every claim of config/claims.yaml."""

import os

from genomic_dl.io import write_csv
from genomic_dl.runlog import job_logger
from genomic_dl.scorecard import scorecard, training_budgets, write_markdown

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
results_dir = os.path.dirname(snakemake.output.csv)  # the scorecard lies at the top of the results tree
tables = [os.path.relpath(path, results_dir) for path in snakemake.input]  # as the claims name them
card = scorecard(snakemake.params.claims, tables, training_budgets(snakemake.params.config), results_dir)
write_csv(card, snakemake.output.csv)
write_markdown(card, snakemake.output.md, f"Reproduction scorecard ({snakemake.params.preset} preset)")
log.info("scorecard: %s", card["status"].value_counts().to_dict())
