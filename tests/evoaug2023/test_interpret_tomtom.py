"""Benjamini-Hochberg q-values, Tomtom against JASPAR 2022, match summaries.

memelite compiles its numba kernels on first use (about a minute); the compiled code is cached
in ``.numba_cache`` at the repository root (unless NUMBA_CACHE_DIR is already set), so later
runs take seconds. The variable must be set before numba is first imported.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[2] / ".numba_cache"))

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from genomic_dl.evoaug2023.tomtom import (
    EXCLUDED_PROFILES,
    benjamini_hochberg,
    jaspar_motifs,
    planted_motif_recovery,
    run_tomtom,
    summarise_matches,
)


def test_benjamini_hochberg_hand_computed():
    # sorted: 0.005, 0.01, 0.03, 0.04, 0.5; m p / rank: 0.025, 0.025, 0.05, 0.05, 0.5
    pvalues = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    np.testing.assert_allclose(benjamini_hochberg(pvalues), [0.025, 0.05, 0.05, 0.025, 0.5])
    # the running minimum from the top: m p / rank = 0.03, 0.03, 0.021 -> all 0.021
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.02, 0.021]), [0.021] * 3)


def test_benjamini_hochberg_over_whole_matrix_ignores_nan():
    rng = np.random.default_rng(0)
    pvalues = rng.uniform(size=(6, 40)) ** 3
    pvalues[2] = np.nan
    qvalues = benjamini_hochberg(pvalues)
    assert qvalues.shape == pvalues.shape
    assert np.isnan(qvalues[2]).all()
    finite = ~np.isnan(pvalues)
    np.testing.assert_allclose(qvalues[finite], false_discovery_control(pvalues[finite]))
    assert (qvalues[finite] >= pvalues[finite]).all()
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        benjamini_hochberg([0.5, 1.2])


def test_jaspar_exclusion_list_is_honoured():
    everything = jaspar_motifs(exclude=())
    default = jaspar_motifs()
    assert len(everything) == 841
    ids = {matrix_id for matrix_id, _, _ in default}
    assert len(default) == 841 - len(EXCLUDED_PROFILES)
    assert ids.isdisjoint(EXCLUDED_PROFILES)
    assert ids < {matrix_id for matrix_id, _, _ in everything}
    assert jaspar_motifs(exclude=["MA0615.1", "MA1929.1"]) is default  # cached per argument set
    for _, _, pfm in default[:20]:
        assert pfm.shape[0] == 4 and not pfm.flags.writeable
        np.testing.assert_allclose(pfm.sum(axis=0), 1.0)
    with pytest.raises(ValueError, match="MA9999.1"):
        jaspar_motifs(exclude=("MA9999.1",))


def test_tomtom_finds_ctcf_in_a_noisy_copy():
    # 10% Dirichlet noise per column; with 20% the longer CTCF profile MA1930.1 can rank first.
    motifs = jaspar_motifs()
    ids = [matrix_id for matrix_id, _, _ in motifs]
    ctcf = motifs[ids.index("MA0139.1")][2]
    rng = np.random.default_rng(11)
    noisy = 0.9 * ctcf + 0.1 * rng.dirichlet(np.ones(4), size=ctcf.shape[1]).T
    noisy /= noisy.sum(axis=0)
    queries = [noisy, np.zeros((4, 0)), rng.dirichlet(np.ones(4), size=12).T]
    pvalues = run_tomtom(queries, [pfm for _, _, pfm in motifs])
    assert pvalues.shape == (3, len(motifs))
    assert np.isnan(pvalues[1]).all() and np.isfinite(pvalues[[0, 2]]).all()
    qvalues = benjamini_hochberg(pvalues)
    best = int(np.nanargmin(qvalues[0]))
    assert ids[best].startswith("MA0139.")
    assert qvalues[0, best] < 0.05

    matches = summarise_matches(qvalues, ids)
    assert matches.best_target[0].startswith("MA0139.") and matches.hit[0]
    assert not matches.hit[1] and np.isnan(matches.best_q[1]) and matches.best_target[1] == ""
    assert planted_motif_recovery(qvalues, ids, ["MA0139.1"]) == 1.0


def test_summarise_matches_hand_made():
    qvalues = np.array(
        [
            [0.20, 0.01, 0.04],  # hit, best B
            [0.30, 0.60, 0.06],  # no hit, best C
            [np.nan, np.nan, np.nan],  # not compared
            [0.03, 0.50, 0.50],  # hit, best A
        ]
    )
    matches = summarise_matches(qvalues, ["A", "B", "C"], q_threshold=0.05)
    assert list(matches.best_target) == ["B", "C", "", "A"]
    np.testing.assert_allclose(matches.best_q, [0.01, 0.06, np.nan, 0.03])
    np.testing.assert_array_equal(matches.hit, [True, False, False, True])
    assert matches.hit_rate == pytest.approx(0.5)
    assert matches.mean_hit_q == pytest.approx(0.02)
    assert np.isnan(summarise_matches(qvalues[[1, 2]], ["A", "B", "C"]).mean_hit_q)


def test_planted_motif_recovery_hand_made():
    target_ids = ["MA0001.2", "MA0002.1", "MA0003.4"]
    qvalues = np.array([[0.5, 0.01, 0.5], [0.5, 0.2, 0.5], [0.04, np.nan, 0.3]])
    # MA0001 (any version) matched by filter 2, MA0002 by filter 0, MA0003 by none
    assert planted_motif_recovery(qvalues, target_ids, ["MA0001.1", "MA0002.1", "MA0003.4"]) == pytest.approx(2 / 3)
    assert planted_motif_recovery(qvalues, target_ids, ["MA0003.4"]) == 0.0
    with pytest.raises(ValueError, match="MA0999"):
        planted_motif_recovery(qvalues, target_ids, ["MA0999.1"])
