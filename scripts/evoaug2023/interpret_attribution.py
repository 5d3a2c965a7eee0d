"""Rule evoaug_interp_attribution: gradient-corrected GradientShap maps of one model for the
high-activity sequences of the attribution task, scored against the planted motifs (Fig S6)."""

import numpy as np
import pandas as pd

from genomic_dl.evoaug2023.attribution import attribution_ground_truth_scores
from genomic_dl.evoaug2023.grammar import compile_grammar
from genomic_dl.evoaug2023.interpretation import (
    attribution_maps,
    high_activity_indices,
    load_test_split,
    planted_position_mask,
    prepare_job_model,
    random_tail,
)
from genomic_dl.io import save_arrays, write_csv
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
settings = snakemake.params.settings
model, metadata, device = prepare_job_model(
    snakemake.input.model, seed=snakemake.params.seed, device=snakemake.params.device, threads=snakemake.threads
)
data = load_test_split(snakemake.input.data)
task = settings["task"]
chosen = high_activity_indices(data.y, task, settings["n_sequences"])
rng = np.random.default_rng(snakemake.params.seed)
tail = random_tail(metadata["padding"], rng)
maps = attribution_maps(
    model,
    data.x[chosen],
    task=task,
    rng=rng,
    n_references=settings["n_references"],
    n_samples=settings["n_samples"],
    stdevs=settings["stdevs"],
    batch_size=settings["batch_size"],
    tail=tail,
    device=device,
)
table = pd.DataFrame({"sequence_index": chosen, "measured_activity": data.y[chosen, task]})
if data.synthetic:
    motif_task = task if settings["ground_truth_motifs"] == "task" else None
    planted = planted_position_mask(
        data.planted, compile_grammar(data.spec).widths, chosen, data.x.shape[-1], motif_task
    )
    scores = attribution_ground_truth_scores(maps, planted)
    table["planted_fraction"], table["auroc"], table["aupr"] = planted.mean(axis=1), scores.auroc, scores.aupr
    log.info(
        "task %s: mean AUROC %.3f, AUPR %.3f over %d scored sequences",
        data.task_names[task],
        scores.mean_auroc,
        scores.mean_aupr,
        scores.n_scored,
    )
else:
    table["planted_fraction"] = table["auroc"] = table["aupr"] = np.nan
    log.info("real data: no planted motifs, attribution maps only")
save_arrays(snakemake.output.maps, {"task": task, "task_name": data.task_names[task]}, maps=maps, indices=chosen)
write_csv(table, snakemake.output.scores)
