"""Matching filter PWMs to JASPAR 2022 with Tomtom (EvoAug Fig 1c).

The targets are the JASPAR 2022 CORE vertebrates non-redundant matrices (latest version of
each profile), read offline from the ``pyjaspar`` package. Similarity p-values come from
``memelite.tomtom`` (a re-implementation of MEME's Tomtom, complete scores, both strands);
q-values are Benjamini-Hochberg over all query-target p-values, as MEME's Tomtom reports them.

``memelite`` compiles its kernels with numba on the first call (about a minute) and caches
them on disk; set ``NUMBA_CACHE_DIR`` before the process starts to choose where.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from genomic_dl.evoaug2023.filters import ALPHABET
from genomic_dl.evoaug2023.grammar import JASPAR_RELEASE, jaspar_core_vertebrates

__all__ = [
    "EXCLUDED_PROFILES",
    "FilterMatches",
    "benjamini_hochberg",
    "jaspar_motifs",
    "planted_motif_recovery",
    "run_tomtom",
    "summarise_matches",
]

#: Profiles the paper excludes from filter matching (paper value): low-information filters
#: hit them often.
EXCLUDED_PROFILES = ("MA1929.1", "MA0615.1")


@functools.lru_cache(maxsize=4)
def _jaspar_motifs(exclude: tuple[str, ...], release: str) -> tuple[tuple[str, str, np.ndarray], ...]:
    motifs = jaspar_core_vertebrates(release=release)
    unknown = sorted(set(exclude) - {motif.matrix_id for motif in motifs})
    if unknown:
        raise ValueError(f"exclude: profile(s) {unknown} are not in {release} CORE vertebrates")
    kept = []
    for motif in motifs:
        if motif.matrix_id not in exclude:
            motif.pfm.setflags(write=False)
            kept.append((motif.matrix_id, motif.name, motif.pfm))
    return tuple(kept)


def jaspar_motifs(
    exclude: Sequence[str] = EXCLUDED_PROFILES, *, release: str = JASPAR_RELEASE
) -> tuple[tuple[str, str, np.ndarray], ...]:
    """The JASPAR CORE vertebrates non-redundant matrices (latest version of each profile) as
    probabilities, the Tomtom targets of Fig 1c.

    Parameters
    ----------
    exclude
        Matrix IDs (with version, e.g. ``"MA1929.1"``) to leave out; each must exist in the
        collection. Paper value: :data:`EXCLUDED_PROFILES`.
    release
        JASPAR release in ``pyjaspar`` (paper: JASPAR 2022, 841 matrices).

    Returns
    -------
    tuple of (str, str, numpy.ndarray)
        ``(matrix_id, tf_name, pfm)`` by matrix ID; ``pfm`` is a read-only float64 ``(4, w)``
        array of base probabilities (counts divided by column totals, as in JASPAR's MEME file).
        Cached per argument set.
    """
    return _jaspar_motifs(tuple(sorted(set(exclude))), release)


def run_tomtom(queries: Sequence[np.ndarray], targets: Sequence[np.ndarray], *, n_jobs: int = 1) -> np.ndarray:
    """Tomtom p-values of every query against every target.

    Parameters
    ----------
    queries
        PWMs of shape ``(4, w_q)``. A query of width 0 (e.g. a filter whose columns were all
        clipped as uninformative) is not compared; its row is NaN.
    targets
        PWMs of shape ``(4, w_t)``, ``w_t >= 1``; use a complete database (the background
        distribution is built from the target columns).
    n_jobs
        numba threads for ``memelite.tomtom``.

    Returns
    -------
    numpy.ndarray
        float64 array ``(Q, T)``: p-value of the best alignment over offsets and both strands.
    """
    from memelite import tomtom

    queries = [np.asarray(query, dtype=np.float64) for query in queries]
    targets = [np.ascontiguousarray(target, dtype=np.float64) for target in targets]
    for name, motifs in (("queries", queries), ("targets", targets)):
        for index, motif in enumerate(motifs):
            if motif.ndim != 2 or motif.shape[0] != len(ALPHABET):
                raise ValueError(f"{name}[{index}] must have shape (4, w), got {motif.shape}")
    if not targets or any(target.shape[1] == 0 for target in targets):
        raise ValueError("targets must be a non-empty list of motifs of width >= 1")
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be >= 1, got {n_jobs}")
    pvalues = np.full((len(queries), len(targets)), np.nan)
    compared = [index for index, query in enumerate(queries) if query.shape[1] > 0]
    if compared:
        pvalues[compared] = tomtom([queries[index] for index in compared], targets, n_jobs=n_jobs)[0]
    return pvalues


def benjamini_hochberg(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values over all finite entries of ``pvalues``.

    ``q_(i) = min_{j >= i} m p_(j) / j`` for the ascending p-values ``p_(1..m)``,
    ``m`` = number of finite entries (all query-target pairs, as MEME's Tomtom).

    Parameters
    ----------
    pvalues
        Array of any shape with values in ``[0, 1]``; NaN entries are ignored.

    Returns
    -------
    numpy.ndarray
        float64 array of the same shape; NaN where ``pvalues`` is NaN.
    """
    pvalues = np.asarray(pvalues, dtype=np.float64)
    finite = ~np.isnan(pvalues)
    flat = pvalues[finite]
    if ((flat < 0) | (flat > 1)).any():
        raise ValueError("pvalues must lie in [0, 1]")
    order = np.argsort(flat, kind="stable")
    ranks = np.arange(1, len(flat) + 1)
    scaled = flat[order] * len(flat) / ranks
    # The running minimum from the largest p-value down starts at p_(m) <= 1, so q <= 1.
    qvalues_flat = np.empty_like(flat)
    qvalues_flat[order] = np.minimum.accumulate(scaled[::-1])[::-1]
    qvalues = np.full(pvalues.shape, np.nan)
    qvalues[finite] = qvalues_flat
    return qvalues


@dataclass(frozen=True)
class FilterMatches:
    """Best JASPAR match of each filter.

    Attributes
    ----------
    best_target
        ``(F,)`` object array: name of the target with the smallest q-value ("" for a filter
        that was not compared).
    best_q
        ``(F,)`` float64: that smallest q-value (NaN for a filter that was not compared).
    hit
        ``(F,)`` bool: ``best_q < q_threshold``.
    """

    best_target: np.ndarray
    best_q: np.ndarray
    hit: np.ndarray

    @property
    def hit_rate(self) -> float:
        """Fraction of all filters matching at least one target (Fig 1c, top)."""
        return float(self.hit.mean())

    @property
    def mean_hit_q(self) -> float:
        """Mean over the matched filters of their smallest q-value (Fig 1c, bottom); NaN if none."""
        return float(self.best_q[self.hit].mean()) if self.hit.any() else float("nan")


def summarise_matches(qvalues: np.ndarray, target_names: Sequence[str], q_threshold: float = 0.05) -> FilterMatches:
    """Per-filter best match, smallest q-value and hit flag.

    Parameters
    ----------
    qvalues
        ``(F, T)`` q-values (NaN rows for filters not compared).
    target_names
        ``T`` names (e.g. ``"MA0139.1 CTCF"``).
    q_threshold
        A filter is a hit when its smallest q-value is below this (paper value 0.05).
    """
    qvalues = np.asarray(qvalues, dtype=np.float64)
    names = np.asarray(list(target_names), dtype=object)
    if qvalues.ndim != 2 or qvalues.shape[1] != len(names) or len(names) == 0:
        raise ValueError(f"qvalues must have shape (F, T={len(names)}) with T >= 1, got {qvalues.shape}")
    compared = ~np.isnan(qvalues).all(axis=1)
    best_index = np.argmin(np.where(np.isnan(qvalues), np.inf, qvalues), axis=1)
    best_q = np.where(compared, qvalues[np.arange(len(qvalues)), best_index], np.nan)
    best_target = np.where(compared, names[best_index], "").astype(object)
    return FilterMatches(best_target=best_target, best_q=best_q, hit=compared & (best_q < q_threshold))


def _stable_id(matrix_id: str) -> str:
    """``"MA0139.1"`` -> ``"MA0139"``: the profile independent of its version."""
    return matrix_id.split(".", 1)[0]


def planted_motif_recovery(
    qvalues: np.ndarray,
    target_ids: Sequence[str],
    planted_ids: Sequence[str],
    q_threshold: float = 0.05,
) -> float:
    """Share of the planted motifs matched (q below ``q_threshold``) by at least one filter.

    Parameters
    ----------
    qvalues
        ``(F, T)`` q-values.
    target_ids
        ``T`` JASPAR matrix IDs of the columns.
    planted_ids
        JASPAR IDs of the motifs planted in the synthetic data. IDs are compared without
        their version suffix, so ``"MA0139.1"`` is recovered by a match to ``"MA0139.2"``.

    Raises
    ------
    ValueError
        If a planted motif is not among the targets (it could never be recovered).
    """
    qvalues = np.asarray(qvalues, dtype=np.float64)
    target_stable = np.array([_stable_id(matrix_id) for matrix_id in target_ids])
    if qvalues.ndim != 2 or qvalues.shape[1] != len(target_stable):
        raise ValueError(f"qvalues must have shape (F, T={len(target_stable)}), got {qvalues.shape}")
    planted_stable = sorted({_stable_id(matrix_id) for matrix_id in planted_ids})
    if not planted_stable:
        raise ValueError("planted_ids is empty")
    missing = sorted(set(planted_stable) - set(target_stable))
    if missing:
        raise ValueError(f"planted_ids {missing} are not among target_ids")
    matched_targets = (np.nan_to_num(qvalues, nan=np.inf) < q_threshold).any(axis=0)
    recovered = {stable for stable, matched in zip(target_stable, matched_targets) if matched}
    return float(np.mean([stable in recovered for stable in planted_stable]))
