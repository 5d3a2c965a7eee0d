"""Rule evoaug_interp_tomtom: every model's filter PWMs against JASPAR 2022 with Tomtom (Fig 1c),
one model after the other in one process."""

import numpy as np

from genomic_dl.evoaug2023.filters import read_meme
from genomic_dl.evoaug2023.interpretation import match_filters_to_jaspar
from genomic_dl.io import load_arrays, write_csv, write_json
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
settings = snakemake.params.settings
jobs = zip(snakemake.input.pwms, snakemake.input.meme, snakemake.output.matches, snakemake.output.summary)
for pwms_path, meme_path, matches_path, summary_path in jobs:
    _, metadata = load_arrays(pwms_path)
    motifs = dict(read_meme(meme_path))
    # Filters absent from the MEME file had no informative column: width 0, not compared.
    clipped = [motifs.get(name, np.zeros((4, 0))) for name in metadata["names"]]
    table, summary = match_filters_to_jaspar(
        clipped,
        q_threshold=settings["q_threshold"],
        exclude=settings["exclude"],
        planted_ids=metadata["planted_ids"] if metadata["synthetic"] else None,
        release=settings["jaspar_release"],
        n_jobs=snakemake.threads,
    )
    write_csv(table, matches_path)
    write_json(summary_path, summary)
    log.info(
        "%s: hit rate %.3f (%d of %d filters), mean q of hits %.3g, planted motifs recovered %.3f",
        meme_path,
        summary["hit_rate"],
        summary["n_hits"],
        summary["n_filters"],
        summary["mean_hit_q"],
        summary["planted_recovery"],
    )
