"""Result tables of Cecil & Sugden (2023): one row per (data set, method, preprocessing).

A table is described by a list of *row specs* (built by the workflow from the config): plain
dicts whose descriptive keys (``dataset``, ``method``, ``width``, ...) become columns, plus

* ``kind``: ``"model"`` or ``"statistic"``;
* for a model: ``predictions`` (CSV of test predictions written by the training rule) and
  ``summary`` (its JSON summary: parameters, restarts, timings);
* for a statistic: ``scores`` (per-region statistics and calls of the statistics rule) and
  ``classifiers`` (JSON: threshold and direction of each statistic);
* ``note``: non-empty when the row was not run (e.g. SLiM unavailable); its numbers are NaN;
* ``reference`` (optional): the spec of a comparison method (e.g. the same network on
  row-sorted images for Table B); its accuracy becomes the column ``reference_accuracy``.

:func:`method_outputs` reads one method's test outputs (label, sweep-oriented score, call),
:func:`table_rows` evaluates every spec, :func:`pivot_markdown` and :func:`markdown_table`
render Markdown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from genomic_dl.cecil2023.evaluation import method_metrics, oriented_scores
from genomic_dl.io import read_json

__all__ = [
    "METRIC_COLUMNS",
    "PATH_KEYS",
    "markdown_table",
    "method_outputs",
    "pivot_markdown",
    "spec_paths",
    "table_rows",
]

#: Keys of a row spec that name input files (not table columns).
PATH_KEYS = ("predictions", "summary", "scores", "classifiers")

#: Columns every table gets from :func:`~genomic_dl.cecil2023.evaluation.method_metrics`.
METRIC_COLUMNS = ("accuracy", "ci_low", "ci_high", "auroc", "recall_neutral", "recall_sweep", "n_test")

#: Columns taken from a model's training summary.
SUMMARY_COLUMNS = ("n_parameters", "n_train", "n_restarts", "best_restart", "mean_epochs", "train_images_per_s")


def spec_paths(specs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every input file named by the specs and their references (in order, without repeats)."""
    paths: list[str] = []
    for spec in specs:
        for candidate in (spec, spec.get("reference") or {}):
            for key in PATH_KEYS:
                if candidate.get(key) and candidate[key] not in paths:
                    paths.append(candidate[key])
    return paths


def _read_csv(path: str, columns: Sequence[str]) -> pd.DataFrame:
    frame = pd.read_csv(path)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; found {list(frame.columns)}")
    return frame


def method_outputs(spec: Mapping[str, Any], split: str = "test") -> pd.DataFrame:
    """Outputs of one method on the test regions of its data set.

    Returns
    -------
    DataFrame indexed by region ``index`` with ``label``, ``score`` (finite, larger = more
    sweep-like: the sweep probability of a model, the oriented statistic of a statistic; see
    :func:`~genomic_dl.cecil2023.evaluation.oriented_scores`), ``raw`` (the probability
    or the statistic itself) and ``call`` (0/1).
    """
    if spec["kind"] == "model":
        frame = _read_csv(spec["predictions"], ("index", "label", "probability", "call"))
        out = pd.DataFrame(
            {"label": frame["label"], "score": frame["probability"], "raw": frame["probability"], "call": frame["call"]}
        )
        return out.set_axis(frame["index"].to_numpy()).rename_axis("index")
    if spec["kind"] != "statistic":
        raise ValueError(f"row spec kind must be 'model' or 'statistic', got {spec['kind']!r}")
    name = spec["method"]
    frame = _read_csv(spec["scores"], ("index", "label", "split", name, f"{name}_call"))
    classifiers = read_json(spec["classifiers"])
    if name not in classifiers:
        raise ValueError(f"{spec['classifiers']}: no classifier for statistic '{name}'")
    frame = frame[frame["split"] == split]
    raw = frame[name].to_numpy(dtype=np.float64)
    out = pd.DataFrame(
        {
            "label": frame["label"].to_numpy(),
            "score": oriented_scores(raw, int(classifiers[name]["direction"])),
            "raw": raw,
            "call": frame[f"{name}_call"].to_numpy(),
        }
    )
    return out.set_axis(frame["index"].to_numpy()).rename_axis("index")


def table_rows(specs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """One row per spec: its descriptive keys, :data:`METRIC_COLUMNS`, the model's training
    summary (:data:`SUMMARY_COLUMNS`, NaN for statistics) and ``note``."""
    rows = []
    for spec in specs:
        row: dict[str, Any] = {k: v for k, v in spec.items() if k not in (*PATH_KEYS, "note", "reference")}
        row.update({column: math.nan for column in (*METRIC_COLUMNS, *SUMMARY_COLUMNS)})
        reference = spec.get("reference")
        if reference is not None:
            row["reference"] = reference.get("label", "")
            row["reference_accuracy"] = math.nan
            if not reference.get("note"):
                outputs = method_outputs(reference)
                row["reference_accuracy"] = float(np.mean(outputs["label"] == outputs["call"]))
        if not spec.get("note"):
            outputs = method_outputs(spec)
            row.update(
                method_metrics(outputs["label"].to_numpy(), outputs["call"].to_numpy(), outputs["score"].to_numpy())
            )
            if spec["kind"] == "model":
                summary = read_json(spec["summary"])
                row.update({column: summary[column] for column in SUMMARY_COLUMNS})
        row["note"] = spec.get("note", "")
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(row: Mapping[str, Any]) -> str:
    if row.get("note"):
        return str(row["note"])
    return f"{row['accuracy']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def pivot_markdown(frame: pd.DataFrame, title: str, row: str, column: str, caption: str = "") -> str:
    """Markdown table of accuracies (95% CI), one row per value of ``row``, one column per value
    of ``column`` (both in order of first appearance); not-run cells show their note."""
    rows = list(dict.fromkeys(frame[row]))
    columns = list(dict.fromkeys(frame[column]))
    lines = [f"# {title}", "", f"| {row} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for value in rows:
        part = frame[frame[row] == value]
        cells = []
        for name in columns:
            match = part[part[column] == name]
            cells.append(_cell(match.iloc[0]) if len(match) else "")
        lines.append(f"| {value} | " + " | ".join(cells) + " |")
    if caption:
        lines += ["", caption]
    return "\n".join(lines) + "\n"


def markdown_table(frame: pd.DataFrame, title: str, columns: Sequence[str], caption: str = "") -> str:
    """Markdown table of ``columns`` plus "accuracy (95% CI)" and AUROC, one line per row."""
    header = [*columns, "accuracy (95% CI)", "AUROC"]
    lines = [f"# {title}", "", "| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    for _, row in frame.iterrows():
        auroc = "" if row.get("note") else f"{row['auroc']:.3f}"
        lines.append("| " + " | ".join(str(row[c]) for c in columns) + f" | {_cell(row)} | {auroc} |")
    if caption:
        lines += ["", caption]
    return "\n".join(lines) + "\n"
