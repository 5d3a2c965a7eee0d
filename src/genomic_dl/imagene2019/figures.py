"""ImaGene (Torada et al. 2019) figures."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from genomic_dl.io import read_json
from genomic_dl.plotting import plural, save_pdf, set_bar_ylim

SORTING_LABELS = {
    "none": "unsorted",
    "rows": "rows sorted",
    "cols": "columns sorted",
    "rows_cols": "rows + columns sorted",
}


def collect_binary_evaluations(records: Sequence[dict], paths: Sequence[str]) -> pd.DataFrame:
    """One row per trained network: the record's keys (sorting, S, seed) plus its evaluation JSON."""
    rows = []
    for record, path in zip(records, paths, strict=True):
        evaluation = read_json(path)
        (tn, fp), (fn, tp) = evaluation["confusion_normalised"]
        rows.append(
            {
                **record,
                "accuracy": evaluation["accuracy"],
                "n_test": evaluation["n_test"],
                "neutral_as_neutral": tn,
                "neutral_as_selected": fp,
                "selected_as_neutral": fn,
                "selected_as_selected": tp,
            }
        )
    return pd.DataFrame(rows)


def summarise_over_seeds(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Mean and sd over seeds of accuracy and the normalised confusion entries, per (architecture, sorting, S)."""
    cells = ["neutral_as_neutral", "neutral_as_selected", "selected_as_neutral", "selected_as_selected"]
    grouped = per_seed.groupby(["architecture", "sorting", "S"], sort=False)
    summary = grouped.agg(
        accuracy_mean=("accuracy", "mean"),
        accuracy_sd=("accuracy", "std"),
        n_seeds=("seed", "nunique"),
        n_test=("n_test", "first"),
        **{cell: (cell, "mean") for cell in cells},
    ).reset_index()
    summary["accuracy_sd"] = summary["accuracy_sd"].fillna(0.0)
    return summary


def add_gain_over_unsorted(summary: pd.DataFrame) -> pd.DataFrame:
    """Add ``accuracy_gain_vs_unsorted``: mean accuracy minus the unsorted network's, per (architecture, S).

    NaN where no unsorted network was trained for that architecture and S.
    """
    unsorted = summary[summary["sorting"] == "none"].set_index(["architecture", "S"])["accuracy_mean"]
    keys = pd.MultiIndex.from_frame(summary[["architecture", "S"]])
    baseline = unsorted.reindex(keys).to_numpy()
    return summary.assign(accuracy_gain_vs_unsorted=summary["accuracy_mean"].to_numpy() - baseline)


def plot_sorting_accuracy(
    summary: pd.DataFrame, sortings: Sequence[str], strengths: Sequence[int], pdf_path: str | os.PathLike
) -> None:
    """Fig 3: confusion matrices with sorting on x and S on y (mean over seeds), accuracy annotated."""
    fig, axes = plt.subplots(
        len(strengths), len(sortings), figsize=(2.3 * len(sortings) + 1.2, 2.3 * len(strengths) + 0.8), squeeze=False
    )
    image = None
    for row, strength in enumerate(strengths):
        for col, sorting in enumerate(sortings):
            ax = axes[row, col]
            cell = summary[(summary["sorting"] == sorting) & (summary["S"] == strength)].iloc[0]
            matrix = np.array(
                [
                    [cell["neutral_as_neutral"], cell["neutral_as_selected"]],
                    [cell["selected_as_neutral"], cell["selected_as_selected"]],
                ]
            )
            image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
            for (i, j), value in np.ndenumerate(matrix):
                ax.text(
                    j,
                    i,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    color="white" if value > 0.6 else "black",
                    fontsize=9,
                )
            ax.set_xticks([0, 1], ["N", "S"])
            ax.set_yticks([0, 1], ["N", "S"])
            header = f"{SORTING_LABELS[sorting]}\n" if row == 0 else ""
            ax.set_title(f"{header}acc {cell['accuracy_mean']:.3f} ± {cell['accuracy_sd']:.3f}", fontsize=8)
            if row == len(strengths) - 1:
                ax.set_xlabel("predicted", fontsize=9)
            if col == 0:
                ax.set_ylabel(f"S = {strength}\ntrue", fontsize=9)
    n_seeds = int(summary["n_seeds"].min())
    n_test = int(summary["n_test"].min())
    fig.suptitle(
        f"ImaGene Fig 3: detection accuracy by sorting (x) and selection strength (y)\n"
        f"mean over {plural(n_seeds, 'seed')}, {plural(n_test, 'test image')} per network",
        fontsize=10,
    )
    fig.colorbar(image, ax=axes, shrink=0.6, label="fraction of true class")
    save_pdf(fig, pdf_path)


def plot_ablations(
    summary: pd.DataFrame, per_seed: pd.DataFrame, settings: dict[str, dict], pdf_path: str | os.PathLike
) -> None:
    """Fig 3 ablations: test accuracy per architecture (mean ± sd over seeds, seeds as dots)."""
    fig, ax = plt.subplots(figsize=(1.6 * len(summary) + 2, 3.6))
    positions = np.arange(len(summary))
    ax.bar(positions, summary["accuracy_mean"], yerr=summary["accuracy_sd"], color="#9ecae1", capsize=4)
    for position, architecture in zip(positions, summary["architecture"]):
        seeds = per_seed[per_seed["architecture"] == architecture]["accuracy"]
        ax.plot(np.full(len(seeds), position), seeds, "k.", ms=5)
    labels = [f"{name}\n{_architecture_text(settings[name])}" for name in summary["architecture"]]
    ax.set_xticks(positions, labels, fontsize=7)
    ax.set_ylabel("test accuracy")
    set_bar_ylim(ax, summary["accuracy_mean"] + summary["accuracy_sd"].fillna(0), per_seed["accuracy"])
    first = summary.iloc[0]
    ax.set_title(
        f"ImaGene Fig 3 ablations: {SORTING_LABELS[first['sorting']]}, S = {first['S']}, {plural(first['n_seeds'], 'seed')}",
        fontsize=9,
    )
    fig.tight_layout()
    save_pdf(fig, pdf_path, tight=False)


def _architecture_text(settings: dict) -> str:
    dense = "no dense" if settings["dense_units"] is None else f"dense {settings['dense_units']}"
    return f"conv {'-'.join(map(str, settings['conv_filters']))} {settings['kernel_size']}x{settings['kernel_size']}, {dense}"
