"""Per-job random seeds derived from the config's master seed and the job's wildcards.

Every job of the workflow draws its seed from ``derive_seed(master_seed, *keys)`` where
``keys`` are the job's wildcard values (and a name for the step). The derivation depends on
nothing else, so any single target reproduces on its own, whatever else is built.
"""

from __future__ import annotations

import hashlib

import numpy as np

#: Largest seed handed out; msprime and SLiM need seeds in [1, 2**31 - 1].
MAX_SEED = 2**31 - 1


def _key_to_int(key: object) -> int:
    """Map a wildcard value to a 64-bit integer, independent of platform and Python's hash seed."""
    digest = hashlib.sha256(str(key).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little")


def derive_seed(master_seed: int, *keys: object) -> int:
    """Return a seed in ``[1, MAX_SEED]`` for the job identified by ``keys``.

    Parameters
    ----------
    master_seed
        The config's ``seed`` (a non-negative integer).
    keys
        The job's identity, e.g. ``("simulate", "three_epoch", 200, 3)``. Values are compared by
        their ``str()``, so ``3`` and ``"3"`` give the same seed (wildcards arrive as strings).

    Uses :class:`numpy.random.SeedSequence` with the hashed keys as its spawn key, so seeds of
    different jobs are statistically independent streams.
    """
    if int(master_seed) < 0:
        raise ValueError(f"master seed must be a non-negative integer, got {master_seed!r}")
    sequence = np.random.SeedSequence(entropy=int(master_seed), spawn_key=tuple(_key_to_int(k) for k in keys))
    state = int(sequence.generate_state(1, dtype=np.uint64)[0])
    return state % MAX_SEED + 1
