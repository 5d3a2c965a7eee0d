"""End to end (issue #15): train -> first-layer filter PWMs -> Tomtom recovers a planted JASPAR matrix.

A network of the workflow's model family (:class:`SequenceCNN`: conv -> BN -> ReLU -> global max
pooling -> linear output) is trained with the workflow's training code on random sequences where
half carry a copy of one JASPAR 2022 matrix (label 1) and half do not (label 0). Its filters go
through the workflow's Fig 1c path: :func:`filter_motifs` (activation-based alignment with
``filters.first_layer_activations`` / ``filters.filter_pwms``, flank clipping), then
``tomtom.run_tomtom`` against every JASPAR CORE vertebrates matrix, Benjamini-Hochberg q-values and
``summarise_matches`` / ``match_filters_to_jaspar``. The planted matrix must be matched by some
filter at q < 0.05.

What the test catches (each checked by breaking the code on purpose):

* PWMs aligned in the wrong orientation (windows reversed but not complemented, or complemented
  but not reversed): Tomtom then matches nothing at q < 0.05.
* PWMs built from the reverse strand (reverse complement): Tomtom compares both strands and
  would still match, so the test also checks that the best filter's PWM agrees with the planted
  matrix on the forward strand, the only one the sites were planted on.
* q-values that are not corrected over all filter-target pairs: the filters of the untrained
  network reach p of about 1e-3 against some of the 839 targets (a "hit" without correction)
  and must not match at q < 0.05.

About 15 s on one CPU thread; Tomtom's numba kernels are cached in NUMBA_CACHE_DIR (set by
``tests/conftest.py`` before numba is imported).
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[2] / ".numba_cache"))

import numpy as np
import pytest
import torch

from genomic_dl.evoaug2023.grammar import load_jaspar_motifs
from genomic_dl.evoaug2023.interpretation import filter_motifs, match_filters_to_jaspar
from genomic_dl.evoaug2023.models import ConvBlock, SequenceCNN
from genomic_dl.evoaug2023.tomtom import (
    EXCLUDED_PROFILES,
    benjamini_hochberg,
    jaspar_motifs,
    run_tomtom,
    summarise_matches,
)
from genomic_dl.evoaug2023.training import train_standard, trainer_config_from

PLANTED = "MA0139.1"  # CTCF: 19 nt, 17 bits, not palindromic
N_SEQUENCES, LENGTH, N_FILTERS, KERNEL = 2000, 100, 8, 19
Q_THRESHOLD = 0.05  # the paper's (config evoaug_interpretation.filters.q_threshold)
SETTINGS = {"threshold_fraction": 0.5, "min_information_bits": 0.5}  # the config's filter settings


def planted_data(pfm: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random sequences; every second one carries a fresh sample of ``pfm`` (forward
    strand, random position) and label 1, the others label 0. Returns uint8 one-hot (N, 4, L)
    and float32 labels (N, 1)."""
    width = pfm.shape[1]
    codes = rng.integers(0, 4, size=(N_SEQUENCES, LENGTH))
    labels = (np.arange(N_SEQUENCES) % 2).astype(np.float32)
    carriers = np.flatnonzero(labels)
    boundaries = np.cumsum(pfm, axis=0)[:-1]  # (3, w)
    sites = (rng.random((len(carriers), 1, width)) >= boundaries[None]).sum(axis=1)  # (n, w) codes
    starts = rng.integers(0, LENGTH - width + 1, size=len(carriers))
    codes[carriers[:, None], starts[:, None] + np.arange(width)] = sites
    x = np.moveaxis(np.eye(4, dtype=np.uint8)[codes], -1, -2)
    return np.ascontiguousarray(x), labels[:, None]


def network(seed: int) -> SequenceCNN:
    """Conv 8 x 19 -> BN -> ReLU -> max-pool over the whole sequence -> linear logit."""
    return SequenceCNN(
        LENGTH, 1, [ConvBlock(N_FILTERS, KERNEL, LENGTH)], [], generator=torch.Generator().manual_seed(seed)
    )


def best_offset_agreement(pwm: np.ndarray, pfm: np.ndarray) -> float:
    """Largest mean over overlapping columns (at least 6) of the Pearson correlation between
    ``pwm`` and ``pfm`` columns, over all relative offsets (one strand only)."""
    best = -np.inf
    for shift in range(-pwm.shape[1] + 6, pfm.shape[1] - 5):
        columns = [
            np.corrcoef(pwm[:, i], pfm[:, i + shift])[0, 1]
            for i in range(pwm.shape[1])
            if 0 <= i + shift < pfm.shape[1]
        ]
        best = max(best, float(np.mean(columns)))
    return best


@pytest.fixture(scope="module")
def trained():
    """The planted matrix, the held-out sequences, and the trained and untrained networks."""
    targets = jaspar_motifs(EXCLUDED_PROFILES)
    pfm = load_jaspar_motifs([PLANTED])[PLANTED].pfm  # the synthetic data's loader
    target = next(matrix for matrix_id, _, matrix in targets if matrix_id == PLANTED)
    np.testing.assert_allclose(pfm, target)  # the same offline JASPAR 2022 source as Tomtom's targets
    x, y = planted_data(pfm, np.random.default_rng(0))
    train, held_out = (x[:1600], y[:1600]), (x[1600:], y[1600:])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        model = network(seed=0)
        config = trainer_config_from({"learning_rate": 0.01, "batch_size": 100, "max_epochs": 5})
        history = train_standard(
            model, train, held_out, config, "cpu", torch.Generator().manual_seed(0), task="binary", log=None
        )
    finally:
        torch.set_num_threads(threads)
    return {"pfm": pfm, "x": held_out[0], "model": model, "untrained": network(seed=0), "history": history}


def tomtom_qvalues(clipped: list[np.ndarray]) -> tuple[np.ndarray, list[str]]:
    targets = jaspar_motifs(EXCLUDED_PROFILES)
    pvalues = run_tomtom(clipped, [matrix for _, _, matrix in targets])
    return benjamini_hochberg(pvalues), [matrix_id for matrix_id, _, _ in targets]


def test_trained_filters_recover_the_planted_jaspar_matrix(trained):
    assert trained["history"].rows[-1]["valid_auroc"] > 0.95  # the motif was learned
    motifs = filter_motifs(trained["model"], trained["x"], **SETTINGS)
    qvalues, target_ids = tomtom_qvalues(motifs.clipped)
    planted_q = qvalues[:, target_ids.index(PLANTED)]
    assert np.nanmin(planted_q) < Q_THRESHOLD
    matches = summarise_matches(qvalues, target_ids, Q_THRESHOLD)
    assert matches.hit[np.nanargmin(planted_q)]
    # The rule's function (evoaug_interp_tomtom) reports the planted motif as recovered.
    _, summary = match_filters_to_jaspar(
        motifs.clipped, q_threshold=Q_THRESHOLD, exclude=EXCLUDED_PROFILES, planted_ids=[PLANTED]
    )
    assert summary["planted_recovery"] == 1.0 and summary["n_hits"] >= 1

    # Orientation: the sites lie on the forward strand only, so the best filter's PWM must agree
    # with the planted matrix as it is, better than with its reverse complement.
    best = motifs.clipped[int(np.nanargmin(planted_q))]
    pfm = trained["pfm"]
    forward = best_offset_agreement(best, pfm)
    reverse = best_offset_agreement(best, pfm[::-1, ::-1])
    assert forward > 0.8 and forward > reverse + 0.3, (forward, reverse)


def test_untrained_filters_match_nothing_after_correction(trained):
    motifs = filter_motifs(trained["untrained"], trained["x"], **SETTINGS)
    qvalues, target_ids = tomtom_qvalues(motifs.clipped)
    assert not summarise_matches(qvalues, target_ids, Q_THRESHOLD).hit.any()
    # Without the correction over all filter-target pairs these filters would "match".
    pvalues = run_tomtom(motifs.clipped, [matrix for _, _, matrix in jaspar_motifs(EXCLUDED_PROFILES)])
    assert np.nanmin(pvalues) < Q_THRESHOLD
