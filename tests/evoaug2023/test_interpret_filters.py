"""First-layer filters -> PWMs by activation-based alignment, flank clipping, MEME files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from genomic_dl.evoaug2023.filters import (
    ALPHABET,
    check_one_hot,
    clip_low_information_flanks,
    filter_pwms,
    first_layer_activations,
    information_content,
    read_meme,
    write_meme,
)

KMER = "TGACTCA"


def one_hot(codes: np.ndarray) -> np.ndarray:
    """Integer base codes (..., L) -> float32 one-hot (..., 4, L)."""
    return np.moveaxis(np.eye(4, dtype=np.float32)[codes], -1, -2)


def kmer_codes(kmer: str) -> np.ndarray:
    return np.array([ALPHABET.index(base) for base in kmer])


class _MustNotRun(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise AssertionError("layers after the hooked one must not run")


def kmer_detector(padding: str | int) -> nn.Sequential:
    """Conv scoring matches - mismatches to KMER (max = len(KMER) on an exact match), then ReLU."""
    conv = nn.Conv1d(4, 1, kernel_size=len(KMER), padding=padding, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(2 * one_hot(kmer_codes(KMER)) - 1)[None])
    return nn.Sequential(conv, nn.ReLU(), _MustNotRun())


@pytest.fixture(scope="module")
def planted_data() -> tuple[np.ndarray, np.ndarray]:
    """300 random sequences of length 80, each with KMER planted at a random position."""
    rng = np.random.default_rng(7)
    n, length, k = 300, 80, len(KMER)
    codes = rng.integers(0, 4, size=(n, length))
    starts = rng.integers(0, length - k + 1, size=n)
    codes[np.arange(n)[:, None], starts[:, None] + np.arange(k)] = kmer_codes(KMER)
    return one_hot(codes), codes


def test_pwm_of_kmer_detector_recovers_planted_kmer(planted_data):
    x, codes = planted_data
    model = kmer_detector(padding="same")
    activations = first_layer_activations(model, model[1], x, batch_size=64)
    assert activations.shape == (len(x), 1, x.shape[-1])

    pwms, n_windows = filter_pwms(x, activations, filter_width=len(KMER), threshold_fraction=0.5)
    assert pwms.shape == (1, 4, len(KMER))
    np.testing.assert_allclose(pwms.sum(axis=1), 1.0)
    kmer_probabilities = pwms[0, kmer_codes(KMER), np.arange(len(KMER))]
    assert (kmer_probabilities > 0.9).all()

    # Threshold 0.5 * 7 = 3.5 on 2m - 7 admits windows with m >= 6 matching bases; count them
    # directly over every full window.
    k = len(KMER)
    windows = np.lib.stride_tricks.sliding_window_view(codes, k, axis=1)
    matches = (windows == kmer_codes(KMER)).sum(axis=-1)
    assert n_windows[0] == (matches >= 6).sum()
    assert n_windows[0] >= len(x)


def test_valid_and_same_padding_align_the_same_windows(planted_data):
    x, _ = planted_data
    same = kmer_detector(padding="same")
    valid = kmer_detector(padding=0)
    valid.load_state_dict(same.state_dict())
    act_same = first_layer_activations(same, same[0], x)
    act_valid = first_layer_activations(valid, lambda batch: valid[0](batch), x)
    assert act_valid.shape[-1] == x.shape[-1] - len(KMER) + 1
    pwm_same, n_same = filter_pwms(x, act_same, len(KMER), chunk_size=17)
    pwm_valid, n_valid = filter_pwms(x, act_valid, len(KMER), chunk_size=1000)
    np.testing.assert_array_equal(n_same, n_valid)
    np.testing.assert_allclose(pwm_same, pwm_valid)


def test_silent_filter_gets_uniform_pwm_and_zero_windows(planted_data):
    x, _ = planted_data
    activations = np.zeros((len(x), 2, x.shape[-1] - 4), dtype=np.float32)
    activations[0, 1, 3] = 2.0  # filter 1 fires once, on x[0, :, 3:8]
    pwms, n_windows = filter_pwms(x, activations, filter_width=5)
    np.testing.assert_array_equal(n_windows, [0, 1])
    np.testing.assert_allclose(pwms[0], 0.25)
    np.testing.assert_array_equal(pwms[1], x[0, :, 3:8])


def test_filter_pwms_rejects_inconsistent_shapes(planted_data):
    x, _ = planted_data
    with pytest.raises(ValueError, match="stride-1 convolution"):
        filter_pwms(x, np.zeros((len(x), 1, x.shape[-1] + 50)), filter_width=7)
    with pytest.raises(ValueError, match="activations must have shape"):
        filter_pwms(x, np.zeros((len(x) - 1, 1, 74)), filter_width=7)


def test_check_one_hot_rejects_n_bases():
    x = one_hot(np.zeros((2, 5), dtype=int))
    x[1, :, 2] = 0.0
    with pytest.raises(ValueError, match="not one-hot"):
        check_one_hot(x, "x")


def test_information_content_and_flank_clipping():
    uniform = [0.25, 0.25, 0.25, 0.25]
    weak = [0.4, 0.2, 0.2, 0.2]  # 2 + 0.4 log2 0.4 + 3 * 0.2 log2 0.2 = 0.078 bits
    a, t = [1.0, 0, 0, 0], [0, 0, 0, 1.0]
    pwm = np.array([uniform, weak, a, uniform, t, weak, uniform]).T
    np.testing.assert_allclose(information_content(pwm), [0, 0.0780719, 2, 0, 2, 0.0780719, 0], atol=1e-6)
    clipped = clip_low_information_flanks(pwm, min_information_bits=0.5)
    np.testing.assert_array_equal(clipped, pwm[:, 2:5])  # the uninformative inner column stays
    np.testing.assert_array_equal(clip_low_information_flanks(pwm, 0.05), pwm[:, 1:6])
    assert clip_low_information_flanks(pwm, 2.5).shape == (4, 0)


def test_meme_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    motifs = [
        ("filter0", rng.dirichlet(np.ones(4), size=9).T),
        ("MA0139.1 CTCF", rng.dirichlet(np.ones(4), size=19).T),
    ]
    path = tmp_path / "filters.meme"
    write_meme(path, motifs)
    back = read_meme(path)
    assert [name for name, _ in back] == ["filter0", "MA0139.1 CTCF"]
    for (_, written), (_, read) in zip(motifs, back):
        assert read.shape == written.shape
        np.testing.assert_allclose(read, written, atol=1e-6)

    from memelite.io import read_meme as memelite_read_meme  # the file is valid MEME for Tomtom

    assert [matrix.shape for matrix in memelite_read_meme(str(path)).values()] == [(4, 9), (4, 19)]


def test_meme_errors_name_file_and_line(tmp_path):
    with pytest.raises(ValueError, match="width 0"):
        write_meme(tmp_path / "empty.meme", [("f", np.zeros((4, 0)))])
    with pytest.raises(ValueError, match="columns sum to 1"):
        write_meme(tmp_path / "bad.meme", [("f", np.ones((4, 3)))])
    assert not (tmp_path / "bad.meme").exists()
    path = tmp_path / "short.meme"
    path.write_text(
        "MEME version 4\n\nALPHABET= ACGT\n\nMOTIF m1\n"
        "letter-probability matrix: alength= 4 w= 3\n0.25 0.25 0.25 0.25\n1 0 0 0\n"
    )
    with pytest.raises(ValueError, match=r"short\.meme:7: motif 'm1' declares w= 3"):
        read_meme(path)
    with pytest.raises(FileNotFoundError):
        read_meme(tmp_path / "missing.meme")
