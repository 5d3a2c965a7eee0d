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

:func:`generate_dataset` returns the sequences, labels, noiseless activities and the record of
every planted site; :func:`save_synthetic_h5` writes them in the key layout of the real data
(:mod:`genomic_dl.evoaug2023.h5data`), so the rest of the workflow reads synthetic and real files alike.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import h5py
import numpy as np
import torch
import torch.nn.functional as F

from genomic_dl.evoaug2023.h5data import SPLITS, load_evoaug_h5, write_evoaug_h5

__all__ = [
    "CHIP_TFS",
    "JASPAR_RELEASE",
    "Grammar",
    "JasparMotif",
    "basset_like_spec",
    "chip_like_spec",
    "compile_grammar",
    "counts_to_pfm",
    "deepstarr_like_spec",
    "downsample",
    "downsample_indices",
    "generate_dataset",
    "jaspar_core_vertebrates",
    "load_jaspar_motifs",
    "load_synthetic_h5",
    "save_synthetic_h5",
    "split_dataset",
    "task_motif_relevance",
    "true_activity",
    "validate_spec",
]

JASPAR_RELEASE = "JASPAR2022"

#: The nine ChIP-seq TFs of EvoAug's Fig 2b-c (GM12878, ENCODE).
CHIP_TFS = ("ATF2", "BACH1", "CTCF", "ELK1", "GABPA", "MAX", "REST", "SRF", "ZNF24")

N_NUCLEOTIDES = 4
FORWARD, REVERSE = 1, -1

#: Keys that apply to every sequence (first axis = sequence) of a dataset dict.
PER_SEQUENCE_KEYS = ("x", "y", "activity")
#: Per-dataset lists carried unchanged through splitting and saving.
NAME_KEYS = ("motif_keys", "matrix_ids", "motif_names", "task_names")
PLANTED_FIELDS = ("sequence", "motif", "start", "strand", "element", "unit", "tasks")


# --------------------------------------------------------------------------- JASPAR motifs


class JasparMotif(NamedTuple):
    """One JASPAR profile: ``pfm`` is a (4, w) float64 probability matrix, rows A, C, G, T."""

    matrix_id: str
    name: str
    pfm: np.ndarray


@functools.cache
def _jaspar_counts(release: str) -> tuple[tuple[str, str, np.ndarray], ...]:
    """(matrix_id, name, counts (4, w)) of the CORE vertebrates non-redundant set, by matrix ID.

    Reading the SQLite database shipped with ``pyjaspar`` takes about half a second; the result
    is cached for the process (arrays read-only).
    """
    from pyjaspar import jaspardb

    motifs = jaspardb(release=release).fetch_motifs(collection="CORE", tax_group="vertebrates", all_versions=False)
    records = []
    for motif in sorted(motifs, key=lambda m: m.matrix_id):
        counts = np.array([motif.counts[base] for base in "ACGT"], dtype=np.float64)
        counts.setflags(write=False)
        records.append((motif.matrix_id, motif.name, counts))
    return tuple(records)


@functools.cache
def _jaspar_index(release: str) -> dict[str, int]:
    """Map matrix IDs, base IDs (``MA0139``) and upper-case names to positions in the record list.

    A name carried by several matrices maps to the smallest matrix ID.
    """
    index: dict[str, int] = {}
    for position, (matrix_id, name, _) in enumerate(_jaspar_counts(release)):
        index[matrix_id] = position
        index.setdefault(matrix_id.split(".")[0], position)
        index.setdefault(name.upper(), position)
    return index


def counts_to_pfm(counts: np.ndarray, pseudofrequency: float = 0.0) -> np.ndarray:
    """Turn a (4, w) count matrix into probabilities ``(f + e) / (1 + 4 e)``, ``f`` the frequencies.

    ``pseudofrequency`` (``e``) is added to the column frequencies, not to the counts, so the
    smoothing does not depend on the number of sites behind the profile.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != N_NUCLEOTIDES or counts.shape[1] == 0:
        raise ValueError(f"counts must have shape (4, w) with w >= 1, got {counts.shape}")
    column_totals = counts.sum(axis=0)
    if np.any(counts < 0) or np.any(column_totals <= 0):
        raise ValueError("counts must be non-negative with a positive total in every column")
    if not pseudofrequency >= 0:
        raise ValueError(f"pseudofrequency must be >= 0, got {pseudofrequency!r}")
    return (counts / column_totals + pseudofrequency) / (1.0 + N_NUCLEOTIDES * pseudofrequency)


def jaspar_core_vertebrates(pseudofrequency: float = 0.0, release: str = JASPAR_RELEASE) -> list[JasparMotif]:
    """All JASPAR CORE vertebrates non-redundant profiles (841 in JASPAR 2022), by matrix ID.

    With the default ``pseudofrequency=0`` the matrices equal (up to rounding) the frequencies of
    JASPAR's MEME file (``JASPAR2022_CORE_vertebrates.meme``), as used for Tomtom in the paper.
    """
    return [
        JasparMotif(mid, name, counts_to_pfm(counts, pseudofrequency)) for mid, name, counts in _jaspar_counts(release)
    ]


def _lookup(key: str, release: str) -> int:
    """Position of ``key`` (matrix ID, base ID or TF name) in the record list."""
    index = _jaspar_index(release)
    position = index.get(key, index.get(key.upper()))
    if position is None:
        close = difflib.get_close_matches(key.upper(), list(index), n=5)
        raise ValueError(f"motif {key!r} is not in {release} CORE vertebrates (non-redundant); close: {close}")
    return position


def load_jaspar_motifs(
    names_or_ids: Sequence[str], pseudofrequency: float = 0.0, release: str = JASPAR_RELEASE
) -> dict[str, JasparMotif]:
    """Look motifs up by matrix ID or TF name; return ``{requested key: JasparMotif}``.

    Raises ``ValueError`` naming an unknown key (with the closest names).
    """
    if isinstance(names_or_ids, str):
        raise ValueError(f"names_or_ids must be a list of names or IDs, got the string {names_or_ids!r}")
    records = _jaspar_counts(release)
    motifs = {}
    for key in names_or_ids:
        matrix_id, name, counts = records[_lookup(key, release)]
        motifs[key] = JasparMotif(matrix_id, name, counts_to_pfm(counts, pseudofrequency))
    return motifs


# --------------------------------------------------------------------------- presets

_COMMON_DEFAULTS = {
    "background": [0.25, 0.25, 0.25, 0.25],
    "pseudofrequency": 0.01,
    "threshold_fraction": 0.7,
    "softness": 1.0,
    "min_gap": 2,
}

#: Basset-like motif vocabulary: cell-type-specific and ubiquitous regulators whose profiles are
#: specific enough that chance sites in 600 random nucleotides are rare. Ordered from the
#: profiles whose sampled copies most often fall below the site threshold (about half of the
#: SPI1 copies) to those that rarely do (IRF4, NFKB1: about 15 %), so that the falling planting
#: rates even out the frequency of functional sites.
BASSET_MOTIFS = (
    "SPI1", "CTCF", "NRF1", "NFE2L2", "HNF1A", "TP53",
    "SRF", "CEBPB", "NR3C1", "ZNF143", "IRF4", "NFKB1",
)  # fmt: skip


def _basset_task(k: int, motifs: Sequence[str]) -> tuple[str, str, str]:
    """Grammar type and motifs (A, B) of Basset-like task ``k``.

    A cycles through ``motifs``; the grammar type cycles with ``k`` and shifts by one for every
    pass through ``motifs``; B is never A and changes from pass to pass.
    """
    n = len(motifs)
    a = motifs[k % n]
    b = motifs[(k + 1 + (n // 2 + k // n) % (n - 1)) % n]
    kind = ("single", "either", "cluster", "pair")[(k + k // n) % 4]
    return kind, a, b


def basset_like_spec(
    n_tasks: int = 16,
    motifs: Sequence[str] = BASSET_MOTIFS,
    length: int = 600,
    label_noise: float = 0.02,
) -> dict:
    """Spec of a Basset-like multi-task binary dataset (chromatin accessibility in many cell types).

    Each task has one of four grammars over motifs A and B (see :func:`_basset_task`): one site of
    A ("single"); one site of A or of B ("either"); two sites of A ("cluster"); A and B as a
    cooperative pair 3-8 nt apart ("pair"), where single sites alone are not enough. Every
    cluster (A, A) and pair (A, B) that a task needs is planted as a unit, 3-8 nt apart, at 0.14
    (clusters) or 0.12 (pairs) units per sequence (less when many tasks need them: at most 0.6
    clusters and 0.5 pairs per sequence in all). Single copies make up the rest of each motif's
    expected number of copies per sequence, which falls linearly from 0.2 (first motif) to 0.12
    (last), with at least 0.02 single copies. With the defaults, positive fractions range from
    about 6 % (cluster) to 23 % (either); with 164 tasks from about 1.5 % to 30 %.
    """
    motifs = list(motifs)
    if n_tasks < 1:
        raise ValueError(f"n_tasks must be >= 1, got {n_tasks}")
    if len(motifs) < 2:
        raise ValueError(f"motifs: need at least 2 motifs, got {motifs!r}")
    grammars = [_basset_task(k, motifs) for k in range(n_tasks)]
    clusters = list(dict.fromkeys((a, a) for kind, a, _ in grammars if kind == "cluster"))
    pairs = list(dict.fromkeys((a, b) for kind, a, b in grammars if kind == "pair"))
    unit_rules = [
        {"pair": [a, b], "spacing": [3, 8], "rate": round(min(rate, budget / len(units)), 4)}
        for units, rate, budget in ((clusters, 0.14, 0.6), (pairs, 0.12, 0.5))
        for a, b in units
    ]
    copies = dict(zip(motifs, np.linspace(0.2, 0.12, len(motifs))))
    for rule in unit_rules:
        for motif in rule["pair"]:
            copies[motif] -= rule["rate"]
    singles = [{"motifs": [m], "rate": round(max(float(c), 0.02), 4)} for m, c in copies.items()]
    planting = singles + unit_rules
    grammar_terms = {
        "single": lambda a, b: {"bias": -2.0, "terms": [{"motif": a, "weight": 4.0}]},
        "either": lambda a, b: {
            "bias": -2.0,
            "terms": [{"motif": a, "weight": 4.0}, {"motif": b, "weight": 4.0}],
        },
        "cluster": lambda a, b: {"bias": -5.0, "terms": [{"motif": a, "weight": 3.0}]},
        "pair": lambda a, b: {
            "bias": -3.0,
            "terms": [{"motif": a, "weight": 1.0}, {"motif": b, "weight": 1.0}],
            "pairs": [{"motifs": [a, b], "spacing": [3, 8], "weight": 5.0}],
        },
    }
    tasks = [
        {"name": f"task{k:03d}", "noise": label_noise, **grammar_terms[kind](a, b)}
        for k, (kind, a, b) in enumerate(grammars)
    ]
    return {
        "name": "basset_like",
        "task_type": "binary",
        "length": length,
        **_COMMON_DEFAULTS,
        "threshold_fraction": 0.6,
        "h5_layout": "upper",
        # Measured: with many tasks the cluster and pair units are diluted (budgets above).
        "positive_fraction_range": [0.05, 0.30] if n_tasks <= 16 else [0.01, 0.35],
        "planting": planting,
        "tasks": tasks,
    }


def deepstarr_like_spec(length: int = 249, noise: float = 0.3) -> dict:
    """Spec of a DeepSTARR-like two-task regression dataset (developmental, housekeeping).

    Log-activities are additive in motif occupancies with task-specific motif sets; GATA1 and
    ZBED1 sites count less on the reverse strand (orientation effects), and each task has a
    cooperative pair with a preferred spacing. Gaussian noise of standard deviation ``noise``.
    """
    developmental = ["GATA1", "FOS::JUN", "TWIST1"]
    housekeeping = ["ZBED1", "NRF1", "SP1"]
    return {
        "name": "deepstarr_like",
        "task_type": "regression",
        "length": length,
        **_COMMON_DEFAULTS,
        "h5_layout": "upper",
        "planting": [
            *({"motifs": [m], "rate": 0.5} for m in developmental + housekeeping),
            {"pair": ["FOS::JUN", "GATA1"], "spacing": [2, 6], "rate": 0.3},
            {"pair": ["ZBED1", "SP1"], "spacing": [2, 5], "rate": 0.3},
        ],
        "tasks": [
            {
                "name": "developmental",
                "bias": 0.0,
                "noise": noise,
                "terms": [
                    {"motif": "GATA1", "weight": 0.6, "reverse_scale": 0.3},
                    {"motif": "FOS::JUN", "weight": 0.8},
                    {"motif": "TWIST1", "weight": 0.4},
                ],
                "pairs": [{"motifs": ["FOS::JUN", "GATA1"], "spacing": [2, 6], "weight": 1.5}],
            },
            {
                "name": "housekeeping",
                "bias": 0.0,
                "noise": noise,
                "terms": [
                    {"motif": "ZBED1", "weight": 0.9, "reverse_scale": 0.5},
                    {"motif": "NRF1", "weight": 0.6},
                    {"motif": "SP1", "weight": 0.4},
                ],
                "pairs": [{"motifs": ["ZBED1", "SP1"], "spacing": [2, 5], "weight": 1.2}],
            },
        ],
    }


def chip_like_spec(
    tf: str,
    length: int = 200,
    positive_fraction: float = 0.5,
    label_noise: float = 0.05,
    tfs: Sequence[str] = CHIP_TFS,
) -> dict:
    """Spec of a ChIP-seq-like single-task binary dataset for transcription factor ``tf``.

    ``positive_fraction`` of the sequences carry ``1 + Poisson(1)`` copies of ``tf``'s motif;
    every sequence carries ``1 + Poisson(1)`` copies of the other ``tfs``' motifs (hard
    negatives). One good site makes a sequence positive (weight 4, bias -2); weak sites may not.
    """
    if tf not in tfs:
        raise ValueError(f"tf must be one of {tuple(tfs)}, got {tf!r}")
    others = [name for name in tfs if name != tf]
    return {
        "name": f"chip_like_{tf}",
        "task_type": "binary",
        "length": length,
        **_COMMON_DEFAULTS,
        "h5_layout": "lower",
        "positive_fraction_range": [0.25, 0.6],
        "planting": [
            {"motifs": [tf], "rate": 1.0, "min_copies": 1, "fraction": positive_fraction},
            {"motifs": others, "rate": 1.0, "min_copies": 1},
        ],
        "tasks": [{"name": tf, "bias": -2.0, "noise": label_noise, "terms": [{"motif": tf, "weight": 4.0}]}],
    }


# --------------------------------------------------------------------------- spec validation

_TOP_REQUIRED = (
    "name", "task_type", "length", "background", "pseudofrequency", "threshold_fraction",
    "softness", "min_gap", "h5_layout", "planting", "tasks",
)  # fmt: skip
_TOP_OPTIONAL = ("positive_fraction_range", "description")
_ELEMENT_OPTIONAL = ("min_copies", "fraction", "forward_fraction")
_TASK_OPTIONAL = ("terms", "pairs")
_TERM_OPTIONAL = ("reverse_scale",)
#: Values of the optional keys of planting rules, tasks and task terms when they are left out.
_DEFAULTS = {
    "min_copies": 0,
    "fraction": 1.0,
    "forward_fraction": 0.5,
    "terms": (),
    "pairs": (),
    "reverse_scale": 1.0,
}


def _option(mapping: Mapping, key: str) -> Any:
    """``mapping[key]``, or the default of the optional ``key``."""
    return mapping.get(key, _DEFAULTS[key])


def _fail(where: str, message: str) -> None:
    raise ValueError(f"spec{where}: {message}")


def _check_mapping(value: Any, where: str, required: Sequence[str], optional: Sequence[str]) -> None:
    if not isinstance(value, Mapping):
        _fail(where, f"expected a mapping, got {type(value).__name__}")
    missing = [key for key in required if key not in value]
    if missing:
        _fail(where, f"missing key(s) {missing}")
    unknown = sorted(set(value) - set(required) - set(optional))
    if unknown:
        _fail(where, f"unknown key(s) {unknown}; allowed: {sorted([*required, *optional])}")


def _check_number(
    value: Any, where: str, low: float | None = None, high: float | None = None, integer: bool = False
) -> None:
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds) or not np.isfinite(value):
        _fail(where, f"expected a finite {'integer' if integer else 'number'}, got {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        _fail(where, f"expected a value in [{low}, {high}], got {value!r}")


def _check_names(value: Any, where: str, count: int | None = None) -> None:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        _fail(where, f"expected a non-empty list of motif names or IDs, got {value!r}")
    if count is not None and len(value) != count:
        _fail(where, f"expected {count} motifs, got {len(value)}")
    for i, name in enumerate(value):
        if not isinstance(name, str):
            _fail(f"{where}[{i}]", f"expected a motif name or ID, got {name!r}")


def _check_spacing(value: Any, where: str) -> None:
    if not isinstance(value, Sequence) or len(value) != 2:
        _fail(where, f"expected [min_gap, max_gap], got {value!r}")
    _check_number(value[0], f"{where}[0]", low=0, integer=True)
    _check_number(value[1], f"{where}[1]", low=value[0], integer=True)


def _validate_element(element: Any, where: str) -> None:
    kind = "pair" if isinstance(element, Mapping) and "pair" in element else "motifs"
    required = ("pair", "spacing", "rate") if kind == "pair" else ("motifs", "rate")
    _check_mapping(element, where, required, _ELEMENT_OPTIONAL)
    if kind == "pair":
        _check_names(element["pair"], f"{where}.pair", count=2)
        _check_spacing(element["spacing"], f"{where}.spacing")
    else:
        _check_names(element["motifs"], f"{where}.motifs")
    _check_number(element["rate"], f"{where}.rate", low=0)
    _check_number(_option(element, "min_copies"), f"{where}.min_copies", low=0, integer=True)
    _check_number(_option(element, "fraction"), f"{where}.fraction", low=0, high=1)
    _check_number(_option(element, "forward_fraction"), f"{where}.forward_fraction", low=0, high=1)


def _validate_task(task: Any, where: str, task_type: str) -> None:
    _check_mapping(task, where, ("name", "bias", "noise"), _TASK_OPTIONAL)
    if not isinstance(task["name"], str) or not task["name"]:
        _fail(f"{where}.name", f"expected a non-empty string, got {task['name']!r}")
    _check_number(task["bias"], f"{where}.bias")
    _check_number(task["noise"], f"{where}.noise", low=0, high=0.5 if task_type == "binary" else None)
    terms, pairs = _option(task, "terms"), _option(task, "pairs")
    if not isinstance(terms, Sequence) or not isinstance(pairs, Sequence) or not (terms or pairs):
        _fail(where, "expected a non-empty list 'terms' and/or 'pairs'")
    for i, term in enumerate(terms):
        _check_mapping(term, f"{where}.terms[{i}]", ("motif", "weight"), _TERM_OPTIONAL)
        _check_names([term["motif"]], f"{where}.terms[{i}].motif")
        _check_number(term["weight"], f"{where}.terms[{i}].weight")
        _check_number(_option(term, "reverse_scale"), f"{where}.terms[{i}].reverse_scale")
    for i, pair in enumerate(pairs):
        _check_mapping(pair, f"{where}.pairs[{i}]", ("motifs", "spacing", "weight"), ())
        _check_names(pair["motifs"], f"{where}.pairs[{i}].motifs", count=2)
        _check_spacing(pair["spacing"], f"{where}.pairs[{i}].spacing")
        _check_number(pair["weight"], f"{where}.pairs[{i}].weight")


def _check_background(background: Any) -> None:
    if not isinstance(background, Sequence) or len(background) != N_NUCLEOTIDES:
        _fail(".background", f"expected 4 probabilities (A, C, G, T), got {background!r}")
    for i, p in enumerate(background):
        _check_number(p, f".background[{i}]", low=0, high=1)
        if p == 0:
            _fail(f".background[{i}]", "background probabilities must be positive (log-odds)")
    if abs(sum(background) - 1.0) > 1e-6:
        _fail(".background", f"probabilities must sum to 1, got {sum(background)}")


def validate_spec(spec: Mapping) -> None:
    """Check the structure and values of a dataset spec; raise ``ValueError`` naming the bad key.

    Motif names are resolved (and unknown ones reported) by :func:`compile_grammar`.
    """
    _check_mapping(spec, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    if spec["task_type"] not in ("binary", "regression"):
        _fail(".task_type", f"expected 'binary' or 'regression', got {spec['task_type']!r}")
    if spec["h5_layout"] not in ("upper", "lower"):
        _fail(".h5_layout", f"expected 'upper' or 'lower', got {spec['h5_layout']!r}")
    _check_number(spec["length"], ".length", low=1, integer=True)
    _check_background(spec["background"])
    _check_number(spec["pseudofrequency"], ".pseudofrequency", low=0)
    if spec["pseudofrequency"] == 0:
        _fail(".pseudofrequency", "must be positive (zero probabilities give infinite log-odds)")
    _check_number(spec["threshold_fraction"], ".threshold_fraction", low=0, high=1)
    _check_number(spec["softness"], ".softness", low=1e-6)
    _check_number(spec["min_gap"], ".min_gap", low=0, integer=True)
    if "positive_fraction_range" in spec:
        bounds = spec["positive_fraction_range"]
        if not isinstance(bounds, Sequence) or len(bounds) != 2:
            _fail(".positive_fraction_range", f"expected [low, high], got {bounds!r}")
        _check_number(bounds[0], ".positive_fraction_range[0]", low=0, high=1)
        _check_number(bounds[1], ".positive_fraction_range[1]", low=bounds[0], high=1)
    for key in ("planting", "tasks"):
        if not isinstance(spec[key], Sequence) or isinstance(spec[key], str) or not spec[key]:
            _fail(f".{key}", "expected a non-empty list")
    for i, element in enumerate(spec["planting"]):
        _validate_element(element, f".planting[{i}]")
    names = [task.get("name") if isinstance(task, Mapping) else None for task in spec["tasks"]]
    for i, task in enumerate(spec["tasks"]):
        _validate_task(task, f".tasks[{i}]", spec["task_type"])
        if names.index(task["name"]) != i:
            _fail(f".tasks[{i}].name", f"duplicate task name {task['name']!r}")


# --------------------------------------------------------------------------- compiled grammar


def _element_motif_keys(element: Mapping) -> list[str]:
    return list(element["pair"] if "pair" in element else element["motifs"])


def _task_motif_keys(task: Mapping) -> list[str]:
    keys = [term["motif"] for term in _option(task, "terms")]
    for pair in _option(task, "pairs"):
        keys.extend(pair["motifs"])
    return keys


@dataclass(frozen=True)
class Grammar:
    """A validated spec with its motifs resolved.

    Attributes
    ----------
    spec
        The spec (plain dict).
    motif_keys
        The motif names/IDs as written in the spec, in order of first appearance (planting rules,
        then tasks); ``planted["motif"]`` indexes this tuple.
    motifs
        The JASPAR profiles, smoothed with the spec's ``pseudofrequency``.
    log_odds
        Per motif, (4, w) log2(pfm / background), bits.
    thresholds
        (M,) float64, site thresholds in bits (``threshold_fraction`` x best possible score).
    slot_width
        Width of a planting slot (nt): the widest unit plus ``min_gap``.
    """

    spec: Mapping
    motif_keys: tuple[str, ...]
    motifs: tuple[JasparMotif, ...]
    log_odds: tuple[np.ndarray, ...]
    thresholds: np.ndarray
    slot_width: int

    @property
    def widths(self) -> np.ndarray:
        """(M,) int64 motif widths."""
        return np.array([m.pfm.shape[1] for m in self.motifs], dtype=np.int64)

    @property
    def n_slots(self) -> int:
        """Number of planting slots per sequence."""
        return int(self.spec["length"]) // self.slot_width

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(task["name"] for task in self.spec["tasks"])

    def index(self, key: str) -> int:
        """Position of motif ``key`` in :attr:`motif_keys`."""
        return self.motif_keys.index(key)


def _unit_max_width(element: Mapping, widths: Mapping[str, int]) -> int:
    if "pair" in element:
        first, second = element["pair"]
        return widths[first] + int(element["spacing"][1]) + widths[second]
    return max(widths[key] for key in element["motifs"])


def compile_grammar(spec: Mapping) -> Grammar:
    """Validate ``spec``, resolve its motifs and check that the planting units fit the sequence."""
    validate_spec(spec)
    planted_keys = [key for element in spec["planting"] for key in _element_motif_keys(element)]
    task_keys = [key for task in spec["tasks"] for key in _task_motif_keys(task)]
    keys = list(dict.fromkeys(planted_keys + task_keys))
    motifs = load_jaspar_motifs(keys, pseudofrequency=float(spec["pseudofrequency"]))
    background = np.asarray(spec["background"], dtype=np.float64)
    log_odds = tuple(np.log2(motifs[key].pfm / background[:, None]) for key in keys)
    thresholds = np.array([spec["threshold_fraction"] * lo.max(axis=0).sum() for lo in log_odds])
    widths = {key: motifs[key].pfm.shape[1] for key in keys}
    slot_width = max(_unit_max_width(e, widths) for e in spec["planting"]) + int(spec["min_gap"])
    n_slots = int(spec["length"]) // slot_width
    if n_slots < 1:
        _fail(".length", f"{spec['length']} nt cannot hold one planting unit of {slot_width} nt (with min_gap)")
    guaranteed = sum(int(_option(e, "min_copies")) for e in spec["planting"] if _option(e, "fraction") > 0)
    if guaranteed > n_slots:
        _fail(
            ".planting",
            f"min_copies add up to {guaranteed} units but a sequence has only {n_slots} slots of {slot_width} nt",
        )
    return Grammar(spec, tuple(keys), tuple(motifs[k] for k in keys), log_odds, thresholds, slot_width)


def task_motif_relevance(grammar: Grammar) -> np.ndarray:
    """(T, M) bool: whether motif ``m`` enters task ``t`` (in a term or a pair)."""
    relevance = np.zeros((len(grammar.task_names), len(grammar.motif_keys)), dtype=bool)
    for t, task in enumerate(grammar.spec["tasks"]):
        relevance[t, [grammar.index(key) for key in _task_motif_keys(task)]] = True
    return relevance


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
    for term in _option(task, "terms"):
        occ = occupancy[grammar.index(term["motif"])]
        sites = torch.maximum(occ[:, 0], _option(term, "reverse_scale") * occ[:, 1])
        activity += term["weight"] * sites.sum(dim=1)
    widths = grammar.widths
    for pair in _option(task, "pairs"):
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
    used = sorted({grammar.index(key) for task in grammar.spec["tasks"] for key in _task_motif_keys(task)})
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
        eligible = rng.random(n_sequences) < _option(element, "fraction")
        copies = int(_option(element, "min_copies")) + rng.poisson(element["rate"], n_sequences)
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
    forward = rng.random(n) < _option(element, "forward_fraction")
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
