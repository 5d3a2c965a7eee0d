"""Rule evoaug_figS6_attribution: attribution logos and their ground-truth scores per model (Fig S6)."""

import numpy as np
import pandas as pd

from genomic_dl.evoaug2023.figures_interpretation import plot_attribution, summarise_attribution
from genomic_dl.evoaug2023.grammar import compile_grammar
from genomic_dl.evoaug2023.interpretation import load_test_split, planted_position_mask
from genomic_dl.io import load_arrays, write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
settings = snakemake.params.settings
rows = []
for record, path in zip(snakemake.params.models, snakemake.input.scores, strict=True):
    table = pd.read_csv(path)
    rows.append(
        {
            **record,
            "task": settings["task"],
            "n_sequences": len(table),
            "n_scored": int(table["auroc"].notna().sum()),
            "planted_fraction": table["planted_fraction"].mean(),
            "auroc": table["auroc"].mean(),
            "aupr": table["aupr"].mean(),
        }
    )
per_seed = pd.DataFrame(rows)
summary = summarise_attribution(per_seed)
write_csv(summary, snakemake.output.csv)

logos, indices, task_name = {}, None, None
for label, path in zip(snakemake.params.labels, snakemake.input.logos, strict=True):
    arrays, metadata = load_arrays(path, required=("maps", "indices"))
    if indices is not None and not np.array_equal(indices, arrays["indices"]):
        raise ValueError(f"{path}: attribution maps of other sequences than the other models'")
    indices, task_name = arrays["indices"], metadata["task_name"]
    logos[label] = arrays["maps"][: settings["n_logos"]]
shown = indices[: settings["n_logos"]]
data = load_test_split(snakemake.input.data)
planted = None
if data.synthetic:
    motif_task = settings["task"] if settings["ground_truth_motifs"] == "task" else None
    planted = planted_position_mask(
        data.planted, compile_grammar(data.spec).widths, shown, data.x.shape[-1], motif_task
    )
labels = [f"test sequence {i}: measured {task_name} activity {data.y[i, settings['task']]:.2f}" for i in shown]
plot_attribution(per_seed, summary, logos, data.x[shown], planted, labels, task_name, snakemake.output.pdf)
log.info("Fig S6:\n%s", summary[["model", "auroc_mean", "auroc_sd", "aupr_mean"]].to_string(index=False))
