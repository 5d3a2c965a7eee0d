"""The regulatory grammar of the synthetic EvoAug datasets: JASPAR 2022 motifs, the dataset specs
(presets and their validation) and the compiled grammar that :mod:`genomic_dl.evoaug2023.synthetic`
plants into sequences and scores (see that module for the model).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

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
    "jaspar_core_vertebrates",
    "load_jaspar_motifs",
    "spec_option",
    "task_motif_keys",
    "task_motif_relevance",
    "validate_spec",
]

JASPAR_RELEASE = "JASPAR2022"

#: The nine ChIP-seq TFs of EvoAug's Fig 2b-c (GM12878, ENCODE).
CHIP_TFS = ("ATF2", "BACH1", "CTCF", "ELK1", "GABPA", "MAX", "REST", "SRF", "ZNF24")

N_NUCLEOTIDES = 4
FORWARD, REVERSE = 1, -1


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


def spec_option(mapping: Mapping, key: str) -> Any:
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
    _check_number(spec_option(element, "min_copies"), f"{where}.min_copies", low=0, integer=True)
    _check_number(spec_option(element, "fraction"), f"{where}.fraction", low=0, high=1)
    _check_number(spec_option(element, "forward_fraction"), f"{where}.forward_fraction", low=0, high=1)


def _validate_task(task: Any, where: str, task_type: str) -> None:
    _check_mapping(task, where, ("name", "bias", "noise"), _TASK_OPTIONAL)
    if not isinstance(task["name"], str) or not task["name"]:
        _fail(f"{where}.name", f"expected a non-empty string, got {task['name']!r}")
    _check_number(task["bias"], f"{where}.bias")
    _check_number(task["noise"], f"{where}.noise", low=0, high=0.5 if task_type == "binary" else None)
    terms, pairs = spec_option(task, "terms"), spec_option(task, "pairs")
    if not isinstance(terms, Sequence) or not isinstance(pairs, Sequence) or not (terms or pairs):
        _fail(where, "expected a non-empty list 'terms' and/or 'pairs'")
    for i, term in enumerate(terms):
        _check_mapping(term, f"{where}.terms[{i}]", ("motif", "weight"), _TERM_OPTIONAL)
        _check_names([term["motif"]], f"{where}.terms[{i}].motif")
        _check_number(term["weight"], f"{where}.terms[{i}].weight")
        _check_number(spec_option(term, "reverse_scale"), f"{where}.terms[{i}].reverse_scale")
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


def task_motif_keys(task: Mapping) -> list[str]:
    keys = [term["motif"] for term in spec_option(task, "terms")]
    for pair in spec_option(task, "pairs"):
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
    task_keys = [key for task in spec["tasks"] for key in task_motif_keys(task)]
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
    guaranteed = sum(int(spec_option(e, "min_copies")) for e in spec["planting"] if spec_option(e, "fraction") > 0)
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
        relevance[t, [grammar.index(key) for key in task_motif_keys(task)]] = True
    return relevance
