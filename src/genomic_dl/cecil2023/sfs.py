"""Cecil & Sugden Fig F: neutral site frequency spectra of simulated samples."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import hypergeom

from genomic_dl.io import load_arrays
from genomic_dl.popgen.statistics import site_frequency_spectrum


def mean_spectrum(paths: Sequence[str], population: str | None = None) -> tuple[np.ndarray, int]:
    """Mean SFS per replicate over simulation shards, for one population's rows (all rows if None).

    Returns ``(spectrum (n + 1,), n_replicates)``. Raises ``ValueError`` naming the shard when
    the population is not among its ``metadata["populations"]``.
    """
    total, replicates = None, 0
    for path in paths:
        arrays, metadata = load_arrays(path, required=("genotypes", "offsets", "haplotype_population"))
        rows = None
        if population is not None:
            if population not in metadata["populations"]:
                raise ValueError(f"{path}: no population '{population}' (has {metadata['populations']})")
            rows = arrays["haplotype_population"] == metadata["populations"].index(population)
        n = len(arrays["offsets"]) - 1
        spectrum = site_frequency_spectrum(arrays["genotypes"], arrays["offsets"], rows) * n
        total = spectrum if total is None else total + spectrum
        replicates += n
    if total is None:
        raise ValueError("no simulation shards given")
    return total / replicates, replicates


def project_spectrum(spectrum: np.ndarray, size: int) -> np.ndarray:
    """Project an SFS of ``n`` haplotypes down to ``size`` haplotypes (hypergeometric sampling).

    ``spectrum`` (n + 1,) counts sites by derived-allele count in the larger sample; the result
    (size + 1,) is the expected spectrum of a random subsample of ``size`` haplotypes, as a
    sample of that size would see the same sites (Marth et al. 2004). Compares 1000 Genomes
    populations of 198-216 haplotypes with the papers' 128-haplotype simulations.
    """
    spectrum = np.asarray(spectrum, dtype=np.float64)
    n = spectrum.size - 1
    if not 1 <= size <= n:
        raise ValueError(f"cannot project a spectrum of {n} haplotypes to {size}")
    derived = np.arange(n + 1)[:, None]
    kept = np.arange(size + 1)[None, :]
    return spectrum @ hypergeom.pmf(kept, n, derived, size)
