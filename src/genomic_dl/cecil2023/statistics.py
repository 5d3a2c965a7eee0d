"""Summary-statistic classifiers of Cecil & Sugden (2023) on one data set.

Every statistic is computed on the raw haplotypes of each region
(:func:`genomic_dl.cecil2023.sumstats.compute_statistics`); iHS is standardised per derived-allele
count with the mean and sd of the *neutral training* regions only and reduced to the maximum
|iHS| of the region; each statistic becomes a classifier with the threshold (and direction)
that maximises training accuracy (:class:`~genomic_dl.cecil2023.sumstats.ThresholdClassifier`),
and calls every region.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from genomic_dl.cecil2023.data import Haplotypes
from genomic_dl.cecil2023.evaluation import DataSplit
from genomic_dl.cecil2023.sumstats import ThresholdClassifier, compute_statistics, fit_ihs_standardisation, max_abs_ihs

__all__ = ["STATISTICS", "STATISTIC_LABELS", "fit_and_call", "region_statistics"]

#: Statistic keys (columns of the scores table) and their labels.
STATISTIC_LABELS = {
    "h1": "Garud's H1",
    "h12": "Garud's H12",
    "ihs": "max |iHS|",
    "segregating_sites": "S (segregating sites)",
    "tajimas_d": "Tajima's D",
}
STATISTICS = tuple(STATISTIC_LABELS)


def region_statistics(
    haplotypes: Haplotypes, split: DataSplit, *, min_sites: int = 2, workers: int = 1
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-region statistics of a data set whose class 0 is neutral.

    Parameters
    ----------
    haplotypes : the data set's regions (class 0 = neutral).
    split : its split; the iHS standardisation uses the class-0 regions of ``split.train``.
    min_sites : derived-allele counts with fewer neutral iHS scores get no standardisation.
    workers : processes for the per-region statistics (same result for any number).

    Returns
    -------
    table : one row per region: ``index, label, split`` (train / valid / test) and one column
        per key of :data:`STATISTICS` (float; NaN where undefined).
    standardisation : the iHS mean / sd / number of sites per derived-allele count (JSON-able).
    """
    values = compute_statistics(haplotypes.genotypes, haplotypes.offsets, haplotypes.positions, workers=workers)
    region_of_site = np.repeat(np.arange(haplotypes.n_regions), np.diff(haplotypes.offsets))
    neutral_train = split.train[haplotypes.labels[split.train] == 0]
    if neutral_train.size == 0:
        raise ValueError("the training split has no class-0 (neutral) region to standardise iHS on")
    reference = np.isin(region_of_site, neutral_train)
    standardisation = fit_ihs_standardisation(
        values["site_ihs"][reference],
        values["site_derived_count"][reference],
        haplotypes.genotypes.shape[0],
        min_sites=min_sites,
    )
    part = np.full(haplotypes.n_regions, "", dtype=object)
    for name in ("train", "valid", "test"):
        part[getattr(split, name)] = name
    table = pd.DataFrame(
        {
            "index": np.arange(haplotypes.n_regions),
            "label": haplotypes.labels.astype(np.int64),
            "split": part,
            "h1": values["h1"],
            "h12": values["h12"],
            "ihs": max_abs_ihs(values["site_ihs"], values["site_derived_count"], haplotypes.offsets, standardisation),
            "segregating_sites": values["segregating_sites"].astype(np.float64),
            "tajimas_d": values["tajimas_d"],
        }
    )
    return table, standardisation.to_dict()


def fit_and_call(
    table: pd.DataFrame, statistics: Sequence[str] = STATISTICS
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Fit each statistic's threshold on the training regions and call every region.

    Parameters
    ----------
    table : from :func:`region_statistics`.
    statistics : keys of :data:`STATISTICS` to turn into classifiers.

    Returns
    -------
    table : a copy with ``<statistic>_call`` (0/1) columns added.
    classifiers : ``{statistic: {threshold, direction, training_accuracy}}``.
    """
    unknown = sorted(set(statistics) - set(STATISTICS))
    if unknown:
        raise ValueError(f"unknown statistics {unknown}; expected some of {list(STATISTICS)}")
    train = (table["split"] == "train").to_numpy()
    labels = table["label"].to_numpy()
    out = table.copy()
    classifiers = {}
    for name in statistics:
        scores = table[name].to_numpy(dtype=np.float64)
        classifier = ThresholdClassifier().fit(scores[train], labels[train])
        out[f"{name}_call"] = classifier.predict(scores)
        classifiers[name] = classifier.to_dict()
    return out, classifiers
