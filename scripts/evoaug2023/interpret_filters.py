"""Rule evoaug_interp_filters: first-layer filters of one EvoAug model as PWMs (Fig 1c)."""

import numpy as np

from genomic_dl.evoaug2023.filters import write_meme
from genomic_dl.evoaug2023.interpretation import filter_motifs, load_test_split, prepare_job_model, random_tail
from genomic_dl.io import save_arrays
from genomic_dl.runlog import job_logger

snakemake = globals()["snakemake"]
log = job_logger(snakemake.log[0])
settings = snakemake.params.settings
model, metadata, device = prepare_job_model(
    snakemake.input.model, seed=snakemake.params.seed, device=snakemake.params.device, threads=snakemake.threads
)
data = load_test_split(snakemake.input.data, settings["max_sequences"])
tail = random_tail(metadata["padding"], np.random.default_rng(snakemake.params.seed))
log.info(
    "%s: %d test sequences of %d nt (+%d nt padding), device %s",
    snakemake.input.model,
    len(data.x),
    data.x.shape[-1],
    tail.shape[1],
    device,
)
motifs = filter_motifs(
    model,
    data.x,
    threshold_fraction=settings["activation_threshold"],
    min_information_bits=settings["min_information_bits"],
    tail=tail,
    device=device,
)
planted = data.planted_matrix_ids() if data.synthetic else []
save_arrays(
    snakemake.output.pwms,
    {
        "names": motifs.names,
        "planted_ids": planted,
        "synthetic": data.synthetic,
        "n_sequences": len(data.x),
        "widths": [p.shape[1] for p in motifs.clipped],
    },
    pwms=motifs.pwms,
    n_windows=motifs.n_windows,
)
# Filters without an informative column are left out of the MEME file (Tomtom cannot compare them).
write_meme(snakemake.output.meme, [(name, pwm) for name, pwm in zip(motifs.names, motifs.clipped) if pwm.shape[1]])
log.info(
    "%d filters, %d with informative columns, median %d aligned windows",
    len(motifs.pwms),
    sum(p.shape[1] > 0 for p in motifs.clipped),
    int(np.median(motifs.n_windows)),
)
