"""Cecil & Sugden (2023) accuracy figures: Fig 1C (mini-CNN vs Imagene), S1 Text Fig P (sample
complexity) and Figs Q and R (training strategies).

Each ``*_table`` function returns the numbers a figure draws (one row per bar or point, with the
accuracy's 95% interval and a ``note`` for what was not run); each ``plot_*`` draws that table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from genomic_dl.cecil2023.tables import table_rows
from genomic_dl.plotting import save_pdf, set_bar_ylim

__all__ = [
    "fig1c_table",
    "figP_table",
    "figQR_table",
    "plot_fig1c",
    "plot_figP",
    "plot_figQR",
]

ROW_COLUMNS = ["dataset", "dataset_label", "population", "s", "method", "method_label"]
ACCURACY_COLUMNS = ["accuracy", "ci_low", "ci_high", "auroc", "n_test", "note"]
STRATEGY_LABELS = {
    "fixed_epochs": "2 epochs, best of restarts (paper)",
    "early_stopping": "early stopping",
    "on_the_fly": "simulation on the fly",
}


def _errors(part: pd.DataFrame) -> np.ndarray:
    """Asymmetric error bars (2, n) from the interval columns (0 where not run)."""
    lower = (part["accuracy"] - part["ci_low"]).fillna(0).to_numpy()
    upper = (part["ci_high"] - part["accuracy"]).fillna(0).to_numpy()
    return np.vstack([lower, upper])


# --------------------------------------------------------------------------- Fig 1C


def fig1c_table(table1: pd.DataFrame, datasets: Sequence[str]) -> pd.DataFrame:
    """Imagene and mini-CNN rows of Table 1 in ``datasets`` order, with ``minicnn_minus_imagene``
    (accuracy difference on the same data set; NaN where not run)."""
    needed = {*ROW_COLUMNS, *ACCURACY_COLUMNS}
    missing = sorted(needed - set(table1.columns))
    if missing:
        raise ValueError(f"table1_accuracy.csv lacks column(s) {missing}")
    part = table1[table1["method"].isin(["imagene", "mini_cnn"]) & table1["dataset"].isin(datasets)].copy()
    part["order"] = part["dataset"].map({name: i for i, name in enumerate(datasets)})
    part = part.sort_values(["order", "method"], kind="stable").drop(columns="order")
    accuracy = part.pivot(index="dataset", columns="method", values="accuracy")
    difference = (accuracy["mini_cnn"] - accuracy["imagene"]).to_dict()
    part["minicnn_minus_imagene"] = part["dataset"].map(difference)
    return part[[*ROW_COLUMNS, *ACCURACY_COLUMNS, "minicnn_minus_imagene"]].reset_index(drop=True)


def plot_fig1c(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Grouped bars: Imagene and mini-CNN test accuracy (95% CI) per data set."""
    datasets = list(dict.fromkeys(table["dataset"]))
    labels = [table.loc[table["dataset"] == d, "dataset_label"].iloc[0] for d in datasets]
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(datasets) + 2), 4.2))
    x = np.arange(len(datasets))
    for offset, (method, colour) in zip((-0.2, 0.2), (("imagene", "#4c72b0"), ("mini_cnn", "#dd8452"))):
        part = table[table["method"] == method].set_index("dataset").reindex(datasets)
        ax.bar(
            x + offset,
            part["accuracy"].fillna(0),
            0.4,
            yerr=_errors(part),
            capsize=3,
            color=colour,
            label=part["method_label"].dropna().iloc[0] if part["method_label"].notna().any() else method,
        )
        for xi, (_, row) in zip(x, part.iterrows()):
            if isinstance(row["note"], str) and row["note"]:
                ax.text(xi, 0.52, "not run\n(SLiM unavailable)", ha="center", va="bottom", fontsize=7, rotation=90)
    ax.axhline(0.5, color="grey", lw=0.8, ls=":", label="chance")
    ax.set_xticks(x, [label.replace(", s =", "\ns =") for label in labels], fontsize=7)
    set_bar_ylim(ax, table["accuracy"].fillna(0), table["ci_high"])
    ax.set_ylabel("test accuracy (95% CI)")
    ax.set_title("Fig 1C: mini-CNN vs Imagene (resized, row-sorted images)", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    save_pdf(fig, path, tight=False)


# --------------------------------------------------------------------------- Fig P


def figP_table(specs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Accuracy against the number of training regions: one row per (model, training set);
    ``size_rank`` numbers each model's training sets from the smallest (1)."""
    rows = table_rows(specs)
    rows["n_train"] = rows["n_train"].astype(float)
    rows["size_rank"] = rows.groupby("method")["n_train"].rank(method="first").astype(int)
    columns = [
        "dataset",
        "dataset_label",
        "method",
        "method_label",
        "training",
        "n_train",
        "size_rank",
        "n_restarts",
        *ACCURACY_COLUMNS,
    ]
    return rows[columns].sort_values(["method", "n_train"], kind="stable").reset_index(drop=True)


def plot_figP(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Accuracy (95% CI) against training-set size, one line per model, log x axis."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for method, part in table.groupby("method", sort=False):
        ax.errorbar(
            part["n_train"],
            part["accuracy"],
            yerr=_errors(part),
            marker="o",
            capsize=3,
            label=part["method_label"].iloc[0],
        )
    ax.axhline(0.5, color="grey", lw=0.8, ls=":", label="chance")
    ax.set_xscale("log")
    ax.set_xlabel("training regions (balanced; log scale)")
    ax.set_ylabel("test accuracy (95% CI)")
    ax.set_title(f"Fig P: sample complexity ({table['dataset_label'].iloc[0]})", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_pdf(fig, path, tight=False)


# --------------------------------------------------------------------------- Figs Q and R


def figQR_table(specs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Accuracy per (data set, model, strategy), with the mean number of epochs trained."""
    rows = table_rows(specs)
    rows["strategy"] = rows["training"]
    columns = [*ROW_COLUMNS, "strategy", "mean_epochs", "n_restarts", *ACCURACY_COLUMNS]
    return rows[columns]


def plot_figQR(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Two panels (Q: the larger s, R: the smaller s): grouped bars per data set of every
    (model, strategy), 95% CI; not-run data sets are labelled."""
    strengths = sorted(table["s"].unique(), reverse=True)
    combos = list(dict.fromkeys(zip(table["method"], table["strategy"])))
    fig, axes = plt.subplots(1, len(strengths), figsize=(6.5 * len(strengths), 5.4), squeeze=False)
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(combos), 2)))
    width = 0.8 / len(combos)
    for ax, s, letter in zip(axes[0], strengths, "QR"):
        part = table[table["s"] == s]
        populations = list(dict.fromkeys(part["population"]))
        x = np.arange(len(populations))
        for k, (method, strategy) in enumerate(combos):
            bars = (
                part[(part["method"] == method) & (part["strategy"] == strategy)]
                .set_index("population")
                .reindex(populations)
            )
            label = f"{bars['method_label'].dropna().iloc[0] if bars['method_label'].notna().any() else method}, {STRATEGY_LABELS[strategy]}"
            ax.bar(
                x - 0.4 + width * (k + 0.5),
                bars["accuracy"].fillna(0),
                width,
                yerr=_errors(bars),
                capsize=2,
                color=colours[k],
                label=label,
            )
        for xi, population in zip(x, populations):
            note = part.loc[part["population"] == population, "note"].iloc[0]
            if isinstance(note, str) and note:
                ax.text(xi, 0.52, "not run (SLiM unavailable)", ha="center", va="bottom", fontsize=7, rotation=90)
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_xticks(x, populations, fontsize=8)
        set_bar_ylim(ax, part["accuracy"].fillna(0), part["ci_high"])
        ax.set_xlabel("demographic model (sweep population)")
        ax.set_ylabel("test accuracy (95% CI)")
        ax.set_title(f"Fig {letter}: training strategies, s = {s:g}", fontsize=10)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=7, loc="lower center", ncol=min(3, len(labels)), frameon=False)
    fig.tight_layout(rect=(0, 0.06 * (1 + (len(labels) - 1) // 3), 1, 1))
    save_pdf(fig, path, tight=False)
