"""SLiM sweep engine (Gravel model): argument checks always; simulations only where SLiM is installed."""

from __future__ import annotations

import copy
import itertools
import shutil

import numpy as np
import pytest
from conftest import load_preset

from genomic_dl.popgen import slim_engine
from genomic_dl.popgen.simulate import ARRAY_KEYS
from genomic_dl.popgen.slim_engine import SLIM_ARRAY_KEYS, simulate_shard_slim

HAS_SLIM = shutil.which("slim") is not None
needs_slim = pytest.mark.skipif(
    not HAS_SLIM, reason="SLiM ('slim') not on PATH; install it from conda-forge or use envs/slim.yaml"
)
MISSING = "no-such-slim-executable-xyz"


@pytest.fixture(scope="module")
def ceu_sweep() -> dict:
    return load_preset("default")["simulation"]["scenarios"]["gravel_ceu_sweep"]


def test_array_keys_are_the_msprime_format():
    assert set(SLIM_ARRAY_KEYS) == set(ARRAY_KEYS)
    assert "haplotype_population" in SLIM_ARRAY_KEYS


@pytest.mark.parametrize("how", ["argument", "path"])
def test_missing_slim_raises_a_clear_error_before_running_anything(ceu_sweep, monkeypatch, how):
    def forbidden(*args, **kwargs):
        raise AssertionError("nothing may run when SLiM is missing")

    monkeypatch.setattr(slim_engine.subprocess, "run", forbidden)
    monkeypatch.setattr(slim_engine, "simulate_replicate_slim", forbidden)
    slim = MISSING
    if how == "path":
        monkeypatch.setenv("PATH", "/nonexistent")
        slim = "slim"
    with pytest.raises(RuntimeError) as error:
        simulate_shard_slim(ceu_sweep, S=200, n_replicates=2, seed=1, slim=slim)
    message = str(error.value)
    assert "envs/slim.yaml" in message
    assert "--sdm conda" in message
    assert "conda install -c conda-forge slim" in message


def _without(mapping: dict, path: tuple[str, ...]) -> dict:
    changed = copy.deepcopy(mapping)
    target = changed
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return changed


def _with(mapping: dict, path: tuple[str, ...], value) -> dict:
    changed = copy.deepcopy(mapping)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    "change, S, key",
    [
        (lambda s: _with(s, ("model",), "single_population"), 200, "model"),
        (lambda s: _without(s, ("focal_population",)), 200, "focal_population"),
        (lambda s: _with(s, ("focal_population",), "XYZ"), 200, "focal_population"),
        (lambda s: _without(s, ("selection",)), 200, "selection"),
        (lambda s: _without(s, ("selection", "initial_copies")), 200, "initial_copies"),
        (lambda s: _without(s, ("gravel2011", "T_europe_asia")), 200, "T_europe_asia"),
        (lambda s: _with(s, ("selection", "start_generations_ago"), 1000), 200, "start_generations_ago"),
        (lambda s: s, 0, "'S'"),
        (lambda s: s, -5, "'S'"),
        (lambda s: s, (0.0, 400.0), "'S'"),
    ],
)
def test_bad_scenarios_raise_value_error_naming_the_key(ceu_sweep, change, S, key):
    # Checked before looking for SLiM, so this runs everywhere.
    with pytest.raises(ValueError, match=key):
        simulate_shard_slim(change(ceu_sweep), S=S, n_replicates=1, seed=1, slim=MISSING)


def test_defines_carry_the_model_numbers(ceu_sweep, tmp_path):
    defines = slim_engine._defines(ceu_sweep, 200.0, tmp_path / "a.trees", tmp_path / "b.trees")
    values = dict(item.split("=", 1) for item in defines[1::2])
    assert defines[0::2] == ["-d"] * len(values)
    assert values["FOCAL"] == "1"  # CEU
    assert float(values["SEL_COEF"]) == pytest.approx(2 * 200 / (2 * ceu_sweep["reference_size"]))
    assert values["START_AGO"] == "600" and values["L"] == "80000"
    assert float(values["GROWTH_ASIA"]) == ceu_sweep["gravel2011"]["growth_asia"]


# ---------------------------------------------------------------------------------------------
# With SLiM installed: one small shard, reused.

SEED = 20231121
N_REPLICATES = 2


@pytest.fixture(scope="module")
def shard(ceu_sweep):
    return simulate_shard_slim(ceu_sweep, S=200, n_replicates=N_REPLICATES, seed=SEED)


@needs_slim
def test_shard_format(shard, ceu_sweep):
    arrays, metadata = shard
    assert set(arrays) == set(SLIM_ARRAY_KEYS)
    n_haplotypes = 3 * 2 * ceu_sweep["diploids_per_population"]
    genotypes, offsets, positions = arrays["genotypes"], arrays["offsets"], arrays["positions"]
    assert genotypes.dtype == np.uint8 and genotypes.shape[0] == n_haplotypes
    assert set(np.unique(genotypes)) <= {0, 1}
    assert offsets.dtype == np.int64 and offsets.shape == (N_REPLICATES + 1,)
    assert offsets[0] == 0 and offsets[-1] == genotypes.shape[1] and np.all(np.diff(offsets) > 50)
    assert positions.dtype == np.float64 and positions.shape == (genotypes.shape[1],)
    for start, stop in itertools.pairwise(offsets):
        block = positions[start:stop]
        assert np.all(np.diff(block) > 0) and block[0] >= 0 and block[-1] < ceu_sweep["sequence_length"]
        counts = genotypes[:, start:stop].sum(axis=0)
        assert np.all((counts > 0) & (counts < n_haplotypes))  # segregating in the sample
    assert np.all(arrays["selection_coefficient"] == 200.0)
    frequency = arrays["sweep_frequency"]
    assert frequency.shape == (N_REPLICATES,) and np.all((frequency > 0) & (frequency <= 1))
    fixed = arrays["fixed_generations_ago"]
    assert np.all(np.isnan(fixed) == (frequency < 1))
    assert arrays["replicate_seed"].dtype == np.int64 and len(set(arrays["replicate_seed"])) == N_REPLICATES
    population = arrays["haplotype_population"]
    assert population.dtype == np.int8 and population.shape == (n_haplotypes,)
    assert np.array_equal(np.bincount(population), [128, 128, 128])
    assert np.all(np.diff(population) >= 0)  # YRI, CEU, CHB blocks
    assert metadata["engine"] == "slim" and metadata["engine_version"][0] in "45"
    assert metadata["populations"] == ["YRI", "CEU", "CHB"]
    assert metadata["selection_coefficient"] == 200.0 and metadata["seed"] == SEED
    assert len(metadata["restarts"]) == N_REPLICATES and min(metadata["restarts"]) >= 0
    assert metadata["pyslim_version"] and metadata["msprime_version"]


@needs_slim
def test_a_replicate_reproduces_from_the_seed(shard, ceu_sweep):
    arrays, _ = shard
    again, _ = simulate_shard_slim(ceu_sweep, S=200, n_replicates=1, seed=SEED)
    first = slice(arrays["offsets"][0], arrays["offsets"][1])
    assert again["replicate_seed"][0] == arrays["replicate_seed"][0]
    assert np.array_equal(again["genotypes"], arrays["genotypes"][:, first])
    assert np.array_equal(again["positions"], arrays["positions"][first])
    assert again["sweep_frequency"][0] == arrays["sweep_frequency"][0]


def _pairwise_diversity(haplotypes: np.ndarray) -> float:
    """Mean pairwise differences between the rows (over the given columns)."""
    n = haplotypes.shape[0]
    counts = haplotypes.sum(axis=0, dtype=np.int64)
    return float(np.sum(2.0 * counts * (n - counts)) / (n * (n - 1)))


@needs_slim
def test_focal_population_carries_a_sweep_at_the_centre(shard, ceu_sweep):
    """The beneficial allele is common in CEU and its carriers share one young haplotype.

    Carriers descend from one haplosome 600 generations ago, so their pairwise diversity within
    5 kb of the centre (~ 2 mu 10^4 T_MRCA < 0.3 differences) is far below CEU's (~3 per 10 kb
    in the flanks). With r = 1e-8 the swept haplotype spans most of the 80 kb, so the flanks are
    not neutral either; the contrast that catches a broken sweep is carriers vs all CEU. The
    sample frequency in the CEU rows must match SLiM's population frequency (checks row order).
    """
    arrays, _ = shard
    # Conditional on establishment, S = 200 (s_het = 0.01) takes the allele to ~0.5-0.8 in CEU
    # within 600 generations; a neutral or broken allele would stay at a few percent.
    assert np.mean(arrays["sweep_frequency"]) > 0.2
    centre = ceu_sweep["sequence_length"] / 2
    ceu = arrays["haplotype_population"] == 1
    tested = 0
    for index in range(N_REPLICATES):
        columns = slice(arrays["offsets"][index], arrays["offsets"][index + 1])
        genotypes, positions = arrays["genotypes"][:, columns], arrays["positions"][columns]
        at_centre = np.flatnonzero(positions == centre)
        assert at_centre.size <= 1
        if at_centre.size == 0:
            continue  # a neutral mutation stacked on the beneficial one (rare): site dropped
        carrier = genotypes[:, at_centre[0]] == 1
        sample_frequency = carrier[ceu].mean()
        assert abs(sample_frequency - arrays["sweep_frequency"][index]) < 0.2
        carriers = genotypes[ceu & carrier]
        if carriers.shape[0] < 4:
            continue
        near = np.abs(positions - centre) <= 5000
        flanks = np.abs(positions - centre) >= 30000
        all_ceu = genotypes[ceu]
        near_carriers = _pairwise_diversity(carriers[:, near])
        near_all = _pairwise_diversity(all_ceu[:, near]) if sample_frequency < 0.95 else None
        flank_all = _pairwise_diversity(all_ceu[:, flanks]) * (10000 / 20000)  # per 10 kb
        assert near_carriers < 0.3 * flank_all, (near_carriers, flank_all)
        if near_all is not None:
            assert near_carriers < 0.5 * near_all, (near_carriers, near_all)
        tested += 1
    assert tested >= 1, f"no replicate with >= 4 CEU carriers; frequencies {arrays['sweep_frequency']}"


@needs_slim
def test_slim_failures_surface_slims_error(ceu_sweep, tmp_path):
    defines = slim_engine._defines(ceu_sweep, 200.0, tmp_path / "a.trees", tmp_path / "b.trees")
    without_dominance = [
        item for pair in zip(defines[0::2], defines[1::2]) if not pair[1].startswith("DOMINANCE=") for item in pair
    ]
    with pytest.raises(RuntimeError, match="SLiM failed") as error:
        slim_engine.run_slim(shutil.which("slim"), without_dominance, seed=1)
    assert "DOMINANCE" in str(error.value)
