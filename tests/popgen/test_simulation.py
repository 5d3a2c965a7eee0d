"""msprime scenarios against published msms behaviour (FACTS.md) and forward-time theory."""

import itertools

import numpy as np
import pytest

from genomic_dl.popgen.demography import build_demography, size_at, validate_epochs
from genomic_dl.popgen.simulate import (
    ARRAY_KEYS,
    _ancestry_models,
    _sampling,
    _simulate_region,
    _simulate_replicate,
    selection_coefficients,
    simulate_shard,
)
from genomic_dl.popgen.trajectory import forward_sweeps, selection_step


def deterministic_frequency(p0, s_hom, dominance, generations):
    p = np.array([p0])
    for _ in range(generations):
        p = selection_step(p, s_hom, dominance)
    return float(p[0])


@pytest.fixture(scope="module")
def neutral(three_epoch):
    return simulate_shard(three_epoch, S=0, n_replicates=150, seed=11)


@pytest.fixture(scope="module")
def sweep200(three_epoch):
    return simulate_shard(three_epoch, S=200, n_replicates=120, seed=12)


def test_shard_format(neutral, three_epoch):
    arrays, metadata = neutral
    assert set(arrays) == set(ARRAY_KEYS)
    genotypes, offsets, positions = arrays["genotypes"], arrays["offsets"], arrays["positions"]
    assert genotypes.dtype == np.uint8 and genotypes.shape[0] == three_epoch["n_haplotypes"]
    assert offsets[0] == 0 and offsets[-1] == genotypes.shape[1] == positions.size
    assert np.all(np.diff(offsets) > 0)
    assert set(np.unique(genotypes)) <= {0, 1}
    # Every site is segregating in the sample (infinite sites, no fixed mutations in output).
    counts = genotypes.sum(axis=0)
    assert np.all((counts > 0) & (counts < three_epoch["n_haplotypes"]))
    for start, stop in itertools.pairwise(offsets):
        block = positions[start:stop]
        assert np.all(np.diff(block) > 0) and block[0] >= 0 and block[-1] < three_epoch["sequence_length"]
    assert np.all(np.isnan(arrays["sweep_frequency"]))
    assert metadata["engine"] == "msprime" and metadata["seed"] == 11 and metadata["engine_version"]


def test_neutral_segregating_sites_match_msms(neutral):
    # msms with theta = 48, rho = 32 under the three-epoch model gives about 310 sites (FACTS.md).
    sites = np.diff(neutral[0]["offsets"])
    standard_error = sites.std() / np.sqrt(sites.size)
    assert abs(sites.mean() - 310) < 4 * standard_error + 10, sites.mean()


def test_partial_sweeps_reduce_diversity_and_follow_the_forward_trajectory(neutral, sweep200, three_epoch):
    neutral_sites = np.diff(neutral[0]["offsets"]).mean()
    sweep_sites = np.diff(sweep200[0]["offsets"]).mean()
    # Partial sweeps (present frequency ~0.75) remove diversity: msms with the papers' command
    # gives 251 sites at S = 200 against 312 neutral (FACTS.md).
    assert 180 < sweep_sites < neutral_sites - 30, (sweep_sites, neutral_sites)
    standard_error = np.diff(sweep200[0]["offsets"]).std() / np.sqrt(len(sweep200[0]["offsets"]) - 1)
    assert abs(sweep_sites - 251) < 4 * standard_error + 15, sweep_sites
    frequency = sweep200[0]["sweep_frequency"]
    selection = three_epoch["selection"]
    _, s_hom = selection_coefficients(200, three_epoch["reference_size"])
    expected = deterministic_frequency(
        selection["start_frequency"], s_hom, selection["dominance"], selection["start_generations_ago"]
    )
    assert 0.75 < expected < 0.85  # FACTS.md: about 0.8
    assert abs(frequency.mean() - expected) < 0.08
    assert np.all((frequency > 0) & (frequency <= 1))
    assert np.all(sweep200[0]["selection_coefficient"] == 200)


def test_a_replicate_keeps_only_its_own_arrays(three_epoch):
    """A shard holds every replicate's arrays until it is written: a view into the tree sequence's
    tables would keep ~0.5 MB of tables alive per replicate (3 GB per 5,000-replicate shard)."""
    demography, samples, _ = _sampling(three_epoch)
    genotypes, positions = _simulate_region(three_epoch, demography, samples, None, 5)
    assert positions.flags.owndata and positions.dtype == np.float64
    assert genotypes.dtype == np.uint8 and genotypes.shape == (128, len(positions))


def test_forward_sweeps_converge_to_deterministic_trajectory_for_large_population():
    epochs = [{"start": 0, "size": 1e9}]
    outcome = forward_sweeps(
        np.random.default_rng(1), 50, s_hom=0.01, dominance=0.5, start_frequency=0.01, generations=600, epochs=epochs
    )
    expected = deterministic_frequency(0.01, 0.01, 0.5, 600)
    assert 0.15 < expected < 0.2  # FACTS.md: about 0.17 for s_het = 0.005
    np.testing.assert_allclose(outcome.frequency, expected, atol=2e-3)
    assert np.all(np.isnan(outcome.fixed_generations_ago))


def test_strong_sweeps_that_fix_record_time_since_fixation(three_epoch):
    arrays, _ = simulate_shard(three_epoch, S=400, n_replicates=40, seed=3)
    fixed = np.isfinite(arrays["fixed_generations_ago"])
    assert fixed.any(), "S = 400 from 1% over 600 generations should sometimes fix"
    assert np.all(arrays["sweep_frequency"][fixed] == 1.0)
    ago = arrays["fixed_generations_ago"][fixed]
    assert np.all((ago >= 0) & (ago < 600))


def test_same_seed_same_shard_and_different_seed_differs(three_epoch):
    first, _ = simulate_shard(three_epoch, S=300, n_replicates=5, seed=99)
    again, _ = simulate_shard(three_epoch, S=300, n_replicates=5, seed=99)
    other, _ = simulate_shard(three_epoch, S=300, n_replicates=5, seed=100)
    for key in ARRAY_KEYS:
        np.testing.assert_array_equal(first[key], again[key])
    assert first["genotypes"].shape != other["genotypes"].shape or not np.array_equal(
        first["genotypes"], other["genotypes"]
    )


def test_selection_coefficient_conversion():
    assert selection_coefficients(200, 10_000) == (0.01, 0.02)


def test_demography_epochs(three_epoch):
    demography = build_demography(three_epoch["epochs"])
    assert demography.num_populations == 1
    np.testing.assert_array_equal(
        size_at(three_epoch["epochs"], [0, 2999, 3000, 3499, 3500, 1e6]), [20000, 20000, 2000, 2000, 10000, 10000]
    )
    with pytest.raises(ValueError, match="increase strictly"):
        validate_epochs([{"start": 0, "size": 1}, {"start": 0, "size": 2}])
    with pytest.raises(ValueError, match="start at 0"):
        validate_epochs([{"start": 5, "size": 1}])


def test_bad_arguments_are_rejected(three_epoch):
    with pytest.raises(ValueError, match="S must be >= 0"):
        simulate_shard(three_epoch, S=-1, n_replicates=1, seed=1)
    with pytest.raises(ValueError, match="n_replicates"):
        simulate_shard(three_epoch, S=0, n_replicates=0, seed=1)


# --- continuous prior, Gravel model, statistics against coalescent expectations -------------

from conftest import load_preset

from genomic_dl.popgen.demography import gravel2011
from genomic_dl.popgen.scenarios import check_scenario, selection_start_frequency
from genomic_dl.popgen.simulate import parse_strength
from genomic_dl.popgen.statistics import pairwise_diversity, site_frequency_spectrum

SCENARIOS = load_preset("default")["simulation"]["scenarios"]


def test_statistics_on_a_hand_made_shard():
    genotypes = np.array([[1, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1]], dtype=np.uint8)
    offsets = np.array([0, 2, 2, 4])  # replicate 1 has no sites
    np.testing.assert_allclose(site_frequency_spectrum(genotypes, offsets), np.array([0, 2, 1, 1]) / 3)
    np.testing.assert_allclose(
        site_frequency_spectrum(genotypes, offsets, rows=np.array([0, 1])), np.array([1, 1, 2]) / 3
    )
    # pi per site = 2 k (n - k) / (n (n - 1)): k=2 -> 2/3, k=1 -> 2/3, k=3 -> 0
    np.testing.assert_allclose(pairwise_diversity(genotypes, offsets), [4 / 3, 0, 2 / 3])


def test_parse_strength():
    assert parse_strength("200") == 200.0
    assert parse_strength("U0-400") == (0.0, 400.0)
    with pytest.raises(ValueError, match="U<low>-<high>"):
        parse_strength("U400-0")
    with pytest.raises(ValueError, match="expected a number"):
        parse_strength("strong")


def test_continuous_prior_draws_and_stores_one_S_per_replicate():
    arrays, metadata = simulate_shard(SCENARIOS["three_epoch"], S=(0.0, 400.0), n_replicates=30, seed=4)
    S = arrays["selection_coefficient"]
    assert S.shape == (30,) and S.min() >= 0 and S.max() <= 400 and len(np.unique(S)) == 30
    assert np.all(np.isfinite(arrays["sweep_frequency"]))
    # stronger selection, higher present-day frequency (rank correlation over the shard)
    ranks = lambda x: np.argsort(np.argsort(x))
    assert np.corrcoef(ranks(S), ranks(arrays["sweep_frequency"]))[0, 1] > 0.6
    assert metadata["selection_coefficient"] == [0.0, 400.0]


def test_one_epoch_neutral_sfs_matches_theta_over_i():
    scenario = SCENARIOS["one_epoch"]
    arrays, _ = simulate_shard(scenario, S=0, n_replicates=200, seed=21)
    theta = 4 * scenario["epochs"][0]["size"] * scenario["mutation_rate"] * scenario["sequence_length"]
    sfs = site_frequency_spectrum(arrays["genotypes"], arrays["offsets"])
    expected = theta / np.arange(1, 6)
    # Replicate-to-replicate variation of xi_i is large (linked sites): compare the mean over
    # 200 replicates with 15% tolerance on the first five classes, and the total with theory.
    np.testing.assert_allclose(sfs[1:6], expected, rtol=0.15)
    n = scenario["n_haplotypes"]
    assert abs(sfs[1:n].sum() / (theta * np.sum(1 / np.arange(1, n))) - 1) < 0.08


def test_three_epoch_diversity_matches_coalescent_expectation():
    scenario = SCENARIOS["three_epoch"]
    expected_t2 = build_demography(scenario["epochs"]).debug().mean_coalescence_time({"pop": 2})
    expected_pi = 2 * scenario["mutation_rate"] * scenario["sequence_length"] * expected_t2
    arrays, _ = simulate_shard(scenario, S=0, n_replicates=200, seed=22)
    pi = pairwise_diversity(arrays["genotypes"], arrays["offsets"])
    assert abs(pi.mean() - expected_pi) < 4 * pi.std() / np.sqrt(pi.size), (pi.mean(), expected_pi)


def test_gravel_neutral_shard_rows_and_diversity():
    scenario = SCENARIOS["gravel_neutral"]
    arrays, metadata = simulate_shard(scenario, S=0, n_replicates=100, seed=23)
    assert metadata["populations"] == ["YRI", "CEU", "CHB"]
    n = 2 * scenario["diploids_per_population"]
    np.testing.assert_array_equal(arrays["haplotype_population"], np.repeat([0, 1, 2], n))
    debug = gravel2011(scenario["gravel2011"]).debug()
    diversity = {}
    for index, population in enumerate(("YRI", "CEU")):
        expected = (
            2 * scenario["mutation_rate"] * scenario["sequence_length"] * debug.mean_coalescence_time({population: 2})
        )
        pi = pairwise_diversity(arrays["genotypes"], arrays["offsets"], rows=arrays["haplotype_population"] == index)
        assert abs(pi.mean() - expected) < 4 * pi.std() / np.sqrt(pi.size), (population, pi.mean(), expected)
        diversity[population] = pi.mean()
    assert diversity["YRI"] > diversity["CEU"]  # out-of-Africa bottleneck


def test_msprime_refuses_gravel_sweeps():
    with pytest.raises(ValueError, match="need the slim engine"):
        simulate_shard(SCENARIOS["gravel_neutral"], S=200, n_replicates=1, seed=1)


@pytest.mark.parametrize(
    "name, change, key",
    [
        ("three_epoch", {"engine": "slim"}, "three_epoch.engine"),
        (
            "three_epoch",
            {"selection": {**SCENARIOS["three_epoch"]["selection"], "start_frequency": 1e-6}},
            "start_frequency",
        ),
        ("gravel_ceu_sweep", {"focal_population": "ASW"}, "focal_population"),
        (
            "gravel_neutral",
            {"selection": {"start_generations_ago": 600, "initial_copies": 1, "dominance": 0.5}},
            "gravel_neutral.selection",
        ),
        (
            "gravel_neutral",
            {"gravel2011": {**SCENARIOS["gravel_neutral"]["gravel2011"], "T_europe_asia": 3000}},
            "gravel2011",
        ),
    ],
)
def test_inconsistent_scenarios_are_rejected_by_key(name, change, key):
    check_scenario(name, SCENARIOS[name])
    with pytest.raises(ValueError, match=key):
        check_scenario(name, {**SCENARIOS[name], **change})


def test_start_frequency_from_initial_copies():
    hard = SCENARIOS["three_epoch_hard"]
    # One copy among 2N = 40,000 when selection starts (N = 20,000 from 0 to 3,000 generations ago).
    assert selection_start_frequency(hard) == pytest.approx(1 / 40_000)
    assert selection_start_frequency(SCENARIOS["three_epoch_soft"]) == pytest.approx(
        SCENARIOS["three_epoch_soft"]["selection"]["initial_copies"] / 40_000
    )
    both = {**hard, "selection": {**hard["selection"], "start_frequency": 0.01}}
    with pytest.raises(ValueError, match="three_epoch_hard.selection: give exactly one"):
        check_scenario("three_epoch_hard", both)


def _complete_sweep_sites(scenario, n_replicates):
    """Segregating sites of sweeps that reached 0.99 at present, from the scenario's start frequency."""
    demography, samples, _ = _sampling(scenario)
    _, s_hom = selection_coefficients(200.0, scenario["reference_size"])
    models = _ancestry_models(scenario, 0.99, np.nan, s_hom)
    return np.array(
        [
            _simulate_region(scenario, demography, samples, models, seed)[0].shape[1]
            for seed in range(1, n_replicates + 1)
        ]
    )


def test_hard_sweeps_from_one_copy_erase_more_diversity_than_soft_sweeps():
    # At the same present-day frequency, a sweep from a single copy drags one haplotype to high
    # frequency; one from standing variation at 1% (the papers' msms -SI command: several
    # origins per sample, FACTS.md) carries several haplotypes and keeps more diversity. A
    # single-origin sweep erases more than the papers' strongest sweeps (msms: 210 sites at S = 400).
    hard = _complete_sweep_sites(SCENARIOS["three_epoch_hard"], 40)
    soft = _complete_sweep_sites(SCENARIOS["three_epoch"], 40)
    assert hard.mean() < 210 - 4 * hard.std() / np.sqrt(hard.size), hard.mean()
    assert hard.mean() < soft.mean() - 4 * np.hypot(hard.std(), soft.std()) / np.sqrt(40), (hard.mean(), soft.mean())


def test_hard_sweep_shards_condition_on_survival_of_the_single_copy():
    arrays, _ = simulate_shard(SCENARIOS["three_epoch_hard"], S=400, n_replicates=30, seed=5)
    frequency = arrays["sweep_frequency"]
    # Every trajectory survived (restart when lost) and, from one copy of an allele with
    # 2Ns = 800, established sweeps are well above the start frequency 600 generations later.
    assert np.all(frequency > 0) and np.median(frequency) > 0.3, frequency


def test_weak_sweeps_crossing_an_epoch_are_redrawn_and_reproducible_from_the_stored_seed():
    # With S ~ 2 (uniform-prior draws near 0) msprime's backward trajectory from 4% to 1% can
    # run past the 3,000-generation size change, which msprime refuses; such draws are redrawn.
    scenario = SCENARIOS["three_epoch"]
    demography, samples, _ = _sampling(scenario)
    _, s_hom = selection_coefficients(2.0, scenario["reference_size"])
    models = _ancestry_models(scenario, 0.04, np.nan, s_hom)
    outcomes = [_simulate_replicate(scenario, demography, samples, models, seed) for seed in range(1, 16)]
    assert sum(redraws for *_, redraws in outcomes) > 0
    genotypes, _, used_seed, _redraws = next(outcome for outcome in outcomes if outcome[3] > 0)
    again, _ = _simulate_region(scenario, demography, samples, models, used_seed)
    np.testing.assert_array_equal(again, genotypes)
