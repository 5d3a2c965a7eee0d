"""Reproduction scorecard: each claim of the papers checked against the workflow's result tables.

A claim (one entry of ``config/claims.yaml``, validated by ``workflow/schemas/claims.schema.yaml``)
names a result table (CSV), selects one row of it (``ours.where``: column -> value) and a
column (``ours.column``), and compares that value with a reference: the paper's number
(``paper_value``), a fixed number stated in the claim (``compare.value``, e.g. chance) or another
cell of the same table (``compare.other``).

Verdicts respect noise. Each compared cell carries an uncertainty (``noise``):

* ``seeds``: a mean over ``n`` seeds with sd ``sd_column`` (n from ``n_column``, default
  ``n_seeds``); two such cells are compared with Welch's t (Welch-Satterthwaite df), one against
  a fixed number with a one-sample t. With one seed the noise is unknown: INCONCLUSIVE.
* ``binomial``: a proportion (accuracy, agreement) on one test set of ``n`` (default ``n_test``):
  the Wilson score interval (the tables' ``ci_low``/``ci_high`` are its 95% version); a
  difference of two uses Newcombe's hybrid score interval (MOVER; the two proportions are
  treated as independent, which is conservative for two methods on the same test set).
* ``correlation``: a Spearman/Pearson r on ``n`` pairs: Fisher's z interval; differences by MOVER.
* ``none``: a number without a noise model (a posterior summary, a weight map): compared as it
  is (the row says so).

Every decision uses the 90% two-sided interval [L, U] of ``ours - reference`` (= one-sided tests
at alpha 0.05; for ``within`` it is the two one-sided tests, TOST, at alpha 0.05) against the
claim's ``margin`` m (``compare.tolerance``, 0 when absent):

=================  ===================  ===================  ==========================
operator           PASS                 FAIL                 otherwise
=================  ===================  ===================  ==========================
``greater_than``   L > m                U <= m               INCONCLUSIVE
``less_than``      U < -m               L >= -m              INCONCLUSIVE
``at_least``       L >= -m              U < -m               INCONCLUSIVE
``at_most``        U <= m               L > m                INCONCLUSIVE
``within``         -m <= L and U <= m   U < -m or L > m      INCONCLUSIVE (equivalence)
=================  ===================  ===================  ==========================

A difference inside the noise is therefore INCONCLUSIVE, never PASS. ``NOT RUN``: the table was
not built in this run (the claim's ``requires`` says why, e.g. SLiM unavailable), the claim is
``not_run`` by design (its text says why, e.g. our experiment does not follow the paper's
definition), or a compared cell is NaN (the row's ``note`` says why when the table has one).

Verdicts are a pure function of the result tables' numbers. Claims marked ``timing: true`` compare
wall-clock times, which differ between identical runs: they are listed as timings and left out
of the verdict counts. ``budget`` names the training experiment behind a claim; the rule passes
:func:`training_budgets` of the run's config so that every row shows the training examples seen
as a fraction of the paper's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats

from genomic_dl.io import atomic_path

VERDICTS = ("PASS", "FAIL", "INCONCLUSIVE", "NOT RUN")
#: two-sided level of every interval: one-sided tests and TOST at alpha = 0.05
LEVEL = 0.90
Z = stats.norm.ppf(0.5 + LEVEL / 2)
OPERATOR_TEXT = {
    "within": "equivalent (±{m})",
    "at_least": "≥ (−{m})",
    "at_most": "≤ (+{m})",
    "greater_than": "> (+{m})",
    "less_than": "< (−{m})",
}
NOISE_TEXT = {
    "seeds": "seeds (Welch t)",
    "binomial": "test set (Wilson)",
    "correlation": "test set (Fisher z)",
    "none": "no noise model",
}
COLUMNS = [
    "id",
    "paper",
    "figure",
    "claim",
    "paper_quote",
    "ours",
    "ours_sd",
    "reference",
    "reference_is",
    "comparison",
    "noise",
    "diff_low",
    "diff_high",
    "paper_value",
    "status",
    "counted",
    "budget",
    "budget_ours",
    "budget_paper",
    "budget_fraction",
    "budget_class",
    "note",
    "table",
]
BUDGET_CLASSES = ("paper (≥ 90%)", "reduced (10–90%)", "small (< 10%)", "unknown")


def decide(op: str, low: float, high: float, margin: float = 0.0) -> str:
    """PASS / FAIL / INCONCLUSIVE for the interval [low, high] of ``ours - reference``."""
    m = margin
    if op == "greater_than":
        return "PASS" if low > m else "FAIL" if high <= m else "INCONCLUSIVE"
    if op == "less_than":
        return "PASS" if high < -m else "FAIL" if low >= -m else "INCONCLUSIVE"
    if op == "at_least":
        return "PASS" if low >= -m else "FAIL" if high < -m else "INCONCLUSIVE"
    if op == "at_most":
        return "PASS" if high <= m else "FAIL" if low > m else "INCONCLUSIVE"
    if op == "within":
        return "PASS" if -m <= low and high <= m else "FAIL" if high < -m or low > m else "INCONCLUSIVE"
    raise ValueError(f"unknown operator {op!r}")


def wilson_interval(p: float, n: float, z: float = Z) -> tuple[float, float]:
    """Wilson score interval of a proportion ``p`` observed on ``n`` trials."""
    if not n or n <= 0 or math.isnan(n):
        return (-math.inf, math.inf)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half, centre + half)


def fisher_interval(r: float, n: float, z: float = Z) -> tuple[float, float]:
    """Fisher z interval of a correlation ``r`` on ``n`` pairs."""
    if not n or n <= 3 or math.isnan(n):
        return (-math.inf, math.inf)
    r = min(max(r, -0.999999), 0.999999)
    centre, half = math.atanh(r), z / math.sqrt(n - 3)
    return (math.tanh(centre - half), math.tanh(centre + half))


def _seed_se(sd: float, n: float) -> tuple[float, float]:
    """(standard error, degrees of freedom) of a mean over ``n`` seeds; NaN when n < 2."""
    if math.isnan(n) or n < 2 or math.isnan(sd):
        return (math.nan, math.nan)
    return (sd / math.sqrt(n), n - 1)


def cell_interval(cell: Mapping[str, float]) -> tuple[float, float]:
    """The LEVEL interval of one cell (``value``, ``noise``, ``sd``, ``n``)."""
    value, noise = cell["value"], cell["noise"]
    if noise == "none":
        return (value, value)
    if noise == "binomial":
        return wilson_interval(value, cell["n"])
    if noise == "correlation":
        return fisher_interval(value, cell["n"])
    se, df = _seed_se(cell["sd"], cell["n"])
    if math.isnan(se):
        return (-math.inf, math.inf)
    half = stats.t.ppf(0.5 + LEVEL / 2, df) * se if se > 0 else 0.0
    return (value - half, value + half)


def difference_interval(ours: Mapping[str, float], ref: Mapping[str, float]) -> tuple[float, float]:
    """The LEVEL interval of ``ours - ref``: Welch for two seed means, else MOVER (Newcombe)."""
    d = ours["value"] - ref["value"]
    if ours["noise"] == "seeds" and ref["noise"] == "seeds":
        (se1, _), (se2, _) = _seed_se(ours["sd"], ours["n"]), _seed_se(ref["sd"], ref["n"])
        if math.isnan(se1) or math.isnan(se2):
            return (-math.inf, math.inf)
        se = math.hypot(se1, se2)
        if se == 0:
            return (d, d)
        df = se**4 / (se1**4 / (ours["n"] - 1) + se2**4 / (ref["n"] - 1))
        half = stats.t.ppf(0.5 + LEVEL / 2, df) * se
        return (d - half, d + half)
    l1, u1 = cell_interval(ours)
    l2, u2 = cell_interval(ref)
    p1, p2 = ours["value"], ref["value"]
    return (d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2))


def budget_class(fraction: float) -> str:
    if fraction is None or math.isnan(fraction):
        return BUDGET_CLASSES[3]
    return BUDGET_CLASSES[0] if fraction >= 0.9 else BUDGET_CLASSES[1] if fraction >= 0.1 else BUDGET_CLASSES[2]


def training_budgets(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Training examples seen (with repeats over epochs) per experiment, ours and the paper's.

    From the config's sizes; the paper's from its Methods: ImaGene 9 simulation batches of
    5,000 per class seen once (batch 32); Cecil & Sugden 80,000 training regions x 2 epochs
    (batch 64); ImaGene Figs 5-6 the 2,005,000 simulations the paper reports in total; EvoAug the
    full training set x 100 epochs at most (early stopping; Basset
    437,478, DeepSTARR ~402,000 sequences; ChIP-seq sizes not stated). Epoch counts under
    early stopping are upper bounds on both sides.
    """
    budgets: dict[str, dict[str, Any]] = {}
    per_shard = config.get("simulation", {}).get("replicates_per_shard", 1000)
    imagene = config.get("imagene", {})
    training = imagene.get("training", {})
    epochs = training.get("max_epochs", 1) if training.get("strategy") == "epochs" else 1
    for name, classes in (("fig3", 2), ("fig4", 3)):
        shards = imagene.get(name, {}).get("train_shards")
        if shards is not None:
            budgets[f"imagene_{name}"] = {
                "ours": shards * per_shard * classes * epochs,
                "paper": 9 * 5000 * classes,
            }
    if "fig5" in imagene:
        # paper: "A total of 2,005,000 simulations" (all batches; an upper bound on training examples)
        budgets["imagene_fig5"] = {
            "ours": imagene["fig5"].get("train_shards", 0) * per_shard * epochs,
            "paper": 2_005_000,
        }
    cecil = config.get("cecil2023", {})
    if cecil:
        datasets = cecil.get("datasets", {})
        shards = next((d.get("shards", 1) for d in datasets.values() if isinstance(d, Mapping)), 1)
        split = cecil.get("split", [0.8, 0.1, 0.1])[0]
        n_train = shards * per_shard * 2 * split
        budgets["cecil"] = {"ours": n_train * cecil.get("training", {}).get("epochs", 2), "paper": 80_000 * 2}
    evoaug = config.get("evoaug", {})
    if evoaug:
        data = evoaug.get("data", {})
        synthetic = data.get("source", "synthetic") == "synthetic"
        split = data.get("synthetic", {}).get("split", [0.7, 0.1, 0.2])[0]
        epochs = evoaug.get("training", {}).get("max_epochs", 100)
        for name, paper_size in (("basset", 437_478), ("deepstarr", 402_000), ("chip", None)):
            n = data.get("synthetic", {}).get(name, {}).get("n_sequences") if synthetic else paper_size
            ours = None if n is None else n * (split if synthetic else 1) * epochs
            paper = None if paper_size is None else paper_size * 100
            if not synthetic:  # the paper's data: only the epoch cap differs
                ours, paper = epochs, 100
            budgets[f"evoaug_{name}"] = {"ours": ours, "paper": paper}
    for budget in budgets.values():
        ours, paper = budget["ours"], budget["paper"]
        budget["fraction"] = ours / paper if ours is not None and paper else math.nan
    return budgets


class MissingRow(ValueError):
    """No row of a result table matches a claim's selection (e.g. a TF the preset leaves out)."""


def _select_row(table: pd.DataFrame, where: Mapping[str, Any], column: str, source: str) -> pd.Series:
    """The single row of ``table`` matching every ``where`` item (``column`` must exist)."""
    for key in (*where, column):
        if key not in table.columns:
            raise ValueError(f"{source}: no column '{key}' (columns: {list(table.columns)})")
    mask = pd.Series(True, index=table.index)
    for key, value in where.items():
        mask &= table[key].astype(str) == str(value)
    rows = table[mask]
    if len(rows) == 0:
        raise MissingRow(f"{source}: no row matches {dict(where)} in this run's table")
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


def _cell(table: pd.DataFrame, spec: Mapping[str, Any], source: str) -> tuple[dict[str, Any], pd.Series]:
    """The value of a claim's cell with its noise model (see the module docstring)."""
    selected = _select_row(table, spec.get("where", {}), spec["column"], source)
    noise = spec.get("noise")
    if noise is None:
        noise = "seeds" if "sd_column" in spec else "binomial" if {"ci_low", "n_test"} <= set(table.columns) else "none"
    n_column = spec.get("n_column", "n_seeds" if noise == "seeds" else "n_test")
    cell = {"value": float(selected[spec["column"]]), "noise": noise, "sd": math.nan, "n": math.nan}
    if noise == "seeds":
        cell["sd"] = float(selected[spec["sd_column"]]) if "sd_column" in spec else math.nan
    if noise != "none":
        if n_column not in table.columns:
            raise ValueError(f"{source}: noise '{noise}' needs column '{n_column}'")
        cell["n"] = float(selected[n_column])
    return cell, selected


def _log10_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """A cell on the log10 scale (seeds: delta-method sd); a ratio claim becomes a difference."""
    value = cell["value"]
    if not value > 0:
        return {**cell, "value": math.nan}
    if cell["noise"] in ("binomial", "correlation"):
        raise ValueError("scale log10 is for positive quantities without a bounded noise model")
    return {**cell, "value": math.log10(value), "sd": cell["sd"] / (value * math.log(10))}


def evaluate_claim(
    claim: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    budgets: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """One scorecard row (see :data:`COLUMNS`) for ``claim``; ``tables`` maps path -> loaded CSV."""
    ours_spec, compare = claim["ours"], claim["compare"]
    budget = (budgets or {}).get(claim.get("budget", ""), {})
    fraction = budget.get("fraction", math.nan) if budget else math.nan
    margin = compare.get("tolerance", 0.0)
    row = {
        "id": claim["id"],
        "paper": claim["paper"],
        "figure": claim["figure"],
        "claim": claim["claim"],
        "paper_quote": claim.get("quote", ""),
        "paper_value": claim.get("paper_value"),
        "table": claim["table"],
        "ours": math.nan,
        "ours_sd": math.nan,
        "reference": math.nan,
        "diff_low": math.nan,
        "diff_high": math.nan,
        "noise": "",
        "note": claim.get("note", ""),
        "comparison": _offset_text(compare) + OPERATOR_TEXT[compare["op"]].format(m=margin)
        if margin
        else OPERATOR_TEXT[compare["op"]].split(" (")[0],
        "reference_is": (
            _describe(compare["other"]) if "other" in compare else "stated" if "value" in compare else "paper"
        ),
        "counted": not claim.get("timing", False),
        "budget": claim.get("budget", ""),
        "budget_ours": budget.get("ours") if budget else None,
        "budget_paper": budget.get("paper") if budget else None,
        "budget_fraction": fraction,
        "budget_class": budget_class(fraction) if claim.get("budget") else "",
    }
    if "not_run" in claim:
        return {**row, "status": "NOT RUN", "note": f"not run ({claim['not_run']})"}
    table = tables.get(claim["table"])
    if table is None:
        return {**row, "status": "NOT RUN", "note": f"not run ({claim.get('requires', 'target not built')})"}
    source = f"claim {claim['id']} ({claim['table']})"
    try:
        ours, ours_row = _cell(table, ours_spec, source)
        selected = [ours_row]
        if "other" in compare:
            ref, other_row = _cell(table, compare["other"], source)
            selected.append(other_row)
    except MissingRow as error:
        return {**row, "status": "NOT RUN", "note": f"not run ({error}; the preset builds a subset)"}
    if "other" not in compare:
        value = compare.get("value", claim.get("paper_value"))
        if value is None:
            raise ValueError(f"{source}: compare has no 'other' or 'value' and the claim has no paper_value")
        ref = {"value": float(value), "noise": "none", "sd": math.nan, "n": math.nan}
    noises = sorted({ours["noise"], ref["noise"]} - {"none"}) or ["none"]
    row.update(ours=ours["value"], ours_sd=ours["sd"], reference=ref["value"])
    row["noise"] = " + ".join(NOISE_TEXT[noise] for noise in noises)
    if math.isnan(ours["value"]) or math.isnan(ref["value"]):
        notes = [note for selected_row in selected if (note := _row_note(selected_row))]
        return {
            **row,
            "status": "NOT RUN",
            "note": notes[0] if notes else "not run (no value in this run: the measure is undefined for these data)",
        }
    note = row["note"]
    if compare.get("nonzero") and ours["value"] == 0 and ref["value"] == 0:
        why = "both are 0: nothing to compare"
        return {**row, "status": "INCONCLUSIVE", "note": f"{note}; {why}" if note else why}
    if compare.get("scale") == "log10":
        ours, ref = _log10_cell(ours), _log10_cell(ref)
    ref = {**ref, "value": ref["value"] + compare.get("offset", 0.0)}
    low, high = difference_interval(ours, ref)
    status = decide(compare["op"], low, high, margin)
    if math.isinf(low) or math.isinf(high):
        n_seeds = [cell["n"] for cell in (ours, ref) if cell["noise"] == "seeds"]
        why = f"{int(min(n_seeds))} seed: noise unknown" if n_seeds and min(n_seeds) < 2 else "noise unknown"
        note = f"{note}; {why}" if note else why
    return {**row, "diff_low": low, "diff_high": high, "status": status, "note": note}


def _offset_text(compare: Mapping[str, Any]) -> str:
    """'log10 ' / 'offset −0.042 ' prefix of a comparison's text."""
    text = "log10: " if compare.get("scale") == "log10" else ""
    return text + (f"ref {compare['offset']:+g}, " if compare.get("offset") else "")


def _describe(other: Mapping[str, Any]) -> str:
    where = ", ".join(f"{key}={value}" for key, value in other.get("where", {}).items())
    return f"ours [{where}] {other['column']}"


def scorecard(
    claims: Sequence[Mapping[str, Any]],
    available: Sequence[str],
    budgets: Mapping[str, Mapping[str, Any]] | None = None,
    results_dir: str | os.PathLike = ".",
) -> pd.DataFrame:
    """Evaluate every claim; ``available`` lists the result tables built in this run, as the claims
    name them: paths relative to the run's results tree ``results_dir``."""
    ids = [claim["id"] for claim in claims]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"config/claims.yaml: duplicated claim ids {duplicated}")
    tables = {path: pd.read_csv(Path(results_dir) / path) for path in available}
    return pd.DataFrame([evaluate_claim(claim, tables, budgets) for claim in claims], columns=COLUMNS)


def _number(value: float, sd: float = math.nan) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.3g}"
    return text if math.isnan(sd) else f"{text} ± {sd:.2g}"


def _interval(low: float, high: float) -> str:
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"[{low:.3g}, {high:.3g}]".replace("inf", "∞")


def _budget(row: Mapping[str, Any]) -> str:
    if not row["budget"]:
        return "–"
    fraction, ours, paper = row["budget_fraction"], row["budget_ours"], row["budget_paper"]

    def count(value: Any) -> str:
        return "?" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.0f}"

    share = "unknown" if math.isnan(fraction) else f"{fraction * 100:.2g}%"
    return f"{count(ours)} / {count(paper)} ({share})"


def _quote(text: Any) -> str:
    return f"<br>*“{text}”*" if isinstance(text, str) and text else ""


def verdict_counts(card: pd.DataFrame) -> pd.DataFrame:
    """Verdicts per paper and per budget class (timing rows left out)."""
    counted = card[card["counted"].astype(bool)]
    return (
        counted.groupby(["paper", "budget_class"], sort=False)["status"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=list(VERDICTS), fill_value=0)
    )


def write_markdown(card: pd.DataFrame, path: str | os.PathLike, title: str) -> None:
    """``<results_dir>/scorecard.md``: counts per verdict, per paper and budget class, then one table per paper."""
    counted = card[card["counted"].astype(bool)]
    counts = counted["status"].value_counts()
    timings = card[~card["counted"].astype(bool)]
    lines = [
        f"# {title}",
        "",
        " · ".join(f"**{status}** {counts.get(status, 0)}" for status in VERDICTS),
        "",
        (
            f"Verdicts: {LEVEL:.0%} interval of ours − reference against the claim's margin (one-sided tests and "
            "TOST at α = 0.05); INCONCLUSIVE = the difference is inside the noise (never counted as PASS). "
            f"{len(timings)} timing row(s) (wall-clock, not deterministic) are listed but not counted. "
            "Budget = training examples seen (with repeats over epochs), ours / the paper's (fraction)."
        ),
        "",
        "| paper | budget | " + " | ".join(VERDICTS) + " |",
        "|---|---|" + "---|" * len(VERDICTS),
    ]
    for (paper, budget), numbers in verdict_counts(card).iterrows():
        lines.append(f"| {paper} | {budget or '–'} | " + " | ".join(str(numbers[v]) for v in VERDICTS) + " |")
    lines.append("")
    for paper, part in card.groupby("paper", sort=False):
        lines += [
            f"## {paper}",
            "",
            (
                "| claim | figure | ours (mean ± sd) | comparison | reference | 90% CI of difference | noise | paper | "
                "budget | status | note |"
            ),
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for _, row in part.iterrows():
            reference = (
                _number(row["reference"])
                if row["reference_is"] == "paper"
                else f"{_number(row['reference'])} ({row['reference_is']})"
            )
            status = row["status"] if row["counted"] else f"{row['status']} (timing, not counted)"
            lines.append(
                f"| {row['claim']}{_quote(row['paper_quote'])} | {row['figure']} | {_number(row['ours'], row['ours_sd'])} | {row['comparison']} | "
                f"{reference} | {_interval(row['diff_low'], row['diff_high'])} | {row['noise'] or '–'} | "
                f"{_number(row['paper_value'])} | {_budget(row)} | **{status}** | {row['note']} |"
            )
        lines.append("")
    with atomic_path(path) as tmp:
        tmp.write_text("\n".join(lines))
