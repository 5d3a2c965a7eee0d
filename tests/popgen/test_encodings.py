"""ImaGene Fig 1 encodings on hand-made regions."""

import numpy as np
import pytest

from genomic_dl.popgen.encodings import (
    NUCLEOTIDE_COLOURS,
    assign_bases,
    minor_allele_matrix,
    nucleotide_frequencies,
    population_frequencies,
    region_encodings,
)

# Rows 0-1 population 0, rows 2-4 population 1, row 5 population 2 (not shown below).
GENOTYPES = np.array(
    [
        [1, 0, 0, 1],
        [1, 0, 0, 1],
        [0, 1, 0, 1],
        [0, 1, 0, 1],
        [0, 0, 0, 1],
        [0, 0, 1, 0],
    ],
    dtype=np.uint8,
)
POPULATION = np.array([0, 0, 1, 1, 1, 2])


def test_population_frequencies_hand_made():
    frequency = population_frequencies(GENOTYPES, POPULATION, [1, 0])
    np.testing.assert_allclose(frequency, [[0, 2 / 3, 0, 1], [1, 0, 0, 1]])


def test_minor_allele_flips_majority_derived_columns_only():
    minor = minor_allele_matrix(GENOTYPES[:5])
    # Column 3 is derived in all five rows -> minor allele is the ancestral one; ties kept.
    np.testing.assert_array_equal(minor[:, 3], 0)
    np.testing.assert_array_equal(minor[:, :3], GENOTYPES[:5, :3])


def test_nucleotide_frequencies_sum_to_one_and_follow_bases():
    bases = assign_bases(50, np.random.default_rng(0))
    assert np.all(bases[:, 0] != bases[:, 1]) and bases.min() >= 0 and bases.max() <= 3
    derived = np.random.default_rng(1).random((3, 50))
    frequencies = nucleotide_frequencies(derived, bases)
    np.testing.assert_allclose(frequencies.sum(axis=2), 1.0)
    np.testing.assert_allclose(frequencies[:, np.arange(50), bases[:, 1]], derived)


def test_region_encodings_keep_sites_polymorphic_in_a_shown_population():
    panels = region_encodings(
        GENOTYPES, POPULATION, population_order=[0, 1], focal_population=1, rng=np.random.default_rng(2)
    )
    # Site 0 is fixed for different alleles in 0 and 1 (no population polymorphic), site 2 is
    # variable only in population 2, which is not shown, site 3 is fixed in 0 and 1.
    np.testing.assert_array_equal(panels["site_index"], [1])
    assert panels["derived"].shape == panels["minor"].shape == (3, 1)
    assert panels["population_nucleotides"].shape == (2, 1, 3)
    # A haplotype's pixel is one pure nucleotide colour.
    colours = panels["haplotype_nucleotides"].reshape(-1, 3)
    assert all(np.isclose(colours[:, None, :], NUCLEOTIDE_COLOURS[None]).all(axis=2).any(axis=1))


@pytest.mark.parametrize(
    "populations, focal, message", [([0, 7], 0, r"\[7\] have no haplotypes"), ([0, 1], 2, "focal population 2")]
)
def test_bad_population_choices_raise(populations, focal, message):
    with pytest.raises(ValueError, match=message):
        region_encodings(GENOTYPES, POPULATION, populations, focal, np.random.default_rng(0))
