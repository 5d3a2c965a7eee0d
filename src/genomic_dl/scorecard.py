"""Reproduction scorecard: each claim of the papers checked against the workflow's result tables.

A claim (one entry of ``config/claims.yaml``, validated by ``workflow/schemas/claims.schema.yaml``)
names a result table (CSV), selects one row of it (``ours.where``: column -> value) and a
column (``ours.column``; ``ours.sd_column`` optional), and compares that value with a
reference: the paper's number (``paper_value``), a fixed number stated in the claim
(``compare.value``, e.g. a threshold) or another cell of the same table (``compare.other``),
with one of the operators

* ``within``: ``|ours - reference| <= tolerance``;
* ``at_least``: ``ours >= reference - tolerance``;
* ``at_most``: ``ours <= reference + tolerance``;
* ``greater_than``: ``ours > reference + tolerance`` (a margin);
* ``less_than``: ``ours < reference - tolerance``.

The outcome is ``PASS``, ``FAIL`` or ``NOT RUN``: the table was not built in this run (the
claim's ``requires`` text says why, e.g. SLiM unavailable or real data not downloaded), or a
compared cell is NaN: the row's own ``note`` (e.g. "not run (SLiM unavailable: config slim =
skip)") says why when the table has one, otherwise the measure is undefined for these data (e.g.
ground truth on real data).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from genomic_dl.io import atomic_path

OPERATORS = {
    "within": lambda ours, ref, tol: abs(ours - ref) <= tol,
    "at_least": lambda ours, ref, tol: ours >= ref - tol,
    "at_most": lambda ours, ref, tol: ours <= ref + tol,
    "greater_than": lambda ours, ref, tol: ours > ref + tol,
    "less_than": lambda ours, ref, tol: ours < ref - tol,
}
OPERATOR_TEXT = {
    "within": ("within ±{tol} of", "equal to"),
    "at_least": ("≥ (−{tol})", "≥"),
    "at_most": ("≤ (+{tol})", "≤"),
    "greater_than": ("> (+{tol})", ">"),
    "less_than": ("< (−{tol})", "<"),
}
COLUMNS = [
    "id",
    "paper",
    "figure",
    "claim",
    "ours",
    "ours_sd",
    "reference",
    "reference_is",
    "comparison",
    "paper_value",
    "status",
    "note",
    "table",
]


def _select_row(table: pd.DataFrame, where: Mapping[str, Any], column: str, source: str) -> pd.Series:
    """The single row of ``table`` matching every ``where`` item (``column`` must exist)."""
    for key in (*where, column):
        if key not in table.columns:
            raise ValueError(f"{source}: no column '{key}' (columns: {list(table.columns)})")
    mask = pd.Series(True, index=table.index)
    for key, value in where.items():
        mask &= table[key].astype(str) == str(value)
    rows = table[mask]
    if len(rows) != 1:
        raise ValueError(f"{source}: {len(rows)} rows match {dict(where)}; a claim must select exactly one")
    return rows.iloc[0]


def select_cell(table: pd.DataFrame, where: Mapping[str, Any], column: str, source: str) -> float:
    """The value of ``column`` in the single row of ``table`` matching every ``where`` item."""
    return float(_select_row(table, where, column, source)[column])


def _row_note(selected: pd.Series) -> str:
    """A selected row's ``note`` (why a result table left a cell empty), or ""."""
    note = selected.get("note")
    return note if isinstance(note, str) else ""


def evaluate_claim(claim: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """One scorecard row (see :data:`COLUMNS`) for ``claim``; ``tables`` maps path -> loaded CSV."""
    ours_spec, compare = claim["ours"], claim["compare"]
    row = {
        "id": claim["id"],
        "paper": claim["paper"],
        "figure": claim["figure"],
        "claim": claim["claim"],
        "paper_value": claim.get("paper_value"),
        "table": claim["table"],
        "ours": math.nan,
        "ours_sd": math.nan,
        "reference": math.nan,
        "note": claim.get("note", ""),
    }
    tolerance = compare.get("tolerance", 0.0)
    with_tolerance, without = OPERATOR_TEXT[compare["op"]]
    row["comparison"] = with_tolerance.format(tol=tolerance) if tolerance else without
    row["reference_is"] = (
        _describe(compare["other"]) if "other" in compare else "stated" if "value" in compare else "paper"
    )
    table = tables.get(claim["table"])
    if table is None:
        return {**row, "status": "NOT RUN", "note": f"not run ({claim.get('requires', 'target not built')})"}
    source = f"claim {claim['id']} ({claim['table']})"
    ours_row = _select_row(table, ours_spec.get("where", {}), ours_spec["column"], source)
    selected = [ours_row]
    ours = float(ours_row[ours_spec["column"]])
    sd = (
        select_cell(table, ours_spec.get("where", {}), ours_spec["sd_column"], source)
        if "sd_column" in ours_spec
        else math.nan
    )
    if "other" in compare:
        other_row = _select_row(table, compare["other"].get("where", {}), compare["other"]["column"], source)
        selected.append(other_row)
        reference = float(other_row[compare["other"]["column"]])
    elif "value" in compare:
        reference = compare["value"]
    else:
        reference = claim.get("paper_value")
        if reference is None:
            raise ValueError(f"{source}: compare has no 'other' or 'value' and the claim has no paper_value")
    if math.isnan(ours) or math.isnan(float(reference)):
        notes = [note for selected_row in selected if (note := _row_note(selected_row))]
        return {
            **row,
            "ours": ours,
            "ours_sd": sd,
            "reference": float(reference),
            "status": "NOT RUN",
            "note": notes[0] if notes else "not run (no value in this run: the measure is undefined for these data)",
        }
    passed = OPERATORS[compare["op"]](ours, float(reference), tolerance)
    return {**row, "ours": ours, "ours_sd": sd, "reference": float(reference), "status": "PASS" if passed else "FAIL"}


def _describe(other: Mapping[str, Any]) -> str:
    where = ", ".join(f"{key}={value}" for key, value in other.get("where", {}).items())
    return f"ours [{where}] {other['column']}"


def scorecard(claims: Sequence[Mapping[str, Any]], available: Sequence[str]) -> pd.DataFrame:
    """Evaluate every claim; ``available`` lists the result tables built in this run."""
    ids = [claim["id"] for claim in claims]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"config/claims.yaml: duplicated claim ids {duplicated}")
    tables = {path: pd.read_csv(path) for path in available}
    return pd.DataFrame([evaluate_claim(claim, tables) for claim in claims], columns=COLUMNS)


def _number(value: float, sd: float = math.nan) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.3g}"
    return text if math.isnan(sd) else f"{text} ± {sd:.2g}"


def write_markdown(card: pd.DataFrame, path: str | os.PathLike, title: str) -> None:
    """``results/scorecard.md``: counts per status, then one table per paper."""
    counts = card["status"].value_counts()
    lines = [
        f"# {title}",
        "",
        " · ".join(f"**{status}** {counts.get(status, 0)}" for status in ("PASS", "FAIL", "NOT RUN")),
        "",
    ]
    for paper, part in card.groupby("paper", sort=False):
        lines += [
            f"## {paper}",
            "",
            "| claim | figure | ours (mean ± sd) | comparison | reference | paper | status | note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for _, row in part.iterrows():
            reference = (
                _number(row["reference"])
                if row["reference_is"] == "paper"
                else f"{_number(row['reference'])} ({row['reference_is']})"
            )
            lines.append(
                f"| {row['claim']} | {row['figure']} | {_number(row['ours'], row['ours_sd'])} | {row['comparison']} | "
                f"{reference} | {_number(row['paper_value'])} | **{row['status']}** | {row['note']} |"
            )
        lines.append("")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines))
