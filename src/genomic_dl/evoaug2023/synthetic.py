"""Synthetic regulatory-grammar datasets built from real JASPAR 2022 motifs (offline EvoAug data).

The EvoAug data (Zenodo record 7265991) need an internet connection; these generators make
datasets of the same shapes and file layout whose labels come from a *known* regulatory grammar,
so that a model's attributions and variant-effect predictions can be scored against the truth.

Motifs
    Position frequency matrices of JASPAR 2022 CORE vertebrates, non-redundant (the latest
    version of each matrix, 841 profiles), as shipped in the ``pyjaspar`` package. Counts become
    probabilities ``(f + e) / (1 + 4 e)`` where ``f`` are the column frequencies and ``e`` the
    spec's ``pseudofrequency``. A motif is named by its matrix ID (``MA0139.1``, or ``MA0139``
    for the version in the set) or by its TF name (case-insensitive; where several matrices carry
    the name, the smallest matrix ID, usually the canonical profile, is taken, e.g. CTCF ->
    MA0139.1).

Sequences
    Each sequence is ``length`` independent nucleotides drawn from ``background`` (A, C, G, T
    probabilities). Motif instances are then *planted*: every planting rule (``spec["planting"]``)
    gives a sequence, with probability ``fraction``, ``min_copies + Poisson(rate)`` copies of a
    unit. A unit is one motif chosen uniformly from the rule's ``motifs``, or a cooperative
    ``pair`` [A, B] with B starting ``gap`` nucleotides after the end of A (``gap`` uniform in
    ``spacing``). A unit lies on the forward strand with probability ``forward_fraction``; a
    reverse unit is the reverse complement of the whole unit (so B precedes A on the forward
    strand). Each motif copy is a fresh sample from its probability matrix, so planted sites vary
    in strength as real ones do. Units are placed in non-overlapping slots of width
    ``max unit width + min_gap`` (a random grid origin and a random offset within the slot), at
    least ``min_gap`` nucleotides apart; copies beyond the number of slots are dropped, earlier
    rules first served.

Activity (the grammar)
    Activity is a function of the sequence only, computed by :func:`true_activity` from any
    one-hot batch: for each motif the log2-odds score against the background is computed at every
    position on both strands, and a site's occupancy is
    ``sigmoid((score - threshold) / softness)`` with ``threshold = threshold_fraction * best
    possible score`` (bits). Task ``t`` has

    ``activity_t = bias_t + sum_terms weight * sum_i max(occ_fwd(i), reverse_scale * occ_rev(i))
    + sum_pairs weight * sum over positions and gaps in spacing of occ_A * occ_B``

    where ``i`` runs over the windows of the motif (a window counts once, on its better strand,
    so palindromic sites are not counted twice) and the pair sum counts A and B on the same
    strand in the planted order and spacing (strand/orientation effects through
    ``reverse_scale``, cooperativity through the pair term).
    Binary tasks (``task_type: binary``): ``y = [activity > 0]``, each label flipped with
    probability ``noise`` (label noise). Regression tasks: ``y = activity + noise * N(0, 1)``, an
    additive log-activity. Sites arising by chance in the background count like planted ones, and
    mutating a planted site changes the activity; so a variant's true effect is the change of
    :func:`true_activity`, and EvoAug's augmentations are, as in real data, not exactly
    label-preserving (a mutation can break a site, a translocation can cut or separate a pair).

Spec (a plain dict, checked by :func:`validate_spec`)
    ``name``, ``task_type`` (binary | regression), ``length``, ``background``,
    ``pseudofrequency``, ``threshold_fraction``, ``softness`` (bits), ``min_gap`` (nt),
    ``h5_layout`` (upper | lower), optional ``positive_fraction_range`` and ``description``;
    ``planting``: list of ``{motifs: [..], rate, min_copies?, fraction?, forward_fraction?}`` or
    ``{pair: [A, B], spacing: [min, max], rate, ...}``; ``tasks``: list of ``{name, bias, noise,
    terms?: [{motif, weight, reverse_scale?}], pairs?: [{motifs: [A, B], spacing, weight}]}``.

Presets (plain dicts, written to and read from the workflow config as YAML)
    * :func:`basset_like_spec`: L = 600, ``n_tasks`` binary tasks (the real data has 164) with
      positives about 6-23 % per task (16 tasks), from four task types: one site of a motif; one
      site of either of two motifs; two sites of a motif (homotypic cluster); a cooperative pair
      at its preferred spacing. Site threshold 0.6 of the best score, label noise 2 %.
    * :func:`deepstarr_like_spec`: L = 249, two regression tasks, "developmental" (GATA, AP-1,
      TWIST; an AP-1-GATA pair) and "housekeeping" (ZBED1, the vertebrate homologue of the DRE
      binder, NRF1, SP1; a ZBED1-SP1 pair), with orientation effects and Gaussian noise.
    * :func:`chip_like_spec`: L = 200, one binary task per TF (ATF2, BACH1, CTCF, ELK1, GABPA, MAX,
      REST, SRF, ZNF24; every one has a JASPAR 2022 non-redundant vertebrate profile). Half of the
      sequences carry one or more copies of the TF's motif; every sequence carries copies of the
      eight other TFs' motifs (hard negatives); occupancy, hence the label, depends on the match
      strength and the number of sites.

The motifs, specs (validation, presets) and the compiled grammar are in
:mod:`genomic_dl.evoaug2023.grammar`; this module plants, scores and stores.

:func:`generate_dataset` returns the sequences, labels, noiseless activities and the record of
every planted site; :func:`save_synthetic_h5` writes them in the key layout of the real data
(:mod:`genomic_dl.evoaug2023.h5data`), so the rest of the workflow reads synthetic and real files alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import h5py
import numpy as np
import torch
import torch.nn.functional as F

from genomic_dl.evoaug2023.grammar import (
    FORWARD,
    N_NUCLEOTIDES,
    REVERSE,
    Grammar,
    compile_grammar,
    spec_option,
    task_motif_keys,
    task_motif_relevance,
    validate_spec,
)
from genomic_dl.evoaug2023.h5data import SPLITS, load_evoaug_h5, write_evoaug_h5

__all__ = [
    "downsample",
    "downsample_indices",
    "generate_dataset",
    "load_synthetic_h5",
    "save_synthetic_h5",
    "split_dataset",
    "true_activity",
]

#: Keys that apply to every sequence (first axis = sequence) of a dataset dict.
PER_SEQUENCE_KEYS = ("x", "y", "activity")
#: Per-dataset lists carried unchanged through splitting and saving.
NAME_KEYS = ("motif_keys", "matrix_ids", "motif_names", "task_names")
PLANTED_FIELDS = ("sequence", "motif", "start", "strand", "element", "unit", "tasks")

# --------------------------------------------------------------------------- activity


def _scan_filters(grammar: Grammar, motifs: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Convolution filters of ``motifs``: forward and reverse-complement log-odds, left-aligned.

    Returns
    -------
    filters : ndarray, shape (2K, 4, w_max), float32
        Rows ``2k`` (forward) and ``2k + 1`` (reverse complement: rows A, C, G, T and positions
        reversed) of motif ``motifs[k]``, zero beyond its width.
    thresholds : ndarray, shape (2K,), float32
    """
    widest = int(grammar.widths[list(motifs)].max())
    filters = np.zeros((2 * len(motifs), N_NUCLEOTIDES, widest), dtype=np.float32)
    for k, m in enumerate(motifs):
        log_odds = grammar.log_odds[m]
        filters[2 * k, :, : log_odds.shape[1]] = log_odds
        filters[2 * k + 1, :, : log_odds.shape[1]] = log_odds[::-1, ::-1]
    return filters, np.repeat(grammar.thresholds[list(motifs)], 2).astype(np.float32)


def _site_occupancy(x: torch.Tensor, filters: torch.Tensor, thresholds: torch.Tensor, softness: float) -> torch.Tensor:
    """Occupancy ``sigmoid((score - threshold) / softness)`` of every window and filter.

    ``x`` (n, 4, L) float; ``filters`` (F, 4, w_max); returns (n, F, L): entry ``i`` scores the
    window starting at ``i`` (windows running past the end are scored with zeros beyond it and
    must be discarded by the caller).
    """
    scores = F.conv1d(F.pad(x, (0, filters.shape[2] - 1)), filters)
    return torch.sigmoid((scores - thresholds[:, None]) / softness)


def _windowed_products(first: torch.Tensor, second: torch.Tensor, shift_min: int, shift_max: int) -> torch.Tensor:
    """``sum_i first[:, i] * sum_{s = shift_min..shift_max} second[:, i + s]`` (past the end: 0).

    ``first`` (n, P1) and ``second`` (n, P2); returns (n,). The window sums are differences of a
    cumulative sum, computed in float64 so that they stay accurate along long sequences.
    """
    n_positions = first.shape[1]
    padded = F.pad(second.double(), (1, shift_max + n_positions))
    cumulative = padded.cumsum(dim=1)  # cumulative[:, k] = sum of second[:, :k]
    windows = (
        cumulative[:, shift_max + 1 : shift_max + 1 + n_positions] - cumulative[:, shift_min : shift_min + n_positions]
    )
    return (first.double() * windows).sum(dim=1).to(first.dtype)


def _pair_occupancy(
    occ_a: torch.Tensor, occ_b: torch.Tensor, width_a: int, width_b: int, spacing: Sequence[int]
) -> torch.Tensor:
    """Expected number of A-B pairs (both on one strand, B ``gap`` nt after A, gap in ``spacing``).

    ``occ_a`` (n, 2, P_a) and ``occ_b`` (n, 2, P_b) are strand-wise occupancies. Forward strand:
    A at ``i``, B at ``i + width_a + gap``. Reverse strand (the reverse complement of the same
    arrangement): B at ``j``, A at ``j + width_b + gap``. Returns shape (n,).
    """
    low, high = int(spacing[0]), int(spacing[1])
    forward = _windowed_products(occ_a[:, 0], occ_b[:, 0], width_a + low, width_a + high)
    reverse = _windowed_products(occ_b[:, 1], occ_a[:, 1], width_b + low, width_b + high)
    return forward + reverse


def _task_activity(
    task: Mapping, grammar: Grammar, occupancy: Mapping[int, torch.Tensor], batch: torch.Tensor
) -> torch.Tensor:
    """Activity of one task from the motifs' strand-wise occupancies in ``batch``; shape (n,).

    A window counts once, on its better strand (reverse scaled by ``reverse_scale``), so a
    palindromic site is not counted twice.
    """
    activity = batch.new_full((len(batch),), float(task["bias"]))
    for term in spec_option(task, "terms"):
        occ = occupancy[grammar.index(term["motif"])]
        sites = torch.maximum(occ[:, 0], spec_option(term, "reverse_scale") * occ[:, 1])
        activity += term["weight"] * sites.sum(dim=1)
    widths = grammar.widths
    for pair in spec_option(task, "pairs"):
        a, b = (grammar.index(key) for key in pair["motifs"])
        count = _pair_occupancy(occupancy[a], occupancy[b], int(widths[a]), int(widths[b]), pair["spacing"])
        activity += pair["weight"] * count
    return activity


def _batch_activity(
    grammar: Grammar,
    batch: torch.Tensor,
    used: Sequence[int],
    filters: torch.Tensor,
    thresholds: torch.Tensor,
) -> torch.Tensor:
    """(n, T) activities of one (n, 4, L) float batch; ``filters`` from :func:`_scan_filters` of ``used``."""
    occupancy = _site_occupancy(batch, filters, thresholds, float(grammar.spec["softness"]))
    length = batch.shape[2]
    per_motif = {m: occupancy[:, 2 * k : 2 * k + 2, : length - int(grammar.widths[m]) + 1] for k, m in enumerate(used)}
    tasks = [_task_activity(task, grammar, per_motif, batch) for task in grammar.spec["tasks"]]
    return torch.stack(tasks, dim=1)


def _activity(grammar: Grammar, x: np.ndarray, device: str | torch.device, batch_size: int) -> np.ndarray:
    """(N, T) float32 activities of (N, 4, L) sequences, scanned ``batch_size`` at a time."""
    x = np.asarray(x)
    if x.ndim != 3 or x.shape[1] != N_NUCLEOTIDES:
        raise ValueError(f"x must have shape (N, 4, L), got {x.shape}")
    if x.shape[2] < grammar.widths.max():
        raise ValueError(
            f"x: sequences of {x.shape[2]} nt are shorter than the widest motif ({grammar.widths.max()} nt)"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    device = torch.device(device)
    used = sorted({grammar.index(key) for task in grammar.spec["tasks"] for key in task_motif_keys(task)})
    filters, thresholds = (torch.as_tensor(a, device=device) for a in _scan_filters(grammar, used))
    chunks = []
    with torch.no_grad():
        for begin in range(0, len(x), batch_size):
            batch = torch.as_tensor(x[begin : begin + batch_size], device=device, dtype=torch.float32)
            chunks.append(_batch_activity(grammar, batch, used, filters, thresholds).cpu())
    if not chunks:
        return np.zeros((0, len(grammar.task_names)), dtype=np.float32)
    return torch.cat(chunks).numpy()


def true_activity(
    spec: Mapping, x: np.ndarray, device: str | torch.device = "cpu", batch_size: int = 2048
) -> np.ndarray:
    """Noiseless activity of every task for any one-hot batch, by scanning the spec's grammar.

    Parameters
    ----------
    spec
        A dataset spec (see the module docstring).
    x
        (N, 4, L) one-hot sequences (any numeric dtype; non-one-hot inputs are scored linearly).
        ``L`` may differ from ``spec["length"]``.
    device
        Torch device of the scan (``"cuda"`` for speed; labels near a binary threshold may differ
        between devices by float rounding).
    batch_size
        Sequences scanned at once.

    Returns
    -------
    ndarray, shape (N, T), float32
        Binary tasks: the logit (positive = active); regression tasks: the log-activity.
        A variant's true effect is the difference of this between alternative and reference.
    """
    return _activity(compile_grammar(spec), x, device, batch_size)


# --------------------------------------------------------------------------- sequence generation


def _sample_codes(probabilities: np.ndarray, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Draw nucleotide codes 0..3 (A, C, G, T).

    ``probabilities`` is (4,) for i.i.d. draws of ``shape`` or (4, w) for ``shape = (k, w)``
    (one column per position). Returns uint8 of ``shape``.
    """
    cumulative = np.cumsum(probabilities, axis=0)[:-1]  # the last boundary (1) is never exceeded
    uniforms = rng.random(shape)
    if cumulative.ndim == 1:
        return np.searchsorted(cumulative, uniforms, side="right").astype(np.uint8)
    return (uniforms[:, None, :] >= cumulative[None, :, :]).sum(axis=1).astype(np.uint8)


def _reverse_complement_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of (k, w) nucleotide codes (A<->T, C<->G)."""
    return (N_NUCLEOTIDES - 1 - codes[:, ::-1]).astype(np.uint8)


def _one_hot(codes: np.ndarray) -> np.ndarray:
    """(N, L) codes -> (N, 4, L) uint8 one-hot."""
    return (codes[:, None, :] == np.arange(N_NUCLEOTIDES, dtype=np.uint8)[None, :, None]).view(np.uint8)


@dataclass
class _Units:
    """Planting units of all sequences: one entry per unit (a motif copy or a pair)."""

    sequence: np.ndarray  # (U,) int64
    element: np.ndarray  # (U,) int64, index of the planting rule
    rank: np.ndarray  # (U,) int64, order within its sequence


def _draw_units(grammar: Grammar, n_sequences: int, rng: np.random.Generator) -> tuple[_Units, int]:
    """Draw the number of units of every rule in every sequence; keep those that fit the slots.

    Returns the kept units (sorted by sequence, rules in spec order within a sequence) and the
    number dropped for lack of slots.
    """
    sequences, elements = [], []
    for e, element in enumerate(grammar.spec["planting"]):
        eligible = rng.random(n_sequences) < spec_option(element, "fraction")
        copies = int(spec_option(element, "min_copies")) + rng.poisson(element["rate"], n_sequences)
        counts = np.where(eligible, copies, 0)
        sequences.append(np.repeat(np.arange(n_sequences), counts))
        elements.append(np.full(counts.sum(), e))
    sequence, element = np.concatenate(sequences), np.concatenate(elements)
    order = np.argsort(sequence, kind="stable")
    sequence, element = sequence[order], element[order]
    first_of_sequence = np.searchsorted(sequence, np.arange(n_sequences))
    rank = np.arange(len(sequence)) - first_of_sequence[sequence]
    keep = rank < grammar.n_slots
    return _Units(sequence[keep], element[keep], rank[keep]), int((~keep).sum())


@dataclass
class _Instances:
    """Motif copies to write: one entry per planted motif copy."""

    unit: np.ndarray  # (K,) int64, index into the units
    motif: np.ndarray  # (K,) int64
    offset: np.ndarray  # (K,) int64, start relative to the unit's start
    strand: np.ndarray  # (K,) int8


def _element_instances(
    grammar: Grammar, element: Mapping, units: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, list[_Instances]]:
    """Draw the layout of ``units`` (indices of units of one rule): widths and motif copies."""
    n = len(units)
    forward = rng.random(n) < spec_option(element, "forward_fraction")
    strand = np.where(forward, FORWARD, REVERSE).astype(np.int8)
    widths = grammar.widths
    if "pair" not in element:
        choices = np.array([grammar.index(key) for key in element["motifs"]])
        motif = choices[rng.integers(len(choices), size=n)]
        return widths[motif], [_Instances(units, motif, np.zeros(n, dtype=np.int64), strand)]
    a, b = (grammar.index(key) for key in element["pair"])
    gap = rng.integers(element["spacing"][0], element["spacing"][1] + 1, size=n)
    # Forward: A then B; reverse (the reverse complement of the unit): B then A.
    offset_a = np.where(forward, 0, widths[b] + gap)
    offset_b = np.where(forward, widths[a] + gap, 0)
    unit_width = widths[a] + gap + widths[b]
    return unit_width, [
        _Instances(units, np.full(n, a), offset_a, strand),
        _Instances(units, np.full(n, b), offset_b, strand),
    ]


def _unit_starts(
    grammar: Grammar, units: _Units, unit_width: np.ndarray, n_sequences: int, rng: np.random.Generator
) -> np.ndarray:
    """Start of every unit: a random slot per unit, a random grid origin per sequence, a random
    offset within the slot that keeps ``min_gap`` free before the next slot."""
    n_slots, slot_width = grammar.n_slots, grammar.slot_width
    slot_of_rank = np.argsort(rng.random((n_sequences, n_slots)), axis=1)
    origin = rng.integers(0, int(grammar.spec["length"]) - n_slots * slot_width + 1, size=n_sequences)
    room = slot_width - int(grammar.spec["min_gap"]) - unit_width
    jitter = rng.integers(0, room + 1)
    return origin[units.sequence] + slot_of_rank[units.sequence, units.rank] * slot_width + jitter


def _write_copies(
    grammar: Grammar,
    codes: np.ndarray,
    sequence: np.ndarray,
    motif: np.ndarray,
    start: np.ndarray,
    strand: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """Sample one copy per entry from its motif's matrix and write it into ``codes`` (N, L).

    ``sequence``, ``motif``, ``start``, ``strand`` are (K,) arrays; a reverse-strand copy is
    written reverse-complemented, so that it reads as the motif on the reverse strand.
    """
    for m, jaspar in enumerate(grammar.motifs):
        copies = np.flatnonzero(motif == m)
        width = jaspar.pfm.shape[1]
        sampled = _sample_codes(jaspar.pfm, (len(copies), width), rng)
        reverse = strand[copies] == REVERSE
        sampled[reverse] = _reverse_complement_codes(sampled[reverse])
        codes[sequence[copies, None], start[copies, None] + np.arange(width)] = sampled


def _plant(grammar: Grammar, codes: np.ndarray, rng: np.random.Generator) -> tuple[dict[str, np.ndarray], int]:
    """Write motif copies into ``codes`` (N, L) in place; return the planting record and the
    number of units dropped for lack of slots."""
    n_sequences = len(codes)
    units, n_dropped = _draw_units(grammar, n_sequences, rng)
    unit_width = np.zeros(len(units.element), dtype=np.int64)
    instances: list[_Instances] = []
    for e, element in enumerate(grammar.spec["planting"]):
        members = np.flatnonzero(units.element == e)
        unit_width[members], element_instances = _element_instances(grammar, element, members, rng)
        instances.extend(element_instances)
    unit_start = _unit_starts(grammar, units, unit_width, n_sequences, rng)
    unit = np.concatenate([i.unit for i in instances])
    motif = np.concatenate([i.motif for i in instances])
    strand = np.concatenate([i.strand for i in instances])
    start = unit_start[unit] + np.concatenate([i.offset for i in instances])
    sequence = units.sequence[unit]
    _write_copies(grammar, codes, sequence, motif, start, strand, rng)
    order = np.lexsort((start, sequence))
    relevance = task_motif_relevance(grammar)
    record = {
        "sequence": sequence[order].astype(np.int64),
        "motif": motif[order].astype(np.int16),
        "start": start[order].astype(np.int32),
        "strand": strand[order],
        "element": units.element[unit][order].astype(np.int16),
        "unit": unit[order].astype(np.int64),
        "tasks": relevance.T[motif[order]],
    }
    return record, n_dropped


def _observe(activity: np.ndarray, spec: Mapping, rng: np.random.Generator) -> np.ndarray:
    """Labels from activities: thresholded with label flips (binary) or with Gaussian noise."""
    noise = np.array([task["noise"] for task in spec["tasks"]], dtype=np.float64)
    if spec["task_type"] == "binary":
        flip = rng.random(activity.shape) < noise
        return ((activity > 0) ^ flip).astype(np.float32)
    return (activity + noise * rng.standard_normal(activity.shape)).astype(np.float32)


def generate_dataset(
    spec: Mapping,
    n_sequences: int,
    rng: np.random.Generator,
    device: str | torch.device = "cpu",
    batch_size: int = 2048,
) -> dict[str, Any]:
    """Generate ``n_sequences`` labelled sequences from the grammar of ``spec``.

    Parameters
    ----------
    spec
        A dataset spec (see the module docstring and the presets).
    n_sequences
        ``N``.
    rng
        Source of all randomness; the same spec and generator state give the same dataset
        (on the same ``device`` type).
    device, batch_size
        Passed to the activity scan (see :func:`true_activity`).

    Returns
    -------
    dict
        ``x``: (N, 4, L) uint8 one-hot (A, C, G, T); ``y``: (N, T) float32 labels;
        ``activity``: (N, T) float32, :func:`true_activity` of ``x`` (before noise);
        ``planted``: dict of arrays with one entry per planted motif copy, sorted by sequence and
        start: ``sequence`` (int64), ``motif`` (int16, index into ``motif_keys``), ``start``
        (int32, 0-based first nucleotide on the forward strand), ``strand`` (int8, +1 forward /
        -1 reverse complement), ``element`` (int16, planting rule), ``unit`` (int64, an identifier
        shared by the two motifs of a pair), ``tasks`` ((K, T) bool, the motif enters task t);
        ``motif_keys``, ``matrix_ids``, ``motif_names``, ``task_names``: lists of str;
        ``n_dropped_units``: units that did not fit into the slots.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if int(n_sequences) < 1:
        raise ValueError(f"n_sequences must be >= 1, got {n_sequences}")
    grammar = compile_grammar(spec)
    codes = _sample_codes(
        np.asarray(spec["background"], dtype=np.float64), (int(n_sequences), int(spec["length"])), rng
    )
    planted, n_dropped = _plant(grammar, codes, rng)
    x = _one_hot(codes)
    activity = _activity(grammar, x, device, batch_size)
    return {
        "x": x,
        "y": _observe(activity, spec, rng),
        "activity": activity,
        "planted": planted,
        "motif_keys": list(grammar.motif_keys),
        "matrix_ids": [m.matrix_id for m in grammar.motifs],
        "motif_names": [m.name for m in grammar.motifs],
        "task_names": list(grammar.task_names),
        "n_dropped_units": n_dropped,
    }


# --------------------------------------------------------------------------- splits and subsets


def _subset(data: Mapping[str, Any], indices: np.ndarray) -> dict[str, Any]:
    """The sequences ``indices`` (sorted, unique) of a dataset dict, planted sites renumbered."""
    n = len(data["x"])
    subset = {key: data[key][indices] for key in PER_SEQUENCE_KEYS}
    subset.update({key: list(data[key]) for key in NAME_KEYS if key in data})
    if "planted" in data:
        new_index = np.full(n, -1, dtype=np.int64)
        new_index[indices] = np.arange(len(indices))
        planted = data["planted"]
        keep = new_index[planted["sequence"]] >= 0
        subset["planted"] = {key: values[keep] for key, values in planted.items()}
        subset["planted"]["sequence"] = new_index[planted["sequence"][keep]]
    return subset


def split_dataset(
    data: Mapping[str, Any],
    fractions: Sequence[float] = (0.7, 0.1, 0.2),
    rng: np.random.Generator | None = None,
) -> dict[str, dict[str, Any]]:
    """Split a generated dataset at random into ``train``, ``valid`` and ``test``.

    ``fractions`` (summing to 1) are rounded to counts, the test split taking the remainder;
    sequences keep their generation order within a split. Planted-site records follow their
    sequences (``sequence`` renumbered within the split). ``rng`` is required.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    if len(fractions) != len(SPLITS) or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-6:
        raise ValueError(
            f"fractions must be 3 non-negative numbers summing to 1 (train, valid, test), got {fractions!r}"
        )
    n = len(data["x"])
    permutation = rng.permutation(n)
    n_train = int(round(fractions[0] * n))
    n_valid = min(int(round(fractions[1] * n)), n - n_train)
    parts = np.split(permutation, [n_train, n_train + n_valid])
    return {split: _subset(data, np.sort(part)) for split, part in zip(SPLITS, parts)}


def downsample_indices(n: int, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of ``round(fraction * n)`` (at least 1) of ``n`` items, drawn without replacement."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    k = max(1, int(round(fraction * n)))
    return np.sort(rng.choice(n, size=k, replace=False))


def downsample(
    x: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A random ``fraction`` of a training set (EvoAug Fig 2c); ``x`` (N, 4, L), ``y`` (N, T)."""
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same number of sequences, got {len(x)} and {len(y)}")
    indices = downsample_indices(len(x), fraction, rng)
    return x[indices], y[indices]


# --------------------------------------------------------------------------- files


def save_synthetic_h5(
    path: str | os.PathLike,
    splits: Mapping[str, Mapping[str, Any]],
    spec: Mapping,
    compression: str | None = None,
) -> None:
    """Write ``train``/``valid``/``test`` datasets in the EvoAug layout of ``spec["h5_layout"]``.

    Beside ``X_train``/``Y_train`` ... (or ``x_train`` ... for the ChIP layout) the file holds
    ``activity_<split>``, the planted-site record under ``planted_<split>/<field>``, the spec and
    the motif and task names as JSON attributes. Written atomically.
    """
    validate_spec(spec)
    arrays, extra = {}, {}
    for split in SPLITS:
        if split not in splits:
            raise ValueError(f"splits: missing split {split!r}; need {SPLITS}")
        data = splits[split]
        arrays[f"x_{split}"], arrays[f"y_{split}"] = data["x"], data["y"]
        extra[f"activity_{split}"] = data["activity"]
        for field in PLANTED_FIELDS:
            extra[f"planted_{split}/{field}"] = data["planted"][field]
    first = splits[SPLITS[0]]
    attrs = {"synthetic_spec": json.dumps(spec, sort_keys=True)}
    attrs.update({key: json.dumps(list(first[key])) for key in NAME_KEYS})
    write_evoaug_h5(path, arrays, spec["h5_layout"], extra=extra, attrs=attrs, compression=compression)


def load_synthetic_h5(path: str | os.PathLike) -> tuple[dict[str, dict[str, Any]], dict]:
    """Read a file written by :func:`save_synthetic_h5`; return ``(splits, spec)``.

    ``splits[split]`` has the keys of :func:`generate_dataset` (without ``n_dropped_units``).
    """
    arrays = load_evoaug_h5(path)
    with h5py.File(path, "r") as handle:
        if "synthetic_spec" not in handle.attrs:
            raise ValueError(f"{path}: no 'synthetic_spec' attribute; not written by save_synthetic_h5")
        spec = json.loads(handle.attrs["synthetic_spec"])
        names = {key: json.loads(handle.attrs[key]) for key in NAME_KEYS}
        splits = {}
        for split in SPLITS:
            planted = {field: handle[f"planted_{split}/{field}"][()] for field in PLANTED_FIELDS}
            splits[split] = {
                "x": arrays[f"x_{split}"],
                "y": arrays[f"y_{split}"],
                "activity": handle[f"activity_{split}"][()],
                "planted": planted,
                **names,
            }
    return splits, spec
