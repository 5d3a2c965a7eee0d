"""EvoAug Fig 1d inputs: the variant sets (the synthetic analog of CAGI5, or CAGI5 elements on hg19)
and their scoring by a trained model; the analysis of the scores is in
:mod:`genomic_dl.evoaug2023.variant_effects`."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from genomic_dl.evoaug2023.filters import (
    ALPHABET,
)
from genomic_dl.evoaug2023.grammar import compile_grammar
from genomic_dl.evoaug2023.interpretation import TestData, append_tail, planted_position_mask
from genomic_dl.evoaug2023.synthetic import true_activity
from genomic_dl.evoaug2023.variant_effects import (
    WINDOW_WIDTH,
    check_reference_alleles,
    element_window,
    saturation_mutagenesis,
    score_variants,
    substitute_alleles,
)

__all__ = [
    "VariantSet",
    "cagi5_variant_set",
    "one_hot_dna",
    "read_fasta",
    "score_variant_set",
    "synthetic_variant_set",
]


# --------------------------------------------------------------------------- Fig 1d: variant effects


@dataclass
class VariantSet:
    """Regulatory elements and their single-nucleotide variants with measured effects.

    Attributes
    ----------
    x_ref
        ``(E, 4, W)`` uint8 reference windows (one per element).
    variants
        One row per variant: ``element`` (name), ``element_index`` (into ``x_ref``),
        ``position`` (0-based in the window), ``ref``, ``alt`` (bases), ``measured`` (effect),
        and for the synthetic analog ``true_effect`` (noiseless).
    """

    x_ref: np.ndarray
    variants: pd.DataFrame

    @property
    def element_names(self) -> list[str]:
        return list(dict.fromkeys(self.variants["element"]))

    def save(self, path: str | os.PathLike) -> None:
        """Write ``x_ref`` and the table to one ``.npz`` archive, atomically."""
        from genomic_dl.io import save_arrays

        columns = {f"column_{name}": self.variants[name].to_numpy() for name in self.variants.columns}
        columns = {key: (value.astype(str) if value.dtype == object else value) for key, value in columns.items()}
        save_arrays(path, {"columns": list(self.variants.columns)}, x_ref=self.x_ref, **columns)

    @classmethod
    def load(cls, path: str | os.PathLike) -> VariantSet:
        """Read a file written by :meth:`save` (errors name the file)."""
        from genomic_dl.io import load_arrays

        arrays, metadata = load_arrays(path, required=("x_ref",))
        try:
            table = pd.DataFrame({name: arrays[f"column_{name}"] for name in metadata["columns"]})
        except KeyError as error:
            raise ValueError(f"{path}: not a variant set (missing {error})") from error
        return cls(x_ref=arrays["x_ref"], variants=table)


def _task_mean_probability(activity: np.ndarray) -> np.ndarray:
    """Binary tasks: mean over tasks of ``sigmoid(activity)``, ``(N,)`` float64."""
    return (1.0 / (1.0 + np.exp(-np.asarray(activity, dtype=np.float64)))).mean(axis=1)


def synthetic_variant_set(
    data: TestData,
    *,
    n_elements: int,
    element_width: int,
    relative_noise_sd: float,
    rng: np.random.Generator,
    device: Any = "cpu",
) -> VariantSet:
    """The offline analog of CAGI5: saturation mutagenesis of synthetic regulatory elements.

    Elements are the test sequences with at least one planted site of a task-relevant motif
    whose mean predicted-by-grammar accessibility (mean over tasks of ``sigmoid(activity)``) is
    highest. In each, every single-nucleotide variant of the window of ``element_width`` nt
    that covers the most planted motif nucleotides (the first such window) is made. Its true effect is
    ``log(p_alt / p_ref)`` with ``p`` the task-mean ``sigmoid`` of the generator's
    :func:`~genomic_dl.evoaug2023.synthetic.true_activity` (the same score the models get), and the
    measured effect adds Gaussian measurement noise of standard deviation ``relative_noise_sd``
    times the standard deviation of all true effects (so that the noise ceiling of Pearson's r,
    about ``1 / sqrt(1 + relative_noise_sd^2)``, does not depend on the data's effect sizes).

    Parameters
    ----------
    data
        Synthetic test data of a binary-task dataset (Basset- or ChIP-like).
    n_elements
        Number of elements (CAGI5: 15).
    element_width
        Mutated nucleotides per element (CAGI5 elements: 187-600 nt).
    relative_noise_sd
        Measurement noise relative to the spread of the true effects.
    rng
        Draws the noise.
    """
    if not data.synthetic or data.spec["task_type"] != "binary":
        raise ValueError(
            "the synthetic variant-effect analog needs synthetic data with binary tasks (Basset- or ChIP-like)"
        )
    length = data.x.shape[-1]
    if not 1 <= element_width <= length:
        raise ValueError(f"element_width must be in [1, {length}], got {element_width}")
    if n_elements < 1 or relative_noise_sd < 0:
        raise ValueError(f"n_elements must be >= 1 and relative_noise_sd >= 0, got {n_elements}, {relative_noise_sd}")
    planted = data.planted
    relevant = planted["tasks"].any(axis=1)
    candidates = np.unique(planted["sequence"][relevant])
    if len(candidates) < n_elements:
        raise ValueError(f"only {len(candidates)} test sequences carry a planted site; n_elements is {n_elements}")
    probability = _task_mean_probability(data.activity[candidates])
    chosen = candidates[np.argsort(-probability, kind="stable")[:n_elements]]
    relevant_sites = {key: values[relevant] for key, values in planted.items()}
    covered = planted_position_mask(relevant_sites, compile_grammar(data.spec).widths, chosen, length)  # (E, L)
    cumulative = np.pad(np.cumsum(covered, axis=1), ((0, 0), (1, 0)))
    starts = np.argmax(cumulative[:, element_width:] - cumulative[:, :-element_width], axis=1)  # first best window
    rows, x_ref = [], data.x[chosen]
    for element_index, start in enumerate(starts):
        variants, table = saturation_mutagenesis(x_ref[element_index])
        inside = ((table["position"] >= start) & (table["position"] < start + element_width)).to_numpy()
        p_alt = _task_mean_probability(true_activity(data.spec, variants[inside], device=device))
        p_ref = _task_mean_probability(true_activity(data.spec, x_ref[element_index][None], device=device))
        table = table[inside].reset_index(drop=True)
        table.insert(0, "element_index", element_index)
        table.insert(0, "element", f"element{element_index:02d}")
        table["true_effect"] = np.log(p_alt / p_ref[0])
        rows.append(table)
    variants = pd.concat(rows, ignore_index=True)
    noise_sd = relative_noise_sd * variants["true_effect"].std()
    variants["measured"] = variants["true_effect"] + noise_sd * rng.standard_normal(len(variants))
    variants["sequence_index"] = chosen[variants["element_index"].to_numpy()]
    return VariantSet(x_ref=x_ref.astype(np.uint8), variants=variants)


def one_hot_dna(sequence: str) -> np.ndarray:
    """``(4, L)`` uint8 one-hot of a DNA string (any case); other letters (N) are all-zero columns."""
    codes = np.frombuffer(sequence.upper().encode("ascii"), dtype=np.uint8)
    letters = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
    return (codes[None, :] == letters[:, None]).astype(np.uint8)


def read_fasta(path: str | os.PathLike) -> dict[str, str]:
    """All records of a (gzipped or plain) FASTA file: ``{name: sequence}``; the name is the
    first word after ``>`` without a ``chr`` prefix."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    records: dict[str, list[str]] = {}
    current = None
    with opener(path, "rt") as handle:
        for line in handle:
            if line.startswith(">"):
                current = line[1:].split()[0].removeprefix("chr") if line[1:].strip() else ""
                if not current:
                    raise ValueError(f"{path}: FASTA header without a name")
                records[current] = []
            elif current is None:
                if line.strip():
                    raise ValueError(f"{path}: sequence before the first FASTA header")
            else:
                records[current].append(line.strip())
    if not records:
        raise ValueError(f"{path}: no FASTA records")
    return {name: "".join(parts) for name, parts in records.items()}


def cagi5_variant_set(
    tables: Sequence[pd.DataFrame], chromosomes: Mapping[str, str], width: int = WINDOW_WIDTH
) -> VariantSet:
    """CAGI5 elements as a :class:`VariantSet`: a ``width``-nt hg19 window centred on each element.

    Parameters
    ----------
    tables
        One table per element from :func:`~genomic_dl.evoaug2023.variant_effects.parse_cagi5`
        (1-based hg19 positions; all rows of a table on one chromosome).
    chromosomes
        ``{chromosome name without 'chr': sequence}`` covering the elements' chromosomes.
    width
        Window length (paper: 600).

    Raises
    ------
    ValueError
        If a chromosome is missing, a window holds an N, or the file's reference alleles
        disagree with the genome (wrong assembly or coordinates).
    """
    windows, rows = [], []
    for index, table in enumerate(tables):
        element = str(table["element"].iloc[0])
        chroms = table["chrom"].unique()
        if len(chroms) != 1 or chroms[0] not in chromosomes:
            raise ValueError(
                f"CAGI5 element {element}: chromosome(s) {list(chroms)} not all among {sorted(chromosomes)}"
            )
        start, offsets = element_window(table["pos"].to_numpy(), width)
        sequence = chromosomes[chroms[0]][start : start + width]
        window = one_hot_dna(sequence)
        if window.shape[1] != width or (window.sum(axis=0) != 1).any():
            raise ValueError(
                f"CAGI5 element {element}: the {width}-nt window at chr{chroms[0]}:{start + 1} "
                "runs off the chromosome or contains N"
            )
        try:
            check_reference_alleles(window, offsets, table["ref"].to_numpy())
        except ValueError as error:
            raise ValueError(f"CAGI5 element {element}: {error}") from None
        windows.append(window)
        rows.append(
            pd.DataFrame(
                {
                    "element": element,
                    "element_index": index,
                    "position": offsets,
                    "ref": table["ref"].to_numpy(),
                    "alt": table["alt"].to_numpy(),
                    "measured": table["value"].to_numpy(dtype=np.float64),
                }
            )
        )
    return VariantSet(x_ref=np.stack(windows), variants=pd.concat(rows, ignore_index=True))


def score_variant_set(
    predict_fn: Callable[[np.ndarray], np.ndarray], variant_set: VariantSet, tail: np.ndarray | None = None
) -> np.ndarray:
    """Predicted effect ``log(alt / ref)`` of the task-mean prediction of every variant, ``(M,)``.

    ``tail`` ``(4, P)``: 3' padding appended to the reference and every variant alike.
    """
    tail = np.zeros((len(ALPHABET), 0), dtype=np.float32) if tail is None else tail
    variants = variant_set.variants
    predicted = np.full(len(variants), np.nan)
    for index in np.unique(variants["element_index"]):
        rows = np.flatnonzero(variants["element_index"].to_numpy() == index)
        x_alt = substitute_alleles(
            variant_set.x_ref[index], variants["position"].to_numpy()[rows], variants["alt"].to_numpy()[rows]
        )
        predicted[rows] = score_variants(
            predict_fn, append_tail(variant_set.x_ref[index], tail), append_tail(x_alt, tail)
        )
    return predicted
