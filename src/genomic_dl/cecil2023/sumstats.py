"""Summary statistics of Cecil & Sugden (2023) and their threshold classifiers.

Every statistic is computed on the *raw* haplotypes of a region (0 = ancestral, 1 = derived,
no polarisation, no frequency filter), as the authors did with scikit-allel:

* Garud's H statistics (Garud et al. 2015) over the whole region, from the frequencies
  ``p1 >= p2 >= ...`` of the distinct haplotypes: ``H1 = sum p_i^2``;
  ``H12 = (p1 + p2)^2 + sum_{i>2} p_i^2``; ``H123 = (p1 + p2 + p3)^2 + sum_{i>3} p_i^2``;
  ``H2/H1 = (H1 - p1^2) / H1`` (:func:`allel.garud_h`).
* ``S``, the number of segregating sites.
* Tajima's D (:func:`allel.tajima_d`); NaN for fewer than 3 segregating sites.
* iHS (Voight et al. 2006; :func:`allel.ihs`): ``log(iHH_derived / iHH_ancestral)`` per site,
  integrated over base-pair distances. Choices (the paper does not state them): sites with
  minor-allele frequency below ``IHS_MIN_MAF = 0.05`` get no score (allel's default and
  Voight et al.'s cut-off); ``include_edges=True`` (the authors' setting), because in an 80 kb
  region the haplotype homozygosity around a sweep often does not decay to ``min_ehh`` before
  the edge, and discarding those sites would discard the signal. The scores are standardised
  per derived-allele count with means and standard deviations fitted on the *neutral training*
  simulations only (:func:`fit_ihs_standardisation`, :func:`standardise_ihs`) and reduced to
  the maximum ``|iHS|`` per region (:func:`max_abs_ihs`).

:class:`ThresholdClassifier` turns a statistic into a sweep/neutral call with the threshold and
direction that maximise training accuracy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import allel
import numpy as np

from genomic_dl.parallel import chunk_bounds, process_map, region_slices

__all__ = [
    "IHS_INCLUDE_EDGES",
    "IHS_MIN_MAF",
    "IhsStandardisation",
    "ThresholdClassifier",
    "compute_statistics",
    "fit_ihs_standardisation",
    "garud_h",
    "ihs",
    "max_abs_ihs",
    "segregating_sites",
    "standardise_ihs",
    "tajimas_d",
]

IHS_MIN_MAF = 0.05
IHS_INCLUDE_EDGES = True

GARUD_KEYS = ("h1", "h12", "h123", "h2_h1")
#: Regions per worker task of :func:`compute_statistics` (about 10 s of iHS each).
STATISTICS_CHUNK = 1000


# --------------------------------------------------------------------------- input checks


def _check_haplotypes(haplotypes: np.ndarray) -> np.ndarray:
    haplotypes = np.asarray(haplotypes)
    if haplotypes.ndim != 2 or not np.issubdtype(haplotypes.dtype, np.integer):
        raise ValueError(
            f"haplotypes must be a 2-D integer array (n_haplotypes, n_sites), got dtype "
            f"{haplotypes.dtype} and shape {haplotypes.shape}"
        )
    if haplotypes.shape[0] < 2:
        raise ValueError(f"haplotypes needs at least 2 rows (haplotypes), got {haplotypes.shape[0]}")
    return haplotypes


def _check_shard(
    genotypes: np.ndarray, offsets: np.ndarray, positions: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    genotypes = np.asarray(genotypes)
    offsets = np.asarray(offsets)
    if genotypes.ndim != 2:
        raise ValueError(f"genotypes must have shape (n_haplotypes, total_sites), got {genotypes.shape}")
    if offsets.ndim != 1 or offsets.size < 1 or not np.issubdtype(offsets.dtype, np.integer):
        raise ValueError(
            f"offsets must be a 1-D integer array (n_replicates + 1,), got {offsets.dtype} {offsets.shape}"
        )
    offsets = offsets.astype(np.int64)
    if offsets[0] != 0 or offsets[-1] != genotypes.shape[1] or np.any(np.diff(offsets) < 0):
        raise ValueError(
            f"offsets must rise from 0 to total_sites = {genotypes.shape[1]}, got "
            f"offsets[0] = {offsets[0]}, offsets[-1] = {offsets[-1]}"
        )
    if positions is not None and np.shape(positions) != (genotypes.shape[1],):
        raise ValueError(f"positions must have shape ({genotypes.shape[1]},), got {np.shape(positions)}")
    return genotypes, offsets


def _variants_first(haplotypes: np.ndarray) -> np.ndarray:
    """scikit-allel's layout: (n_sites, n_haplotypes), contiguous."""
    return np.ascontiguousarray(haplotypes.T)


# --------------------------------------------------------------------------- per region


def garud_h(haplotypes: np.ndarray) -> tuple[float, float, float, float]:
    """Garud's H1, H12, H123 and H2/H1 of one region.

    Parameters
    ----------
    haplotypes : int array, shape (n_haplotypes, n_sites), 0/1 alleles.

    Returns
    -------
    (h1, h12, h123, h2_h1) as floats; see the module docstring. A region without sites has
    one distinct haplotype: ``(1, 1, 1, 0)``.
    """
    return tuple(float(value) for value in allel.garud_h(_variants_first(_check_haplotypes(haplotypes))))


def tajimas_d(haplotypes: np.ndarray) -> float:
    """Tajima's D of one region (NaN with fewer than 3 segregating sites).

    Parameters
    ----------
    haplotypes : int array, shape (n_haplotypes, n_sites), 0/1 alleles.

    D compares two estimates of the same per-region diversity, so it does not depend on the
    site positions.
    """
    counts = allel.HaplotypeArray(_variants_first(_check_haplotypes(haplotypes))).count_alleles(max_allele=1)
    return float(allel.tajima_d(counts))


def ihs(
    haplotypes: np.ndarray,
    positions: np.ndarray,
    *,
    min_maf: float = IHS_MIN_MAF,
    include_edges: bool = IHS_INCLUDE_EDGES,
    min_ehh: float = 0.05,
) -> np.ndarray:
    """Unstandardised iHS of every site of one region.

    Parameters
    ----------
    haplotypes : int array, shape (n_haplotypes, n_sites), 0 = ancestral, 1 = derived.
    positions : float array, shape (n_sites,)
        Increasing site positions in base pairs; the integration of haplotype homozygosity uses
        them as the map (no genetic map).
    min_maf, include_edges, min_ehh : see :func:`allel.ihs` and the module docstring.

    Returns
    -------
    float64 array, shape (n_sites,): ``log(iHH_1 / iHH_0)``; NaN where no score is defined
    (minor-allele frequency below ``min_maf``, or EHH not decaying when ``include_edges`` is
    False).
    """
    haplotypes = _check_haplotypes(haplotypes)
    positions = np.asarray(positions, dtype=np.float64)
    if positions.shape != (haplotypes.shape[1],):
        raise ValueError(f"positions must have shape ({haplotypes.shape[1]},), got {positions.shape}")
    if haplotypes.shape[1] == 0:
        return np.zeros(0)
    if np.any(np.diff(positions) <= 0):
        raise ValueError("positions must be strictly increasing")
    return allel.ihs(
        _variants_first(haplotypes),
        positions,
        min_maf=min_maf,
        include_edges=include_edges,
        min_ehh=min_ehh,
        use_threads=False,
    ).astype(np.float64)


# --------------------------------------------------------------------------- per shard


def segregating_sites(genotypes: np.ndarray, offsets: np.ndarray, rows=None) -> np.ndarray:
    """Number of segregating sites of every replicate of a shard (vectorised).

    Parameters
    ----------
    genotypes : uint8 array, shape (n_haplotypes, total_sites), 0/1 alleles.
    offsets : int64 array, shape (n_replicates + 1,), replicate boundaries.
    rows : index or boolean mask, optional
        Haplotypes to use (one population's); all when None. Sites monomorphic among them do
        not count.

    Returns
    -------
    int64 array, shape (n_replicates,).
    """
    genotypes, offsets = _check_shard(genotypes, offsets)
    chosen = genotypes if rows is None else genotypes[rows]
    derived = chosen.sum(axis=0, dtype=np.int64)
    polymorphic = (derived > 0) & (derived < chosen.shape[0])
    cumulative = np.concatenate([[0], np.cumsum(polymorphic)])
    return cumulative[offsets[1:]] - cumulative[offsets[:-1]]


def compute_statistics(
    genotypes: np.ndarray,
    offsets: np.ndarray,
    positions: np.ndarray,
    *,
    rows=None,
    ihs_min_maf: float = IHS_MIN_MAF,
    ihs_include_edges: bool = IHS_INCLUDE_EDGES,
    workers: int = 1,
) -> dict[str, np.ndarray]:
    """All summary statistics of a shard.

    scikit-allel computes Garud's H, Tajima's D and iHS one region at a time, so this loops
    over the replicates in Python (about 10 ms per 128-haplotype, 300-site region, nearly all
    of it iHS); ``S`` is vectorised.

    Parameters
    ----------
    genotypes : uint8 array, shape (n_haplotypes, total_sites), 0 = ancestral, 1 = derived.
    offsets : int64 array, shape (n_replicates + 1,), replicate boundaries.
    positions : float64 array, shape (total_sites,), base pairs from the region start.
    rows : index or boolean mask, optional
        Haplotypes to use (one population's); all when None.
    ihs_min_maf, ihs_include_edges : see :func:`ihs`.
    workers : processes over chunks of :data:`STATISTICS_CHUNK` regions (same result for any
        number).

    Returns
    -------
    dict with per-replicate arrays, shape (n_replicates,): ``segregating_sites`` (int64),
    ``h1``, ``h12``, ``h123``, ``h2_h1``, ``tajimas_d`` (float64); and per-site arrays, shape
    (total_sites,), for the iHS standardisation: ``site_ihs`` (float64, unstandardised, NaN
    where undefined) and ``site_derived_count`` (int64, derived alleles among ``rows``).
    """
    genotypes, offsets = _check_shard(genotypes, offsets, positions)
    positions = np.asarray(positions, dtype=np.float64)
    if workers > 1:
        chunks = []
        for start, stop in chunk_bounds(offsets.size - 1, STATISTICS_CHUNK):
            columns, local = region_slices(offsets, start, stop)
            chunks.append((genotypes[:, columns], local, positions[columns], rows, ihs_min_maf, ihs_include_edges))
        parts = process_map(_statistics_of_chunk, chunks, workers)
        return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    chosen = genotypes if rows is None else genotypes[rows]
    n_replicates = offsets.size - 1
    region = {key: np.empty(n_replicates) for key in (*GARUD_KEYS, "tajimas_d")}
    site_ihs = np.empty(chosen.shape[1])
    for index, (start, stop) in enumerate(itertools.pairwise(offsets)):
        haplotypes = chosen[:, start:stop]
        for key, value in zip(GARUD_KEYS, garud_h(haplotypes)):
            region[key][index] = value
        region["tajimas_d"][index] = tajimas_d(haplotypes)
        site_ihs[start:stop] = ihs(
            haplotypes, positions[start:stop], min_maf=ihs_min_maf, include_edges=ihs_include_edges
        )
    return {
        "segregating_sites": segregating_sites(genotypes, offsets, rows),
        **region,
        "site_ihs": site_ihs,
        "site_derived_count": chosen.sum(axis=0, dtype=np.int64),
    }


def _statistics_of_chunk(genotypes, offsets, positions, rows, ihs_min_maf, ihs_include_edges) -> dict[str, np.ndarray]:
    """:func:`compute_statistics` of one chunk of regions in one process (a worker's task)."""
    return compute_statistics(
        genotypes, offsets, positions, rows=rows, ihs_min_maf=ihs_min_maf, ihs_include_edges=ihs_include_edges
    )


# --------------------------------------------------------------------------- iHS standardisation


@dataclass(frozen=True)
class IhsStandardisation:
    """Mean and standard deviation of neutral iHS scores per derived-allele count.

    Attributes
    ----------
    mean, sd : float64 arrays, shape (n_haplotypes + 1,)
        Entry ``k``: over the neutral training sites with ``k`` derived alleles; NaN where
        fewer than ``min_sites`` such sites had a score (or their sd is 0).
    n_sites : int64 array, shape (n_haplotypes + 1,)
        Number of neutral scores behind each entry.
    """

    mean: np.ndarray
    sd: np.ndarray
    n_sites: np.ndarray

    @property
    def n_haplotypes(self) -> int:
        return self.mean.size - 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (NaN kept as float NaN)."""
        return {"mean": self.mean.tolist(), "sd": self.sd.tolist(), "n_sites": self.n_sites.tolist()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> IhsStandardisation:
        """Inverse of :meth:`to_dict`; raises ``ValueError`` on missing keys or unequal lengths."""
        missing = [key for key in ("mean", "sd", "n_sites") if key not in values]
        if missing:
            raise ValueError(f"iHS standardisation is missing key(s) {missing}")
        mean = np.asarray(values["mean"], dtype=np.float64)
        sd = np.asarray(values["sd"], dtype=np.float64)
        n_sites = np.asarray(values["n_sites"], dtype=np.int64)
        if not mean.ndim == 1 or mean.shape != sd.shape or mean.shape != n_sites.shape:
            raise ValueError(
                f"iHS standardisation arrays must be 1-D of equal length, got {mean.shape}, {sd.shape}, {n_sites.shape}"
            )
        return cls(mean, sd, n_sites)


def _check_scores_counts(scores: np.ndarray, derived_counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    derived_counts = np.asarray(derived_counts)
    if scores.ndim != 1 or scores.shape != derived_counts.shape:
        raise ValueError(
            f"scores and derived_counts must be 1-D of equal length, got {scores.shape} and {derived_counts.shape}"
        )
    if derived_counts.size and (not np.issubdtype(derived_counts.dtype, np.integer) or derived_counts.min() < 0):
        raise ValueError("derived_counts must be non-negative integers")
    return scores, derived_counts.astype(np.int64)


def fit_ihs_standardisation(
    scores: np.ndarray, derived_counts: np.ndarray, n_haplotypes: int, *, min_sites: int = 2
) -> IhsStandardisation:
    """Fit the per-derived-allele-count mean and sd of iHS on neutral training sites.

    Parameters
    ----------
    scores : float array, shape (n_sites,)
        Unstandardised iHS of the sites of the *neutral training* replicates (``site_ihs`` of
        :func:`compute_statistics`, concatenated over shards); NaN scores are ignored.
    derived_counts : int array, shape (n_sites,)
        Derived-allele count of each site (``site_derived_count``).
    n_haplotypes : int
        Sample size; counts run from 0 to ``n_haplotypes``.
    min_sites : int
        Counts with fewer neutral scores get NaN mean and sd.

    Returns
    -------
    :class:`IhsStandardisation`; sd is the population standard deviation (``ddof=0``).
    """
    scores, derived_counts = _check_scores_counts(scores, derived_counts)
    if derived_counts.size and derived_counts.max() > n_haplotypes:
        raise ValueError(f"derived_counts exceed n_haplotypes = {n_haplotypes} (max {derived_counts.max()})")
    scored = np.isfinite(scores)
    counts, values = derived_counts[scored], scores[scored]
    n_bins = int(n_haplotypes) + 1
    n_sites = np.bincount(counts, minlength=n_bins)
    total = np.bincount(counts, weights=values, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n_sites
        centred = values - mean[counts]
        sd = np.sqrt(np.bincount(counts, weights=centred**2, minlength=n_bins) / n_sites)
    unusable = (n_sites < min_sites) | ~(sd > 0)
    mean[unusable] = np.nan
    sd[unusable] = np.nan
    return IhsStandardisation(mean=mean, sd=sd, n_sites=n_sites.astype(np.int64))


def standardise_ihs(scores: np.ndarray, derived_counts: np.ndarray, standardisation: IhsStandardisation) -> np.ndarray:
    """``(score - mean[count]) / sd[count]`` for every site.

    Parameters
    ----------
    scores : float array, shape (n_sites,), unstandardised iHS (NaN allowed).
    derived_counts : int array, shape (n_sites,).
    standardisation : fitted on neutral training data.

    Returns
    -------
    float64 array, shape (n_sites,); NaN where the score is NaN or its count has no neutral
    reference.
    """
    scores, derived_counts = _check_scores_counts(scores, derived_counts)
    if derived_counts.size and derived_counts.max() > standardisation.n_haplotypes:
        raise ValueError(
            f"derived_counts (max {derived_counts.max()}) exceed the standardisation's "
            f"{standardisation.n_haplotypes} haplotypes"
        )
    return (scores - standardisation.mean[derived_counts]) / standardisation.sd[derived_counts]


def max_abs_ihs(
    site_ihs: np.ndarray,
    site_derived_count: np.ndarray,
    offsets: np.ndarray,
    standardisation: IhsStandardisation,
) -> np.ndarray:
    """Maximum |standardised iHS| of every replicate (vectorised).

    Parameters
    ----------
    site_ihs, site_derived_count : arrays, shape (total_sites,)
        As returned by :func:`compute_statistics`.
    offsets : int64 array, shape (n_replicates + 1,)
    standardisation : fitted with :func:`fit_ihs_standardisation` on neutral training sites.

    Returns
    -------
    float64 array, shape (n_replicates,); NaN for a region without any standardised score.
    """
    standardised = np.abs(standardise_ihs(site_ihs, site_derived_count, standardisation))
    offsets = np.asarray(offsets, dtype=np.int64)
    if offsets.ndim != 1 or offsets.size < 1 or offsets[-1] != standardised.size:
        raise ValueError(f"offsets must end at the number of sites ({standardised.size}), got {offsets[-1:]}")
    region = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
    result = np.full(offsets.size - 1, np.nan)
    np.fmax.at(result, region, standardised)
    return result


# --------------------------------------------------------------------------- classifier


@dataclass
class ThresholdClassifier:
    """Sweep / neutral call from one statistic: ``direction * (score - threshold) > 0``.

    ``direction = +1``: larger scores mean sweep (H1, max |iHS|); ``-1``: smaller scores mean
    sweep (S, Tajima's D). :meth:`fit` chooses both to maximise training accuracy. A NaN score
    is called neutral (it gives no evidence of a sweep).

    Attributes
    ----------
    threshold : float
        Midpoint between two consecutive distinct training scores (``+-inf`` when every training
        region gets the same call); NaN before fitting.
    direction : int, +1 or -1.
    training_accuracy : float
        Accuracy on the training data, NaN scores counted as neutral calls.
    """

    threshold: float = float("nan")
    direction: int = 1
    training_accuracy: float = float("nan")

    def fit(self, scores: np.ndarray, labels: np.ndarray) -> ThresholdClassifier:
        """Choose the threshold and direction that maximise accuracy on ``(scores, labels)``.

        Vectorised: the scores are sorted once and the number of correct calls for every
        split between distinct values follows from cumulative label counts. Ties in accuracy
        go to direction +1, then to the smallest threshold.

        Parameters
        ----------
        scores : float array, shape (n,)
        labels : int or bool array, shape (n,), 1 = sweep, 0 = neutral.
        """
        scores, labels = self._check(scores, labels)
        finite = np.isfinite(scores)
        if not finite.any():
            raise ValueError("scores has no finite value to fit a threshold to")
        order = np.argsort(scores[finite], kind="stable")
        values, sweep = scores[finite][order], labels[finite][order]
        # split k puts the k smallest scores below the threshold, for k = 0 .. n
        sweeps_below = np.concatenate([[0], np.cumsum(sweep)])
        k = np.arange(values.size + 1)
        neutral_below = k - sweeps_below
        sweeps_above = sweeps_below[-1] - sweeps_below
        correct = np.stack([neutral_below + sweeps_above, sweeps_below + (values.size - k - sweeps_above)])
        valid = np.ones(values.size + 1, dtype=bool)
        valid[1:-1] = values[1:] > values[:-1]  # no split between equal scores
        correct[:, ~valid] = -1
        best = int(np.argmax(correct.ravel()))
        row, split = divmod(best, values.size + 1)
        self.direction = 1 if row == 0 else -1
        if split == 0:
            self.threshold = -np.inf
        elif split == values.size:
            self.threshold = np.inf
        else:
            self.threshold = float((values[split - 1] + values[split]) / 2)
        nan_correct = int(np.sum(labels[~finite] == 0))
        self.training_accuracy = (int(correct[row, split]) + nan_correct) / labels.size
        return self

    def predict(self, scores: np.ndarray) -> np.ndarray:
        """int64 calls, shape (n,): 1 = sweep, 0 = neutral (also for NaN scores)."""
        if np.isnan(self.threshold):
            raise ValueError("ThresholdClassifier: call fit() before predict()")
        scores = np.asarray(scores, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return (self.direction * (scores - self.threshold) > 0).astype(np.int64)

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "direction": self.direction, "training_accuracy": self.training_accuracy}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ThresholdClassifier:
        if values.get("direction") not in (1, -1):
            raise ValueError(f"direction must be 1 or -1, got {values.get('direction')!r}")
        return cls(float(values["threshold"]), int(values["direction"]), float(values.get("training_accuracy", np.nan)))

    @staticmethod
    def _check(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = np.asarray(scores, dtype=np.float64)
        labels = np.asarray(labels)
        if scores.ndim != 1 or labels.shape != scores.shape or scores.size == 0:
            raise ValueError(
                f"scores and labels must be non-empty 1-D arrays of equal length, got {scores.shape} and {labels.shape}"
            )
        if not np.isin(labels, (0, 1)).all():
            raise ValueError("labels must be 0 (neutral) or 1 (sweep)")
        return scores, labels.astype(np.int64)
