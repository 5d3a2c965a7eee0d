"""EvoAug (Lee et al. 2023) interpretation figures: Fig 1c (filters vs JASPAR), the filter logo
sheets, Fig 1d (variant effects) and Fig S6 (attribution logos).

Every summary averages over the training seeds of each model (mean and sample sd; sd 0 with
one seed). Models are named by :func:`genomic_dl.evoaug2023.interpretation.model_label`
(``standard``, ``evoaug_pretrained``, ``evoaug_finetuned``).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages

from genomic_dl.evoaug2023.attribution import attribution_to_logo_matrix, plot_logo
from genomic_dl.evoaug2023.filters import information_content
from genomic_dl.evoaug2023.variant_effects import pearson_per_element
from genomic_dl.io import atomic_path
from genomic_dl.plotting import plural, save_pdf

#: Model colours (unknown models cycle through matplotlib's default colours).
MODEL_COLOURS = {"standard": "#7f7f7f", "evoaug_pretrained": "#9ecae1", "evoaug_finetuned": "#08519c"}

#: Name of the element row holding each model's mean over elements in the Fig 1d table.
ALL_ELEMENTS = "all"
#: Model name of the noise ceiling (true effect vs measured) in the synthetic Fig 1d table.
GROUND_TRUTH = "ground_truth"


def _colour(model: str, index: int) -> str:
    return MODEL_COLOURS.get(model, f"C{index % 10}")


def mean_sd_over_seeds(per_seed: pd.DataFrame, keys: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Group ``per_seed`` by ``keys`` (in order of appearance) and give ``<metric>_mean`` /
    ``<metric>_sd`` (sample sd, 0 for one seed) and ``n_seeds``.

    NaN values (e.g. the mean q-value of a model without hits) are left out of the mean; a
    metric that is NaN for every seed stays NaN.
    """
    rows = []
    for key, part in per_seed.groupby(list(keys), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(keys, key))
        row["n_seeds"] = len(part)
        for metric in metrics:
            values = part[metric].to_numpy(dtype=np.float64)
            finite = values[~np.isnan(values)]
            row[f"{metric}_mean"] = finite.mean() if len(finite) else np.nan
            row[f"{metric}_sd"] = finite.std(ddof=1) if len(finite) > 1 else (0.0 if len(finite) else np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def _seed_bars(ax, per_seed: pd.DataFrame, summary: pd.DataFrame, metric: str, models: Sequence[str]) -> None:
    """Bars of ``<metric>_mean`` ± sd per model with one dot per seed."""
    for index, model in enumerate(models):
        row = summary[summary["model"] == model].iloc[0]
        ax.bar(
            index,
            row[f"{metric}_mean"],
            yerr=row[f"{metric}_sd"],
            color=_colour(model, index),
            alpha=0.8,
            capsize=4,
            edgecolor="black",
            lw=0.6,
        )
        values = per_seed.loc[per_seed["model"] == model, metric].to_numpy(dtype=float)
        jitter = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.zeros(len(values))
        ax.scatter(
            index + jitter, values, s=14, color="black", zorder=3, label="one training seed" if index == 0 else None
        )
    ax.set_xticks(range(len(models)), [model.replace("_", "\n") for model in models], fontsize=8)


# --------------------------------------------------------------------------- Fig 1c

FILTER_METRICS = ("hit_rate", "mean_hit_q", "planted_recovery")


def summarise_filters(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Fig 1c table: per model, mean and sd over seeds of the hit rate, the mean smallest
    q-value of the matched filters and the share of planted motifs recovered.

    ``per_seed`` has one row per model and seed with ``model``, ``setting``, ``stage``,
    ``seed`` and the Tomtom summary (:func:`~genomic_dl.evoaug2023.interpretation.match_filters_to_jaspar`).
    """
    summary = mean_sd_over_seeds(per_seed, ["model", "setting", "stage"], FILTER_METRICS)
    firsts = per_seed.groupby("model", sort=False)[["n_filters", "n_planted", "q_threshold"]].first()
    hits = per_seed.groupby("model", sort=False)["n_hits"].mean().rename("n_hits_mean")
    return summary.merge(firsts, on="model").merge(hits, on="model")


def plot_filter_summary(
    per_seed: pd.DataFrame, summary: pd.DataFrame, dataset: str, pdf_path: str | os.PathLike
) -> None:
    """Fig 1c: hit rate, mean q-value of the hits and planted-motif recovery per model."""
    models = list(summary["model"])
    q = float(summary["q_threshold"].iloc[0])
    fig, axes = plt.subplots(1, 3, figsize=(12, 4))
    panels = [
        ("hit_rate", f"hit rate (share of filters with a\nJASPAR match at q < {q:g})", (0, 1)),
        ("mean_hit_q", "mean smallest q-value\nof the matched filters", None),
        ("planted_recovery", "share of planted motifs matched\nby at least one filter", (0, 1)),
    ]
    for ax, (metric, label, limits) in zip(axes, panels):
        if summary[f"{metric}_mean"].isna().all():
            reason = "no planted motifs (real data)" if metric == "planted_recovery" else "no matched filters"
            ax.text(0.5, 0.5, reason, ha="center", va="center", transform=ax.transAxes)
            ax.set_xticks([])
        else:
            _seed_bars(ax, per_seed, summary, metric, models)
        ax.set_ylabel(label, fontsize=9)
        if limits:
            ax.set_ylim(*limits)
    axes[0].legend(fontsize=7, loc="upper left")
    n_seeds = int(summary["n_seeds"].min())
    fig.suptitle(
        f"EvoAug Fig 1c: first-layer filters of {dataset} models vs JASPAR 2022 CORE vertebrates\n"
        f"(Tomtom, BH q-values; {plural(summary['n_filters'].iloc[0], 'filter')}, mean ± sd over {plural(n_seeds, 'seed')})",
        fontsize=10,
    )
    fig.tight_layout()
    save_pdf(fig, pdf_path)


def filter_logo_table(matches: pd.DataFrame, n_windows: np.ndarray, pwms: np.ndarray, max_filters: int) -> pd.DataFrame:
    """The filters of one model with their alignment and Tomtom results, in logo-sheet order.

    Order: matched filters by q-value, then the rest by information content (bits of the
    aligned PWM); ``shown`` marks the first ``max_filters``.
    """
    table = matches.copy()
    table["n_windows"] = np.asarray(n_windows)
    table["information_bits"] = [information_content(pwm).sum() for pwm in pwms]
    table["sort_q"] = table["best_q"].where(table["hit"], np.inf)
    table = table.sort_values(["sort_q", "information_bits"], ascending=[True, False], kind="stable")
    table = table.drop(columns="sort_q").reset_index(drop=True)
    table["shown"] = table.index < max_filters
    return table


def plot_filter_logos(
    table: pd.DataFrame, pwms: np.ndarray, title: str, pdf_path: str | os.PathLike, columns: int = 6
) -> None:
    """A sheet of information-scaled logos of the ``shown`` filters of ``table`` (rows in order)."""
    shown = table[table["shown"]]
    rows = max(1, int(np.ceil(len(shown) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 1.5 * rows + 0.6), squeeze=False)
    for ax in axes.ravel()[len(shown) :]:
        ax.set_axis_off()
    for ax, (_, row) in zip(axes.ravel(), shown.iterrows()):
        index = int(row["filter"].removeprefix("filter"))
        pwm = pwms[index]
        plot_logo(ax, pwm * information_content(pwm)[None, :], color_scheme="classic")
        ax.set_ylim(0, 2)
        ax.set_ylabel("bits", fontsize=6)
        ax.set_xlabel("")
        ax.tick_params(labelsize=5)
        match = f"{row['best_match_name']} (q={row['best_q']:.1e})" if row["hit"] else "no match"
        ax.set_title(f"{row['filter']}: {match}\n{int(row['n_windows'])} windows", fontsize=6)
    fig.suptitle(textwrap.fill(title, width=40 * columns), fontsize=9)
    fig.tight_layout()
    save_pdf(fig, pdf_path)


# --------------------------------------------------------------------------- Fig 1d


def variant_effect_table(records: Sequence[Mapping], scores: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Per model, seed and element: Pearson r between measured and predicted effects.

    ``scores[i]`` (one per model and seed, ``records[i]`` = its ``model``, ``setting``,
    ``stage``, ``seed``) has ``element``, ``measured`` and ``predicted`` per variant. The
    element ``"all"`` holds the mean of the elements' r (the paper's summary).
    """
    rows = []
    for record, table in zip(records, scores, strict=True):
        per_element, mean = pearson_per_element(table["element"], table["measured"], table["predicted"])
        counts = table.groupby("element").size()
        for element, r in per_element.items():
            rows.append({**record, "element": element, "n_variants": int(counts[element]), "pearson_r": r})
        rows.append({**record, "element": ALL_ELEMENTS, "n_variants": len(table), "pearson_r": mean})
    return pd.DataFrame(rows)


def summarise_variant_effects(per_seed: pd.DataFrame, ground_truth: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fig 1d table: mean and sd over seeds of r per model and element (+ the noise ceiling).

    ``ground_truth`` (synthetic analog only): ``element``, ``measured``, ``true_effect`` per
    variant; its r per element (the best any model can do under the measurement noise) is
    added as model ``ground_truth`` with one "seed".
    """
    summary = mean_sd_over_seeds(per_seed, ["model", "setting", "stage", "element"], ["pearson_r"])
    counts = per_seed.groupby("element", sort=False)["n_variants"].first()
    summary["n_variants"] = summary["element"].map(counts).astype(int)
    if ground_truth is not None:
        ceiling = variant_effect_table(
            [{"model": GROUND_TRUTH, "setting": "", "stage": "", "seed": 0}],
            [ground_truth.rename(columns={"true_effect": "predicted"})],
        )
        ceiling = ceiling.assign(n_seeds=1, pearson_r_mean=ceiling["pearson_r"], pearson_r_sd=0.0)
        summary = pd.concat([summary, ceiling[summary.columns]], ignore_index=True)
    return summary


def plot_variant_effects(
    per_seed: pd.DataFrame, summary: pd.DataFrame, source: str, pdf_path: str | os.PathLike
) -> None:
    """Fig 1d: mean Pearson r over elements per model (bars, seed dots) and r per element."""
    models = [m for m in dict.fromkeys(summary["model"]) if m != GROUND_TRUTH]
    overall = summary[summary["element"] == ALL_ELEMENTS]
    elements = [e for e in dict.fromkeys(summary["element"]) if e != ALL_ELEMENTS]
    fig, (ax_mean, ax_elements) = plt.subplots(1, 2, figsize=(13, 4.3), gridspec_kw={"width_ratios": [1, 2.6]})
    _seed_bars(ax_mean, per_seed[per_seed["element"] == ALL_ELEMENTS], overall, "pearson_r", models)
    ceiling = overall[overall["model"] == GROUND_TRUTH]
    if len(ceiling):
        ax_mean.axhline(
            ceiling["pearson_r_mean"].iloc[0],
            color="C3",
            ls="--",
            lw=1,
            label="true effect vs measured\n(noise ceiling)",
        )
    ax_mean.axhline(0, color="black", lw=0.6)
    ax_mean.set_ylabel(f"Pearson r (mean over {plural(len(elements), 'element')})")
    ax_mean.legend(fontsize=7)
    width = 0.8 / max(len(models), 1)
    for index, model in enumerate(models):
        part = summary[(summary["model"] == model)].set_index("element").reindex(elements)
        ax_elements.errorbar(
            np.arange(len(elements)) + (index - (len(models) - 1) / 2) * width,
            part["pearson_r_mean"],
            yerr=part["pearson_r_sd"],
            fmt="o",
            ms=4,
            capsize=2,
            color=_colour(model, index),
            label=model,
        )
    if len(ceiling):
        part = summary[summary["model"] == GROUND_TRUTH].set_index("element").reindex(elements)
        ax_elements.scatter(
            np.arange(len(elements)), part["pearson_r_mean"], marker="_", s=200, color="C3", label="noise ceiling"
        )
    ax_elements.axhline(0, color="black", lw=0.6)
    ax_elements.set_xticks(range(len(elements)), elements, rotation=60, fontsize=7, ha="right")
    ax_elements.set_ylabel("Pearson r (mean ± sd over seeds)")
    ax_elements.set_xlabel("element")
    ax_elements.legend(fontsize=7, ncol=2)
    what = (
        "CAGI5 saturation mutagenesis"
        if source == "cagi5"
        else "synthetic saturation mutagenesis (offline CAGI5 analog)"
    )
    fig.suptitle(
        f"EvoAug Fig 1d: zero-shot variant effects, log(alt / ref) of the task-mean prediction; {what}", fontsize=10
    )
    fig.tight_layout()
    save_pdf(fig, pdf_path)


# --------------------------------------------------------------------------- Fig S6

ATTRIBUTION_METRICS = ("auroc", "aupr")


def summarise_attribution(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Fig S6 table: per model, mean and sd over seeds of the mean per-sequence AUROC and AUPR
    of attribution against the planted positions; ``planted_fraction`` is AUPR's chance level."""
    summary = mean_sd_over_seeds(per_seed, ["model", "setting", "stage"], ATTRIBUTION_METRICS)
    firsts = per_seed.groupby("model", sort=False)[["task", "n_sequences", "n_scored", "planted_fraction"]].first()
    return summary.merge(firsts, on="model")


def plot_attribution(
    per_seed: pd.DataFrame,
    summary: pd.DataFrame,
    logos: Mapping[str, np.ndarray],
    x: np.ndarray,
    planted: np.ndarray | None,
    labels: Sequence[str],
    task_name: str,
    pdf_path: str | os.PathLike,
) -> None:
    """Fig S6: ground-truth scores per model, then one page of attribution logos per sequence.

    Parameters
    ----------
    logos
        ``{model: (n, 4, L) gradient-corrected maps}`` of one seed.
    x
        ``(n, 4, L)`` the sequences.
    planted
        ``(n, L)`` bool planted positions (shaded), or ``None``.
    labels
        ``n`` sequence descriptions (e.g. index and measured activity).
    """
    models = list(summary["model"])
    with atomic_path(pdf_path) as tmp, PdfPages(tmp) as pages:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
        for ax, metric, chance in zip(axes, ATTRIBUTION_METRICS, (0.5, summary["planted_fraction"].mean())):
            if summary[f"{metric}_mean"].isna().all():
                ax.text(0.5, 0.5, "no ground truth (real data)", ha="center", va="center", transform=ax.transAxes)
                continue
            _seed_bars(ax, per_seed, summary, metric, models)
            ax.axhline(chance, color="C3", ls="--", lw=1, label="chance")
            ax.set_ylim(0, 1)
            ax.set_ylabel(
                f"{metric.upper()} of |attribution| vs planted\nmotif positions (mean over sequences)", fontsize=8
            )
            ax.legend(fontsize=7)
        fig.suptitle(
            f"EvoAug Fig S6: GradientShap attribution (gradient-corrected) for high-activity {task_name} "
            f"sequences; mean ± sd over {plural(summary['n_seeds'].min(), 'seed')}",
            fontsize=9,
        )
        fig.tight_layout()
        pages.savefig(fig)
        plt.close(fig)
        for index, label in enumerate(labels):
            fig, axes = plt.subplots(len(models), 1, figsize=(14, 1.7 * len(models) + 0.6), squeeze=False)
            for ax, model in zip(axes[:, 0], models):
                plot_logo(ax, attribution_to_logo_matrix(logos[model][index], x[index]), color_scheme="classic")
                if planted is not None:
                    for start, stop in _runs(planted[index]):
                        ax.axvspan(start - 0.5, stop - 0.5, color="orange", alpha=0.2, lw=0)
                ax.set_title(model, fontsize=8, loc="left")
                ax.set_ylabel("attribution", fontsize=7)
            fig.suptitle(f"{label}" + ("; shaded: planted motifs" if planted is not None else ""), fontsize=9)
            fig.tight_layout()
            pages.savefig(fig)
            plt.close(fig)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, stop)`` of every run of True in a 1-D bool array."""
    padded = np.concatenate([[False], np.asarray(mask, dtype=bool), [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))
