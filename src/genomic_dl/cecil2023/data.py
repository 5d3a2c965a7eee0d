"""Data sets of Cecil & Sugden (2023): two classes of simulated regions, their split and images.

A *data set* is a pair of classes, each a list of simulation shards of one scenario and one
selection strength (class 0 = neutral, class 1 = sweep; for the hard-vs-soft experiment
class 0 = soft sweep, class 1 = hard sweep), optionally restricted to one population's
haplotypes (the focal population of the three-population model: CEU for the CEU sweep and its
neutral set, YRI for YRI). The regions of both classes are concatenated, class 0 first, shard by
shard in the given order; that order defines the region *index* shared by every output of the
data set (images, statistics, predictions).

* :func:`load_dataset` reads and concatenates the shards (optionally only the first
  ``max_haplotypes`` haplotypes of the population and the sites in a central window);
* :func:`dataset_split` is the seeded, class-balanced 80/10/10 split (the same seed gives the
  same split in every rule);
* :func:`prepare_images` standardises the image widths with the target width fixed on the
  training regions (:mod:`genomic_dl.cecil2023.widths`) and sorts rows or not;
* :func:`images_for_width` applies a stored target width to new regions (the fresh training
  sets of simulation on the fly).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from genomic_dl.cecil2023.evaluation import DataSplit, stratified_split
from genomic_dl.cecil2023.widths import WIDTH_METHODS, filtered_widths, standardised_images, target_width
from genomic_dl.io import load_arrays
from genomic_dl.parallel import chunk_bounds, process_map, region_slices

__all__ = [
    "SORTINGS",
    "Haplotypes",
    "dataset_split",
    "images_for_width",
    "load_dataset",
    "load_shard",
    "prepare_images",
]

#: Row orders of the Cecil & Sugden experiments: sorted by haplotype frequency, or as simulated.
SORTINGS = ("rows", "none")

#: Regions standardised at once; bounds the zero-padded batch (regions x haplotypes x sites).
CHUNK = 2000


@dataclass(frozen=True)
class Haplotypes:
    """Regions in the concatenated-sites layout of the simulation shards.

    Attributes
    ----------
    genotypes : uint8 array, shape (n_haplotypes, total_sites), 0 = ancestral, 1 = derived.
    offsets : int64 array, shape (n_regions + 1,); region ``i`` owns sites ``offsets[i]:offsets[i + 1]``.
    positions : float64 array, shape (total_sites,), base pairs from the region start.
    labels : int8 array, shape (n_regions,), class of each region (0 or 1).
    source : int64 array, shape (n_regions, 2), (shard number within the data set, replicate
        within the shard) of each region.
    """

    genotypes: np.ndarray
    offsets: np.ndarray
    positions: np.ndarray
    labels: np.ndarray
    source: np.ndarray

    @property
    def n_regions(self) -> int:
        return self.offsets.size - 1

    def region(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Haplotypes (n_haplotypes, sites) and positions (sites,) of one region."""
        start, stop = self.offsets[index], self.offsets[index + 1]
        return self.genotypes[:, start:stop], self.positions[start:stop]


def _population_rows(path: str, arrays: Mapping[str, np.ndarray], metadata: Mapping[str, Any], population: str | None):
    n_rows = arrays["genotypes"].shape[0]
    if population is None:
        return np.arange(n_rows)
    names = metadata.get("populations", [])
    if population not in names:
        raise ValueError(f"{path}: no population '{population}' (has {names})")
    return np.flatnonzero(arrays["haplotype_population"] == names.index(population))


def load_shard(
    path: str | os.PathLike,
    population: str | None = None,
    max_haplotypes: int | None = None,
    window_bp: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One shard's regions, restricted to a population, its first haplotypes and a central window.

    Parameters
    ----------
    path : a simulation shard (:func:`genomic_dl.io.save_arrays` archive with ``genotypes``,
        ``offsets``, ``positions``, ``haplotype_population``).
    population : keep the rows of this population (``metadata["populations"]``); all when None.
    max_haplotypes : keep only the first this many of those rows (None = all).
    window_bp : keep the sites within ``window_bp / 2`` of the region centre (None = all sites);
        the region length is the scenario's ``sequence_length``.

    Returns
    -------
    (genotypes (n_rows, sites) uint8, offsets (n_regions + 1,) int64, positions (sites,) float64).
    """
    arrays, metadata = load_arrays(path, required=("genotypes", "offsets", "positions", "haplotype_population"))
    rows = _population_rows(str(path), arrays, metadata, population)
    if max_haplotypes is not None:
        if rows.size < max_haplotypes:
            raise ValueError(
                f"{path}: {rows.size} haplotypes of population {population}, fewer than max_haplotypes = {max_haplotypes}"
            )
        rows = rows[:max_haplotypes]
    genotypes = arrays["genotypes"][rows]
    offsets = arrays["offsets"].astype(np.int64)
    positions = arrays["positions"].astype(np.float64)
    if window_bp is not None:
        length = float(metadata["scenario"]["sequence_length"])
        keep = np.abs(positions - length / 2.0) <= window_bp / 2.0
        kept = np.concatenate([[0], np.cumsum(keep)])
        offsets = kept[offsets]
        genotypes, positions = genotypes[:, keep], positions[keep]
    return np.ascontiguousarray(genotypes, dtype=np.uint8), offsets, positions


def load_dataset(
    class_shards: Sequence[Sequence[str | os.PathLike]],
    population: str | None = None,
    max_haplotypes: int | None = None,
    window_bp: float | None = None,
) -> Haplotypes:
    """All regions of a data set: the shards of class 0, then those of class 1.

    Parameters
    ----------
    class_shards : two lists of shard paths, one per class (label = position in the list).
    population, max_haplotypes, window_bp : see :func:`load_shard`.

    Returns
    -------
    :class:`Haplotypes`. Raises ``ValueError`` naming the shard when the shards do not have the
    same number of haplotype rows.
    """
    if len(class_shards) != 2 or not all(class_shards):
        raise ValueError(f"a data set needs shards for exactly two classes, got {[len(c) for c in class_shards]}")
    genotypes, offsets, positions, labels, source = [], [np.zeros(1, dtype=np.int64)], [], [], []
    shard_number, total_sites, n_rows = 0, 0, None
    for label, paths in enumerate(class_shards):
        for path in paths:
            g, o, p = load_shard(path, population, max_haplotypes, window_bp)
            if n_rows is None:
                n_rows = g.shape[0]
            elif g.shape[0] != n_rows:
                raise ValueError(f"{path}: {g.shape[0]} haplotype rows, but the data set's first shard has {n_rows}")
            genotypes.append(g)
            positions.append(p)
            offsets.append(o[1:] + total_sites)
            total_sites += int(o[-1])
            n = o.size - 1
            labels.append(np.full(n, label, dtype=np.int8))
            source.append(np.stack([np.full(n, shard_number), np.arange(n)], axis=1))
            shard_number += 1
    return Haplotypes(
        genotypes=np.concatenate(genotypes, axis=1),
        offsets=np.concatenate(offsets).astype(np.int64),
        positions=np.concatenate(positions),
        labels=np.concatenate(labels),
        source=np.concatenate(source).astype(np.int64),
    )


def dataset_split(labels: np.ndarray, seed: int, fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> DataSplit:
    """The data set's class-balanced train / validation / test split, from ``seed`` alone.

    Every rule of a data set (images, statistics) calls this with the same seed, so all methods
    are fitted on the same training regions and tested on the same test regions.
    """
    return stratified_split(labels, fractions, np.random.default_rng(seed))


def _check_width_settings(method: str, sorting: str) -> None:
    if method not in WIDTH_METHODS:
        raise ValueError(f"width method must be one of {WIDTH_METHODS}, got {method!r}")
    if sorting not in SORTINGS:
        raise ValueError(f"sorting must be one of {SORTINGS}, got {sorting!r}")


def images_for_width(
    haplotypes: Haplotypes, method: str, width: int, sorting: str, preprocessing: Mapping[str, Any], workers: int = 1
) -> np.ndarray:
    """Images of every region with a given target width (chunks of :data:`CHUNK` regions).

    Parameters
    ----------
    haplotypes : the regions.
    method : ``"resize"``, ``"zero_pad"`` or ``"trim"``.
    width : target width (columns).
    sorting : ``"rows"`` (group identical haplotypes, most frequent first) or ``"none"``.
    preprocessing : ``min_maf``, ``threshold`` and ``resize`` ([rows, columns] of resized images).
    workers : processes over the chunks (same result for any number).

    Returns
    -------
    uint8 array, shape (n_regions, H, width), values 0/1; ``H`` is ``resize[0]`` for
    ``"resize"`` and the number of haplotypes otherwise.
    """
    _check_width_settings(method, sorting)
    height = int(preprocessing["resize"][0]) if method == "resize" else None
    tasks = []
    for start, stop in chunk_bounds(haplotypes.n_regions, CHUNK):
        columns, offsets = region_slices(haplotypes.offsets, start, stop)
        tasks.append(
            (
                haplotypes.genotypes[:, columns],
                offsets,
                method,
                width,
                sorting == "rows",
                preprocessing["min_maf"],
                height,
                preprocessing["threshold"],
            )
        )
    return np.concatenate(process_map(_standardised_chunk, tasks, workers))


def _standardised_chunk(genotypes, offsets, method, width, sort_rows, min_maf, height, threshold) -> np.ndarray:
    """:func:`~genomic_dl.cecil2023.widths.standardised_images` of one chunk (a worker's task)."""
    return standardised_images(
        genotypes, offsets, method, width, sort_rows=sort_rows, min_maf=min_maf, height=height, threshold=threshold
    )


def prepare_images(
    haplotypes: Haplotypes,
    split: DataSplit,
    method: str,
    sorting: str,
    preprocessing: Mapping[str, Any],
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray, int]:
    """Images of a data set, their width fixed on the training regions.

    Parameters
    ----------
    haplotypes : the data set's regions.
    split : its split; only ``split.train`` is used to fix the target width.
    method, sorting, preprocessing, workers : see :func:`images_for_width`; ``preprocessing``
        also gives ``width_multiple`` (paper: 10).

    Returns
    -------
    images : uint8 array, shape (n_regions, H, W).
    raw_widths : int64 array, shape (n_regions,), columns of each image after the MAF filter.
    width : int, the target width ``W`` (128 for resizing; from the training widths otherwise).
    """
    _check_width_settings(method, sorting)
    raw_widths = filtered_widths(haplotypes.genotypes, haplotypes.offsets, min_maf=preprocessing["min_maf"])
    width = target_width(
        method,
        raw_widths[split.train],
        multiple=int(preprocessing["width_multiple"]),
        resize_width=int(preprocessing["resize"][1]),
    )
    return images_for_width(haplotypes, method, width, sorting, preprocessing, workers), raw_widths, width
