"""Tests of the summary-statistic classifiers of a data set (genomic_dl.cecil2023.statistics)."""

from __future__ import annotations

import msprime
import numpy as np
import pandas as pd
import pytest

from genomic_dl.cecil2023.data import Haplotypes
from genomic_dl.cecil2023.evaluation import DataSplit
from genomic_dl.cecil2023.statistics import STATISTICS, fit_and_call, region_statistics
from genomic_dl.cecil2023.sumstats import garud_h, segregating_sites


def neutral_regions(n_regions, seed):
    blocks, positions = [], []
    for index, ts in enumerate(
        msprime.sim_ancestry(
            10,
            population_size=10_000,
            sequence_length=50_000,
            recombination_rate=1e-8,
            random_seed=seed,
            num_replicates=n_regions,
        )
    ):
        mutated = msprime.sim_mutations(
            ts, rate=2e-8, random_seed=seed + index + 1, model=msprime.BinaryMutationModel()
        )
        blocks.append(mutated.genotype_matrix().T.astype(np.uint8))
        positions.append(mutated.tables.sites.position)
    offsets = np.concatenate([[0], np.cumsum([b.shape[1] for b in blocks])]).astype(np.int64)
    return np.concatenate(blocks, axis=1), offsets, np.concatenate(positions)


def test_region_statistics_columns_split_and_values():
    genotypes, offsets, positions = neutral_regions(12, 5)
    labels = np.repeat([0, 1], 6).astype(np.int8)
    data = Haplotypes(genotypes, offsets, positions, labels, np.zeros((12, 2), dtype=np.int64))
    split = DataSplit(train=np.array([0, 1, 2, 3, 6, 7, 8, 9]), valid=np.array([4, 10]), test=np.array([5, 11]))
    table, standardisation = region_statistics(data, split)
    assert list(table.columns) == ["index", "label", "split", *STATISTICS]
    assert table["split"].tolist() == ["train"] * 4 + ["valid", "test"] + ["train"] * 4 + ["valid", "test"]
    np.testing.assert_array_equal(table["segregating_sites"], segregating_sites(genotypes, offsets))
    assert table.loc[3, "h1"] == pytest.approx(garud_h(data.region(3)[0])[0])
    # the iHS standardisation saw the neutral (class 0) training regions only
    region_of_site = np.repeat(np.arange(12), np.diff(offsets))
    assert sum(standardisation["n_sites"]) <= int(np.isin(region_of_site, [0, 1, 2, 3]).sum())
    assert np.nanmax(table["ihs"]) > 0
    with pytest.raises(ValueError, match="no class-0"):
        region_statistics(data, DataSplit(train=np.array([6, 7]), valid=np.array([0]), test=np.array([1])))


def test_fit_and_call_uses_training_regions_only():
    table = pd.DataFrame(
        {
            "index": range(6),
            "label": [0, 0, 1, 1, 0, 1],
            "split": ["train"] * 4 + ["test"] * 2,
            "h1": [0.1, 0.2, 0.5, 0.6, 0.9, 0.05],
            "segregating_sites": [300.0, 280.0, 150.0, 120.0, 100.0, 400.0],
        }
    )
    called, classifiers = fit_and_call(table, ["h1", "segregating_sites"])
    assert classifiers["h1"]["direction"] == 1 and classifiers["h1"]["threshold"] == pytest.approx(0.35)
    assert classifiers["segregating_sites"]["direction"] == -1 and classifiers["segregating_sites"][
        "threshold"
    ] == pytest.approx(215.0)
    assert called["h1_call"].tolist() == [0, 0, 1, 1, 1, 0]
    assert called["segregating_sites_call"].tolist() == [0, 0, 1, 1, 1, 0]
    with pytest.raises(ValueError, match="unknown statistics"):
        fit_and_call(table, ["pi"])


def test_projected_spectrum_is_the_expected_spectrum_of_a_subsample():
    from genomic_dl.cecil2023.sfs import project_spectrum

    rng = np.random.default_rng(2)
    n, m = 12, 5
    counts = rng.integers(0, n + 1, size=40)  # derived-allele counts of 40 sites among n haplotypes
    spectrum = np.bincount(counts, minlength=n + 1).astype(float)
    projected = project_spectrum(spectrum, m)
    # brute force: every subsample of m haplotypes of a site with c derived copies, by enumeration
    from itertools import combinations

    expected = np.zeros(m + 1)
    subsets = list(combinations(range(n), m))
    for c in counts:
        for subset in subsets:
            expected[sum(index < c for index in subset)] += 1 / len(subsets)
    np.testing.assert_allclose(projected, expected)
    assert projected.sum() == pytest.approx(40)
    with pytest.raises(ValueError, match="cannot project"):
        project_spectrum(spectrum, n + 1)
