"""Tests of the summary statistics and threshold classifiers (genomic_dl.cecil2023.sumstats)."""

from __future__ import annotations

import msprime
import numpy as np
import pytest

from genomic_dl.cecil2023.sumstats import (
    IhsStandardisation,
    ThresholdClassifier,
    compute_statistics,
    fit_ihs_standardisation,
    garud_h,
    ihs,
    max_abs_ihs,
    segregating_sites,
    standardise_ihs,
    tajimas_d,
)


def haplotype_set(rng):
    """8 haplotypes of 5 sites: A x 4, B x 2, C, D, rows shuffled."""
    a, b, c, d = [1, 0, 0, 1, 0], [0, 1, 0, 1, 0], [0, 0, 1, 0, 1], [1, 1, 1, 0, 0]
    rows = np.array([a] * 4 + [b] * 2 + [c, d], dtype=np.uint8)
    return rows[rng.permutation(8)]


def simulated_shard(n_replicates, n_haplotypes, seed):
    """A neutral msprime shard in the workflow's format (genotypes, offsets, positions)."""
    blocks, positions = [], []
    replicates = msprime.sim_ancestry(
        n_haplotypes // 2,
        population_size=10_000,
        sequence_length=80_000,
        recombination_rate=1e-8,
        random_seed=seed,
        num_replicates=n_replicates,
    )
    for index, ts in enumerate(replicates):
        mutated = msprime.sim_mutations(
            ts, rate=1.5e-8, random_seed=seed + index + 1, discrete_genome=False, model=msprime.BinaryMutationModel()
        )
        blocks.append(mutated.genotype_matrix().T.astype(np.uint8))
        positions.append(mutated.tables.sites.position)
    offsets = np.concatenate([[0], np.cumsum([b.shape[1] for b in blocks])]).astype(np.int64)
    return np.concatenate(blocks, axis=1), offsets, np.concatenate(positions)


def test_garud_h_of_a_hand_made_haplotype_set():
    h1, h12, h123, h2_h1 = garud_h(haplotype_set(np.random.default_rng(0)))
    p = np.array([4, 2, 1, 1]) / 8
    assert h1 == pytest.approx(np.sum(p**2))  # 0.34375
    assert h12 == pytest.approx((p[0] + p[1]) ** 2 + np.sum(p[2:] ** 2))
    assert h123 == pytest.approx((p[0] + p[1] + p[2]) ** 2 + p[3] ** 2)
    assert h2_h1 == pytest.approx((np.sum(p**2) - p[0] ** 2) / np.sum(p**2))
    assert garud_h(np.zeros((6, 0), np.uint8)) == (1.0, 1.0, 1.0, 0.0)


def test_segregating_sites_ignore_monomorphic_columns():
    # replicate 0: 3 sites, one fixed derived; replicate 1: no site; replicate 2: 2 sites
    genotypes = np.array(
        [
            [1, 0, 1, 0, 1],
            [1, 1, 0, 0, 1],
            [1, 0, 0, 1, 0],
            [1, 0, 0, 0, 0],
        ],
        dtype=np.uint8,
    )
    offsets = np.array([0, 3, 3, 5])
    np.testing.assert_array_equal(segregating_sites(genotypes, offsets), [2, 0, 2])
    # among the last two rows only site 3 varies
    np.testing.assert_array_equal(segregating_sites(genotypes, offsets, rows=[2, 3]), [0, 0, 1])


def tajima_reference(haplotypes):
    """Tajima (1989) D written out for a (n, sites) 0/1 array."""
    n = haplotypes.shape[0]
    k = haplotypes.sum(axis=0)
    k = k[(k > 0) & (k < n)]
    s = k.size
    pi = np.sum(2.0 * k * (n - k) / (n * (n - 1)))
    a1 = np.sum(1.0 / np.arange(1, n))
    a2 = np.sum(1.0 / np.arange(1, n) ** 2)
    b1, b2 = (n + 1) / (3 * (n - 1)), 2 * (n * n + n + 3) / (9 * n * (n - 1))
    c1, c2 = b1 - 1 / a1, b2 - (n + 2) / (a1 * n) + a2 / a1**2
    e1, e2 = c1 / a1, c2 / (a1**2 + a2)
    return (pi - s / a1) / np.sqrt(e1 * s + e2 * s * (s - 1))


def test_tajimas_d_sign_and_value_on_hand_made_samples():
    n = 10
    singletons = np.zeros((n, 6), np.uint8)
    singletons[np.arange(6), np.arange(6)] = 1  # excess of rare alleles: D < 0
    intermediate = np.zeros((n, 6), np.uint8)
    intermediate[:5] = 1  # every site at frequency 1/2: D > 0
    intermediate[5, 0] = 1
    assert tajimas_d(singletons) < 0 < tajimas_d(intermediate)
    for sample in (singletons, intermediate):
        assert tajimas_d(sample) == pytest.approx(tajima_reference(sample))
    assert np.isnan(tajimas_d(singletons[:, :2]))  # fewer than 3 segregating sites


def test_ihs_is_positive_for_a_derived_allele_on_a_long_shared_haplotype():
    rng = np.random.default_rng(4)
    n, sites = 40, 61
    haplotypes = (rng.random((n, sites)) < 0.3).astype(np.uint8)
    carriers = np.arange(n) < 16
    haplotypes[carriers] = haplotypes[0]  # carriers share one haplotype over the whole region
    haplotypes[:, 30] = carriers  # the core site: derived in the carriers only
    positions = np.arange(sites) * 1000.0 + 500.0
    scores = ihs(haplotypes, positions)
    assert scores.shape == (sites,)
    assert scores[30] > 1.0
    rare = haplotypes.sum(axis=0) < 0.05 * n
    assert np.isnan(scores[rare | (haplotypes.sum(axis=0) > 0.95 * n)]).all()
    with pytest.raises(ValueError, match="positions"):
        ihs(haplotypes, positions[::-1])


def test_compute_statistics_agrees_with_the_per_region_functions():
    genotypes, offsets, positions = simulated_shard(4, 20, seed=11)
    stats = compute_statistics(genotypes, offsets, positions)
    for i in range(4):
        region = genotypes[:, offsets[i] : offsets[i + 1]]
        assert (stats["h1"][i], stats["h12"][i], stats["h123"][i], stats["h2_h1"][i]) == garud_h(region)
        assert stats["tajimas_d"][i] == tajimas_d(region)
        np.testing.assert_array_equal(
            stats["site_ihs"][offsets[i] : offsets[i + 1]], ihs(region, positions[offsets[i] : offsets[i + 1]])
        )
    np.testing.assert_array_equal(stats["segregating_sites"], np.diff(offsets))  # msprime emits segregating sites only
    np.testing.assert_array_equal(stats["site_derived_count"], genotypes.sum(axis=0))
    assert stats["h1"].shape == stats["tajimas_d"].shape == (4,)


def test_ihs_standardisation_fitted_on_neutral_training_data():
    genotypes, offsets, positions = simulated_shard(60, 40, seed=5)
    stats = compute_statistics(genotypes, offsets, positions)
    split = offsets[30]  # replicates 0-29 train, 30-59 held out
    train = fit_ihs_standardisation(stats["site_ihs"][:split], stats["site_derived_count"][:split], 40)
    fitted = standardise_ihs(stats["site_ihs"][:split], stats["site_derived_count"][:split], train)
    held_out = standardise_ihs(stats["site_ihs"][split:], stats["site_derived_count"][split:], train)
    # on its own training data every usable count bin is exactly centred and scaled
    counts = stats["site_derived_count"][:split]
    for k in np.flatnonzero(np.isfinite(train.mean)):
        in_bin = (counts == k) & np.isfinite(fitted)
        assert fitted[in_bin].mean() == pytest.approx(0.0, abs=1e-9)
        assert fitted[in_bin].std() == pytest.approx(1.0, rel=1e-9)
    finite = held_out[np.isfinite(held_out)]
    assert finite.size > 1000
    assert abs(finite.mean()) < 0.2 and abs(finite.std() - 1.0) < 0.2
    # counts outside the MAF range have no reference
    assert np.isnan(train.mean[[0, 1, 39, 40]]).all()


def test_standardisation_of_synthetic_scores_and_max_abs_ihs():
    rng = np.random.default_rng(6)
    counts = rng.integers(5, 16, size=20_000)
    scores = rng.normal(0.1 * counts, 0.5 + 0.05 * counts)  # count-dependent mean and sd
    standardisation = fit_ihs_standardisation(scores[:10_000], counts[:10_000], 20)
    k = np.arange(5, 16)
    true_mean, true_sd, n_bin = 0.1 * k, 0.5 + 0.05 * k, standardisation.n_sites[5:16]
    assert n_bin.sum() == 10_000
    assert np.all(np.abs(standardisation.mean[5:16] - true_mean) < 4 * true_sd / np.sqrt(n_bin))  # 4 standard errors
    assert np.all(np.abs(standardisation.sd[5:16] - true_sd) < 4 * true_sd / np.sqrt(2 * n_bin))
    z = standardise_ihs(scores[10_000:], counts[10_000:], standardisation)
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    shifted = standardise_ihs(scores[10_000:] + 2.0, counts[10_000:], standardisation)  # "selected"
    assert shifted.mean() > 1.5
    restored = IhsStandardisation.from_dict(standardisation.to_dict())
    np.testing.assert_array_equal(restored.sd, standardisation.sd)

    identity = IhsStandardisation(np.zeros(5), np.ones(5), np.full(5, 10))
    site_scores = np.array([0.5, -2.0, np.nan, np.nan, 1.5, -0.2])
    site_counts = np.array([1, 2, 3, 1, 1, 2])
    offsets = np.array([0, 2, 4, 4, 6])  # region 1 all NaN, region 2 empty
    np.testing.assert_array_equal(max_abs_ihs(site_scores, site_counts, offsets, identity), [2.0, np.nan, np.nan, 1.5])


def brute_force_accuracy(scores, labels):
    """Best accuracy over every threshold and direction, by exhaustive search."""
    values = np.unique(scores)
    cuts = np.concatenate([[values[0] - 1], (values[1:] + values[:-1]) / 2, [values[-1] + 1]])
    return max(np.mean((sign * (scores - cut) > 0) == labels) for cut in cuts for sign in (1, -1))


def test_threshold_classifier():
    rng = np.random.default_rng(7)
    neutral, sweep = rng.normal(0, 1, 200), rng.normal(10, 1, 200)
    scores, labels = np.concatenate([neutral, sweep]), np.repeat([0, 1], 200)
    larger = ThresholdClassifier().fit(scores, labels)
    assert (larger.direction, larger.training_accuracy) == (1, 1.0)
    assert neutral.max() < larger.threshold < sweep.min()
    np.testing.assert_array_equal(larger.predict(scores), labels)
    smaller = ThresholdClassifier().fit(-scores, labels)  # e.g. S: fewer sites under a sweep
    assert (smaller.direction, smaller.training_accuracy) == (-1, 1.0)

    hand = ThresholdClassifier().fit(np.array([1.0, 2, 3, 4, 5, 6]), np.array([0, 0, 1, 0, 1, 1]))
    assert hand.training_accuracy == pytest.approx(5 / 6)
    assert (hand.threshold, hand.direction) == (2.5, 1)  # the first of the two best splits
    np.testing.assert_array_equal(hand.predict(np.array([2.4, 2.6, np.nan])), [0, 1, 0])

    ties = ThresholdClassifier().fit(np.array([1.0, 1.0, 1.0, 2.0]), np.array([0, 1, 0, 1]))
    assert ties.training_accuracy == pytest.approx(3 / 4)  # no threshold splits equal scores

    overlapping = rng.normal(0, 1, 300) + np.repeat([0, 0.8], 150)
    noisy_labels = np.repeat([0, 1], 150)
    fitted = ThresholdClassifier().fit(overlapping, noisy_labels)
    assert fitted.training_accuracy == pytest.approx(brute_force_accuracy(overlapping, noisy_labels))
    assert np.mean(fitted.predict(overlapping) == noisy_labels) == pytest.approx(fitted.training_accuracy)
    assert ThresholdClassifier.from_dict(fitted.to_dict()) == fitted

    with pytest.raises(ValueError, match="fit"):
        ThresholdClassifier().predict(scores)
    with pytest.raises(ValueError, match="labels"):
        ThresholdClassifier().fit(scores, labels + 1)


def test_compute_statistics_is_the_same_with_worker_processes(monkeypatch):
    """Chunks of regions in forked workers give exactly the serial result, chunk borders included."""
    from genomic_dl.cecil2023 import sumstats

    genotypes, offsets, positions = simulated_shard(7, 16, seed=11)
    serial = compute_statistics(genotypes, offsets, positions)
    monkeypatch.setattr(sumstats, "STATISTICS_CHUNK", 3)  # 7 regions -> chunks of 3, 3, 1
    parallel = compute_statistics(genotypes, offsets, positions, workers=2)
    assert serial.keys() == parallel.keys()
    for key in serial:
        np.testing.assert_array_equal(serial[key], parallel[key], err_msg=key)
