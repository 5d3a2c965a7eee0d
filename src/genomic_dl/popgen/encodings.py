"""Image encodings of a genomic region (ImaGene, Torada et al. 2019, Fig 1).

A region is a haplotype matrix ``genotypes`` (uint8, shape (H, W): rows are haplotypes,
columns are biallelic sites, 1 = derived allele) plus the population of each row
(``haplotype_population``, int, shape (H,), an index into a list of population names).
The encodings of ImaGene's Fig 1:

* population rows, pixel = derived-allele frequency in the population (Fig 1b);
* population rows, pixel = frequencies of the four nucleotides, drawn as a colour mix (Fig 1a);
* haplotype rows of one population, pixel = derived allele (Fig 1d), nucleotide (Fig 1c) or
  minor allele, with the minor allele defined over all populations together (Fig 1e).

Only sites polymorphic in at least one of the shown populations are kept (as the paper's
figure). Simulated data are biallelic 0/1 without bases; :func:`assign_bases` draws an
ancestral and a different derived base per site so the nucleotide panels can be drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

NUCLEOTIDES = "ACGT"
# One colour per nucleotide (RGB in [0, 1]); a pixel mixes them by frequency.
NUCLEOTIDE_COLOURS = np.array(
    [
        [0.13, 0.63, 0.30],  # A green
        [0.17, 0.40, 0.80],  # C blue
        [0.98, 0.70, 0.10],  # G amber
        [0.85, 0.15, 0.15],  # T red
    ]
)


def _check_region(genotypes: np.ndarray, haplotype_population: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    genotypes = np.asarray(genotypes)
    population = np.asarray(haplotype_population)
    if genotypes.ndim != 2:
        raise ValueError(f"genotypes must be 2-D (haplotypes, sites), got shape {genotypes.shape}")
    if population.shape != (genotypes.shape[0],):
        raise ValueError(f"haplotype_population must have shape ({genotypes.shape[0]},), got {population.shape}")
    if genotypes.size and not np.isin(genotypes, (0, 1)).all():
        raise ValueError("genotypes must hold 0/1 alleles")
    return genotypes.astype(np.uint8, copy=False), population


def population_frequencies(
    genotypes: np.ndarray, haplotype_population: np.ndarray, populations: Sequence[int]
) -> np.ndarray:
    """Derived-allele frequency per population and site, float64 (len(populations), W).

    ``populations`` lists population indices in the order of the image's rows.
    """
    genotypes, population = _check_region(genotypes, haplotype_population)
    membership = population[None, :] == np.asarray(populations)[:, None]  # (P, H)
    counts = membership.sum(axis=1)
    if np.any(counts == 0):
        missing = [int(p) for p, n in zip(populations, counts) if n == 0]
        raise ValueError(f"populations {missing} have no haplotypes in the region")
    return (membership.astype(np.float64) @ genotypes) / counts[:, None]


def polymorphic_in_any(frequencies: np.ndarray) -> np.ndarray:
    """Boolean (W,): sites whose frequency is strictly between 0 and 1 in at least one row."""
    return np.any((frequencies > 0) & (frequencies < 1), axis=0)


def minor_allele_matrix(genotypes: np.ndarray) -> np.ndarray:
    """Haplotypes recoded so 1 = the minor allele over all rows given (uint8, same shape).

    Columns where the derived allele has frequency above 0.5 are flipped; at exactly 0.5 the
    derived allele is kept as the minor one.
    """
    genotypes = np.asarray(genotypes, dtype=np.uint8)
    flip = genotypes.mean(axis=0) > 0.5
    return np.where(flip[None, :], 1 - genotypes, genotypes).astype(np.uint8)


def assign_bases(n_sites: int, rng: np.random.Generator) -> np.ndarray:
    """Random (ancestral, derived) base indices per site, int (n_sites, 2), never equal."""
    ancestral = rng.integers(0, 4, size=n_sites)
    derived = (ancestral + rng.integers(1, 4, size=n_sites)) % 4
    return np.stack([ancestral, derived], axis=1)


def nucleotide_frequencies(derived_frequency: np.ndarray, bases: np.ndarray) -> np.ndarray:
    """Frequencies of A, C, G, T per row and site, float64 (R, W, 4), from derived frequencies (R, W)."""
    derived_frequency = np.asarray(derived_frequency, dtype=np.float64)
    rows, sites = derived_frequency.shape
    if bases.shape != (sites, 2):
        raise ValueError(f"bases must have shape ({sites}, 2), got {bases.shape}")
    out = np.zeros((rows, sites, 4))
    columns = np.arange(sites)
    out[:, columns, bases[:, 0]] = 1.0 - derived_frequency
    out[:, columns, bases[:, 1]] += derived_frequency
    return out


def nucleotide_colours(frequencies: np.ndarray) -> np.ndarray:
    """RGB image (R, W, 3) mixing :data:`NUCLEOTIDE_COLOURS` by the frequencies (R, W, 4)."""
    return np.asarray(frequencies) @ NUCLEOTIDE_COLOURS


def region_encodings(
    genotypes: np.ndarray,
    haplotype_population: np.ndarray,
    population_order: Sequence[int],
    focal_population: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """All Fig 1 panels of one region.

    Returns a dict of arrays over the kept sites (polymorphic in at least one population of
    ``population_order``): ``derived_frequency`` (P, W), ``population_nucleotides`` (P, W, 3)
    RGB, ``haplotype_nucleotides`` (Hf, W, 3) RGB, ``derived`` (Hf, W) and ``minor`` (Hf, W)
    uint8 for the ``Hf`` haplotypes of ``focal_population``, and ``site_index`` (W,) of the
    kept columns in the input.
    """
    genotypes, population = _check_region(genotypes, haplotype_population)
    if focal_population not in population_order:
        raise ValueError(f"focal population {focal_population} is not in population_order {list(population_order)}")
    frequency = population_frequencies(genotypes, population, population_order)
    keep = np.flatnonzero(polymorphic_in_any(frequency))
    shown = np.isin(population, population_order)
    frequency, region = frequency[:, keep], genotypes[:, keep]
    bases = assign_bases(keep.size, rng)
    focal_rows = population == focal_population
    return {
        "derived_frequency": frequency,
        "population_nucleotides": nucleotide_colours(nucleotide_frequencies(frequency, bases)),
        "haplotype_nucleotides": nucleotide_colours(nucleotide_frequencies(region[focal_rows], bases)),
        "derived": region[focal_rows],
        "minor": minor_allele_matrix(region[shown])[focal_rows[shown]],
        "site_index": keep,
    }
