"""Access to simulation shards (the archive layout of :mod:`genomic_dl.popgen.simulate`).

Kept free of simulator imports so that plotting and preprocessing jobs can read shards in
environments without msprime.
"""

from __future__ import annotations

import numpy as np


def replicate_matrix(arrays: dict[str, np.ndarray], index: int, path: str = "shard") -> np.ndarray:
    """Haplotype matrix uint8 (n_haplotypes, sites) of replicate ``index`` of a loaded shard."""
    offsets = arrays["offsets"]
    n_replicates = len(offsets) - 1
    if not 0 <= index < n_replicates:
        raise ValueError(f"{path}: replicate {index} requested, the shard holds replicates 0..{n_replicates - 1}")
    return arrays["genotypes"][:, offsets[index] : offsets[index + 1]]
