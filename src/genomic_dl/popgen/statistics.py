"""Population-genetic summaries of simulation shards, vectorised over replicates."""

from __future__ import annotations

import numpy as np


def site_frequency_spectrum(genotypes: np.ndarray, offsets: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Mean unfolded site frequency spectrum per replicate.

    Parameters
    ----------
    genotypes
        uint8 (n_haplotypes, total_sites), 1 = derived.
    offsets
        int64 (n_replicates + 1,), replicate boundaries along the sites.
    rows
        Haplotype rows to use (e.g. one population's); all rows when None.

    Returns
    -------
    float64 (n + 1,): entry ``i`` is the mean number of sites per replicate at which ``i`` of the
    ``n`` chosen haplotypes carry the derived allele (entries 0 and n count sites monomorphic in
    the subsample).
    """
    chosen = genotypes if rows is None else genotypes[rows]
    derived = chosen.sum(axis=0, dtype=np.int64)
    n_replicates = len(offsets) - 1
    return np.bincount(derived, minlength=chosen.shape[0] + 1) / n_replicates


def pairwise_diversity(genotypes: np.ndarray, offsets: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """Mean pairwise differences (Tajima's pi, unnormalised by length) per replicate, float64 (n_replicates,)."""
    chosen = genotypes if rows is None else genotypes[rows]
    n = chosen.shape[0]
    derived = chosen.sum(axis=0, dtype=np.int64)
    per_site = 2.0 * derived * (n - derived) / (n * (n - 1))
    cumulative = np.concatenate([[0.0], np.cumsum(per_site)])
    return cumulative[offsets[1:]] - cumulative[offsets[:-1]]
