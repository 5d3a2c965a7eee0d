"""The per-model analyses of EvoAug's interpretation figures (Lee et al. 2023, Figs 1c, 1d, S6).

Each function here is the logic of one workflow job; the figures module
(:mod:`genomic_dl.evoaug2023.figures_interpretation`) summarises their outputs over models and seeds.

* Fig 1c, filters: :func:`filter_motifs` turns a model's first-layer filters into PWMs by
  activation-based alignment on test sequences and clips their uninformative flanks;
  :func:`match_filters_to_jaspar` compares them with JASPAR 2022 (Tomtom, BH q-values) and
  reports the hit rate, the mean smallest q-value of the matched filters and, for synthetic
  data, the share of planted motifs recovered.
* Fig 1d, variant effects: a :class:`VariantSet` holds reference windows of regulatory elements
  and their single-nucleotide variants with measured effects, either the synthetic analog
  (:func:`synthetic_variant_set`: elements of the generator's test data, true effects from its
  grammar plus measurement noise) or CAGI5 (:func:`cagi5_variant_set`); :func:`score_variant_set`
  scores every variant as ``log(alt / ref)`` of the task-mean prediction.
* Fig S6, attribution: :func:`high_activity_indices` picks the sequences,
  :func:`attribution_maps` computes gradient-corrected GradientShap maps and
  :func:`planted_position_mask` gives the ground truth (planted motif positions).

Models trained with EvoAug's insertion augmentation expect ``padding`` extra random nucleotides
at the 3' end of every input (the checkpoint's metadata). Here one random tail per job
(:func:`random_tail`) is appended to every sequence (:func:`append_tail`), so a reference and its
variants differ only at the variant, and activations or attributions over the tail are ignored.

One-hot arrays are ``(N, 4, L)`` (A, C, G, T) throughout.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd
import torch
from torch import nn

from genomic_dl.evoaug2023.attribution import gradient_correction, gradient_shap, random_dna
from genomic_dl.evoaug2023.checkpoints import load_evoaug_model
from genomic_dl.evoaug2023.filters import (
    ALPHABET,
    check_one_hot,
    clip_low_information_flanks,
    filter_pwms,
    first_layer_activations,
    information_content,
)
from genomic_dl.evoaug2023.h5data import EvoAugH5
from genomic_dl.evoaug2023.labels import model_label
from genomic_dl.evoaug2023.synthetic import load_synthetic_h5
from genomic_dl.evoaug2023.tomtom import (
    benjamini_hochberg,
    jaspar_motifs,
    planted_motif_recovery,
    run_tomtom,
    summarise_matches,
)
from genomic_dl.nn.device import configure_threads, seed_everything, select_device

__all__ = [
    "FilterMotifs",
    "TestData",
    "append_tail",
    "attribution_maps",
    "filter_motifs",
    "high_activity_indices",
    "load_test_split",
    "match_filters_to_jaspar",
    "md5_from_listing",
    "model_label",
    "planted_position_mask",
    "prepare_job_model",
    "random_tail",
]


def prepare_job_model(
    path: str | os.PathLike[str], *, seed: int, device: str, threads: int
) -> tuple[nn.Module, dict[str, Any], torch.device]:
    """Set up one interpretation job and load its model.

    Sets ``threads`` torch CPU threads, seeds every RNG with ``seed``, picks the
    device from the config preference ``device`` (``"auto"``: CUDA when present)
    and loads the EvoAug checkpoint at ``path`` there, in eval mode.

    Returns ``(model, metadata, device)``.
    """
    configure_threads(threads)
    seed_everything(seed)
    chosen = select_device(device)
    model, metadata = load_evoaug_model(path, chosen)
    return model, metadata, chosen


# --------------------------------------------------------------------------- data


@dataclass
class TestData:
    """The test split of an EvoAug data file (real or synthetic).

    Attributes
    ----------
    x
        ``(N, 4, L)`` uint8 one-hot sequences.
    y
        ``(N, T)`` float32 labels (binary) or measured activities (regression).
    task_names
        ``T`` task names (``task0``... for real data without names).
    spec
        The generator's spec for synthetic data, else ``None``.
    activity
        ``(N, T)`` float32 noiseless activities (synthetic only).
    planted
        Planted-site record of the split (synthetic only, see
        :func:`genomic_dl.evoaug2023.synthetic.generate_dataset`).
    matrix_ids
        JASPAR matrix IDs of the synthetic dataset's motifs (index = ``planted["motif"]``).
    """

    x: np.ndarray
    y: np.ndarray
    task_names: list[str]
    spec: dict | None = None
    activity: np.ndarray | None = None
    planted: dict[str, np.ndarray] | None = None
    matrix_ids: list[str] | None = None

    @property
    def synthetic(self) -> bool:
        return self.spec is not None

    def planted_matrix_ids(self) -> list[str]:
        """Matrix IDs of the motifs planted at least once in these sequences (synthetic only)."""
        if not self.synthetic:
            raise ValueError("planted motifs exist only for synthetic data")
        return [self.matrix_ids[m] for m in np.unique(self.planted["motif"])]


def _is_synthetic(path: Path) -> bool:
    with h5py.File(path, "r") as handle:
        return "synthetic_spec" in handle.attrs


def load_test_split(path: str | os.PathLike, max_sequences: int | None = None) -> TestData:
    """Read the test split of an EvoAug data file; the first ``max_sequences`` only if given.

    Synthetic files (written by :func:`~genomic_dl.evoaug2023.synthetic.save_synthetic_h5`) also
    give the spec, noiseless activities and planted sites; planted-site records are renumbered
    to the kept sequences.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If it is not an EvoAug data file (the message names the file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"EvoAug data file not found: {path}")
    if max_sequences is not None and max_sequences < 1:
        raise ValueError(f"max_sequences must be >= 1 or None, got {max_sequences}")
    if not _is_synthetic(path):
        with EvoAugH5(path) as data:
            n = data.split_size("test")
            x, y = data.read("test", indices=np.arange(min(n, max_sequences or n)))
        names = [f"task{t}" for t in range(y.shape[1])]
        return TestData(x=np.asarray(x).astype(np.uint8), y=np.asarray(y, dtype=np.float32), task_names=names)
    splits, spec = load_synthetic_h5(path)
    test = splits["test"]
    n = len(test["x"]) if max_sequences is None else min(len(test["x"]), max_sequences)
    planted = {key: values[test["planted"]["sequence"] < n] for key, values in test["planted"].items()}
    return TestData(
        x=test["x"][:n].astype(np.uint8),
        y=test["y"][:n].astype(np.float32),
        task_names=list(test["task_names"]),
        spec=spec,
        activity=test["activity"][:n].astype(np.float32),
        planted=planted,
        matrix_ids=list(test["matrix_ids"]),
    )


def random_tail(n_bases: int, rng: np.random.Generator) -> np.ndarray:
    """A random one-hot tail of ``n_bases`` nucleotides, float32 ``(4, n_bases)`` (may be empty)."""
    if n_bases < 0:
        raise ValueError(f"n_bases must be >= 0, got {n_bases}")
    if n_bases == 0:
        return np.zeros((len(ALPHABET), 0), dtype=np.float32)
    return random_dna(1, n_bases, rng)[0]


def append_tail(x: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """``x`` ``(N, 4, L)`` or ``(4, L)`` with ``tail`` ``(4, P)`` appended at the 3' end, float32."""
    x = np.asarray(x, dtype=np.float32)
    tail = np.asarray(tail, dtype=np.float32)
    if tail.ndim != 2 or tail.shape[0] != len(ALPHABET):
        raise ValueError(f"tail must have shape (4, P), got {tail.shape}")
    return np.concatenate([x, np.broadcast_to(tail, (*x.shape[:-1], tail.shape[1]))], axis=-1)


# --------------------------------------------------------------------------- Fig 1c: filters


@dataclass
class FilterMotifs:
    """First-layer filters as motifs.

    Attributes
    ----------
    pwms
        ``(F, 4, w)`` float64 aligned PWMs (columns sum to 1).
    n_windows
        ``(F,)`` int64 aligned windows per filter.
    clipped
        ``F`` PWMs ``(4, w_f)`` without their low-information flanks (``w_f = 0``: nothing
        informative; such a filter is not compared with JASPAR).
    """

    pwms: np.ndarray
    n_windows: np.ndarray
    clipped: list[np.ndarray]

    @property
    def names(self) -> list[str]:
        return [f"filter{index:03d}" for index in range(len(self.pwms))]

    @property
    def information(self) -> np.ndarray:
        """``(F,)`` total information content of the clipped PWMs (bits)."""
        return np.array([information_content(pwm).sum() if pwm.shape[1] else 0.0 for pwm in self.clipped])


def _mask_tail_windows(activations: np.ndarray, input_length: int, length: int, filter_width: int) -> np.ndarray:
    """Zero the activations whose input window reaches past the first ``length`` nucleotides.

    ``activations`` ``(N, F, L')`` of a stride-1 convolution with symmetric (or "same") zero
    padding over inputs of ``input_length >= length`` nucleotides (the left padding is
    ``(L' - input_length + w - 1) // 2``, as in :func:`~genomic_dl.evoaug2023.filters.filter_pwms`).
    A ReLU activation of 0 never passes the alignment threshold, so the windows over the random
    3' tail are not aligned and do not set the filter's maximum.
    """
    activation_length = activations.shape[-1]
    starts = np.arange(activation_length) - (activation_length - input_length + filter_width - 1) // 2
    outside = starts + filter_width > length
    if not outside.any():
        return activations
    activations = activations.copy()
    activations[..., outside] = 0.0
    return activations


def filter_motifs(
    model: nn.Module,
    x: np.ndarray,
    *,
    threshold_fraction: float,
    min_information_bits: float,
    tail: np.ndarray | None = None,
    batch_size: int = 256,
    chunk_size: int = 512,
    device: Any = None,
) -> FilterMotifs:
    """PWMs of a model's first-layer filters by activation-based alignment (Koo & Eddy 2019).

    Parameters
    ----------
    model
        A model with ``first_conv`` (``nn.Conv1d``) and ``first_activation`` (the ReLU after it)
        attributes (the EvoAug models).
    x
        ``(N, 4, L)`` one-hot test sequences.
    threshold_fraction
        A window is aligned where the filter's activation exceeds this fraction of its maximum
        over all sequences (paper: 0.5).
    min_information_bits
        Flanking PWM columns below this information content are clipped.
    tail
        ``(4, P)`` random 3' padding for models that expect it; windows overlapping it are
        ignored.
    batch_size
        Sequences per forward pass.
    chunk_size
        Sequences whose activations are held in memory at once (``chunk * F * L'`` floats).
    """
    x = check_one_hot(x, "x")
    width = int(model.first_conv.kernel_size[0])
    x_in = x if tail is None else append_tail(x, tail)
    chunks = range(0, len(x), chunk_size)

    def activations(start: int) -> np.ndarray:
        chunk = first_layer_activations(
            model, model.first_activation, x_in[start : start + chunk_size], batch_size=batch_size, device=device
        )
        return _mask_tail_windows(chunk, x_in.shape[-1], x.shape[-1], width)

    # Two passes over the data, so that only one chunk's (n, F, L') activations are in memory:
    # the filters' maxima over all sequences, then the windows above the threshold.
    maxima = np.max([activations(start).max(axis=(0, 2)) for start in chunks], axis=0)
    counts, n_windows = 0.0, 0
    for start in chunks:
        pwms, n = filter_pwms(
            x_in[start : start + chunk_size], activations(start), width, threshold_fraction, maxima=maxima
        )
        counts, n_windows = counts + pwms * n[:, None, None], n_windows + n
    pwms = np.full_like(counts, 1.0 / len(ALPHABET))
    aligned = n_windows > 0
    pwms[aligned] = counts[aligned] / n_windows[aligned, None, None]
    clipped = [np.ascontiguousarray(clip_low_information_flanks(pwm, min_information_bits)) for pwm in pwms]
    return FilterMotifs(pwms=pwms, n_windows=n_windows, clipped=clipped)


def match_filters_to_jaspar(
    clipped: Sequence[np.ndarray],
    *,
    q_threshold: float,
    exclude: Sequence[str],
    planted_ids: Sequence[str] | None = None,
    release: str = "JASPAR2022",
    n_jobs: int = 1,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Tomtom of every filter PWM against JASPAR CORE vertebrates (non-redundant).

    Parameters
    ----------
    clipped
        Filter PWMs ``(4, w)``; width-0 filters are not compared (no match).
    q_threshold
        A filter matches when its smallest BH q-value is below this (paper: 0.05).
    exclude
        JASPAR matrix IDs left out of the targets (paper: MA1929.1, MA0615.1).
    planted_ids
        Matrix IDs planted in synthetic data; ``None`` for real data (recovery is NaN). Planted
        profiles that are excluded from the targets are left out of the recovery.
    n_jobs
        numba threads of Tomtom.

    Returns
    -------
    table : pandas.DataFrame
        One row per filter: ``filter``, ``width`` (clipped), ``best_match`` (matrix ID),
        ``best_match_name``, ``best_q``, ``hit``.
    summary : dict
        ``n_filters``, ``n_compared``, ``n_targets``, ``n_hits``, ``hit_rate`` (share of all
        filters), ``mean_hit_q`` (mean smallest q of the hits; NaN if none),
        ``planted_recovery`` (share of planted motifs matched by at least one filter),
        ``n_planted``.
    """
    if not 0 < q_threshold < 1:
        raise ValueError(f"q_threshold must be in (0, 1), got {q_threshold}")
    targets = jaspar_motifs(tuple(exclude), release=release)
    target_ids = [matrix_id for matrix_id, _, _ in targets]
    names = {matrix_id: name for matrix_id, name, _ in targets}
    pvalues = run_tomtom(list(clipped), [pfm for _, _, pfm in targets], n_jobs=n_jobs)
    qvalues = benjamini_hochberg(pvalues)
    matches = summarise_matches(qvalues, target_ids, q_threshold)
    table = pd.DataFrame(
        {
            "filter": [f"filter{index:03d}" for index in range(len(clipped))],
            "width": [pwm.shape[1] for pwm in clipped],
            "best_match": matches.best_target,
            "best_match_name": [names.get(matrix_id, "") for matrix_id in matches.best_target],
            "best_q": matches.best_q,
            "hit": matches.hit,
        }
    )
    recovery, n_planted = float("nan"), 0
    if planted_ids is not None:
        excluded = {matrix_id.split(".")[0] for matrix_id in exclude}
        kept = sorted({i for i in planted_ids if i.split(".")[0] not in excluded})
        n_planted = len(kept)
        if kept:
            recovery = planted_motif_recovery(qvalues, target_ids, kept, q_threshold)
    summary = {
        "n_filters": len(clipped),
        "n_compared": int(sum(pwm.shape[1] > 0 for pwm in clipped)),
        "n_targets": len(targets),
        "n_hits": int(matches.hit.sum()),
        "hit_rate": matches.hit_rate,
        "mean_hit_q": matches.mean_hit_q,
        "planted_recovery": recovery,
        "n_planted": n_planted,
        "q_threshold": q_threshold,
    }
    return table, summary


# --------------------------------------------------------------------------- Fig S6: attribution


def high_activity_indices(y: np.ndarray, task: int, n: int) -> np.ndarray:
    """Indices of the ``n`` sequences with the highest measured activity in ``task``, highest first."""
    y = np.asarray(y)
    if y.ndim != 2 or not 0 <= task < y.shape[1]:
        raise ValueError(f"task must index the columns of y {y.shape}, got {task}")
    if not 1 <= n <= len(y):
        raise ValueError(f"n must be in [1, {len(y)}], got {n}")
    return np.argsort(-y[:, task], kind="stable")[:n]


def planted_position_mask(
    planted: Mapping[str, np.ndarray], widths: np.ndarray, sequences: np.ndarray, length: int, task: int | None = None
) -> np.ndarray:
    """``(n, L)`` bool: nucleotides covered by a planted motif copy in each of ``sequences``.

    Parameters
    ----------
    planted
        Planted-site record (``sequence``, ``motif``, ``start``, ``tasks``).
    widths
        ``(M,)`` motif widths (index = ``planted["motif"]``).
    sequences
        ``(n,)`` sequence indices, in output row order.
    length
        Sequence length ``L``.
    task
        Keep only the motifs that enter this task (``planted["tasks"][:, task]``); ``None``: all.
    """
    sequences = np.asarray(sequences)
    keep = np.isin(planted["sequence"], sequences)
    if task is not None:
        keep &= planted["tasks"][:, task]
    row_of = {int(sequence): row for row, sequence in enumerate(sequences)}
    rows = np.array([row_of[int(s)] for s in planted["sequence"][keep]], dtype=np.int64)
    starts = planted["start"][keep].astype(np.int64)
    ends = starts + np.asarray(widths)[planted["motif"][keep]]
    positions = np.arange(length)
    covered = (positions[None, :] >= starts[:, None]) & (positions[None, :] < ends[:, None])  # (K, L)
    mask = np.zeros((len(sequences), length), dtype=bool)
    np.logical_or.at(mask, rows, covered)
    return mask


def attribution_maps(
    model: nn.Module,
    x: np.ndarray,
    *,
    task: int,
    rng: np.random.Generator,
    n_references: int,
    n_samples: int,
    stdevs: float,
    batch_size: int,
    tail: np.ndarray | None = None,
    device: Any = None,
) -> np.ndarray:
    """Gradient-corrected GradientShap maps of task ``task`` for ``x``, ``(N, 4, L)`` float32.

    The maps are computed on ``x`` with ``tail`` appended (for models that expect 3' padding;
    the references then have the padded length) and cut back to the ``L`` sequence positions.
    """
    x = check_one_hot(x, "x")
    tail = np.zeros((len(ALPHABET), 0), dtype=np.float32) if tail is None else tail
    maps = gradient_shap(
        model,
        append_tail(x, tail),
        target=task,
        rng=rng,
        n_references=n_references,
        n_samples=n_samples,
        stdevs=stdevs,
        batch_size=batch_size,
        device=device,
    )
    return gradient_correction(maps[..., : x.shape[-1]]).astype(np.float32)


def md5_from_listing(path: str | os.PathLike, name: str) -> str:
    """The MD5 of file ``name`` in a checksum listing (``md5sum`` output: ``<md5>  <name>`` lines).

    Raises ``ValueError`` naming the listing when ``name`` is not in it.
    """
    for line in Path(path).read_text().splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[1].lstrip("*").split("/")[-1] == name:
            return fields[0].lower()
    raise ValueError(f"{path}: no checksum for {name}")
