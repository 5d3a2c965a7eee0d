"""ImaGene (Torada et al. 2019) Figs 4-6: quantifying selection with multiclass networks."""

from __future__ import annotations

import os
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from genomic_dl.imagene2019.posterior import posterior_sample_counts, summarise_posterior
from genomic_dl.io import read_json
from genomic_dl.plotting import plural, save_pdf

#: Per-network metrics averaged over seeds (names as in ``evaluate_multiclass``'s summary).
METRICS = (
    "accuracy",
    "detection_accuracy",
    "rmse_map",
    "rmse_mean",
    "bias_map",
    "bias_mean",
    "standardized_bias_map",
    "standardized_bias_mean",
    # against the test labels of the network's label distribution (the authors' ImaGene.py)
    "standardized_bias_map_vs_labels",
    "standardized_bias_mean_vs_labels",
)


def detection_accuracy(confusion: np.ndarray) -> float:
    """Accuracy of "selection (class > 0) vs neutral (class 0)" from a K x K count matrix (rows = truth)."""
    confusion = np.asarray(confusion, dtype=float)
    correct = confusion[0, 0] + confusion[1:, 1:].sum()
    return float(correct / confusion.sum())


def collect_multiclass(records: Sequence[dict], paths: Sequence[str]) -> pd.DataFrame:
    """One row per network: the record (variant, seed), :data:`METRICS`, class values and confusion."""
    rows = []
    for record, path in zip(records, paths, strict=True):
        evaluation = read_json(path)
        rows.append(
            {
                **record,
                **{key: evaluation[key] for key in METRICS if key in evaluation},
                "detection_accuracy": detection_accuracy(evaluation["confusion"]),
                "n_test": evaluation["n_test"],
                "class_values": evaluation["class_values"],
                "confusion": np.asarray(evaluation["confusion"], dtype=float),
            }
        )
    return pd.DataFrame(rows)


def summarise_multiclass(per_seed: pd.DataFrame) -> pd.DataFrame:
    """Per variant: mean and sd over seeds of :data:`METRICS`, and the pooled normalised confusion.

    Bias metrics also get ``abs_<metric>_mean``, the magnitude of the mean (for "lower bias").
    The confusion matrix of a variant sums the seeds' counts and normalises rows (true classes);
    cell (i, j) becomes column ``confusion_i_j``.
    """
    rows = []
    for variant, part in per_seed.groupby("variant", sort=False):
        row = {
            "variant": variant,
            "n_seeds": len(part),
            "n_test": int(part["n_test"].iloc[0]),
            "class_values": " ".join(f"{v:g}" for v in part["class_values"].iloc[0]),
        }
        for metric in METRICS:
            if metric not in part:  # an evaluation written before the metric existed
                part = part.assign(**{metric: np.nan})
            row[f"{metric}_mean"] = part[metric].mean()
            row[f"{metric}_sd"] = part[metric].std() if len(part) > 1 else 0.0
            if "bias" in metric:
                row[f"abs_{metric}_mean"] = abs(row[f"{metric}_mean"])
        pooled = np.sum(np.stack(part["confusion"].to_list()), axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            normalised = pooled / pooled.sum(axis=1, keepdims=True)
        row.update({f"confusion_{i}_{j}": value for (i, j), value in np.ndenumerate(normalised)})
        rows.append(row)
    return pd.DataFrame(rows)


def _confusion(row: pd.Series) -> np.ndarray:
    k = len(row["class_values"].split())
    return np.array([[row[f"confusion_{i}_{j}"] for j in range(k)] for i in range(k)])


def _draw_confusion(ax, matrix: np.ndarray, labels: Sequence[str], annotate: bool) -> plt.cm.ScalarMappable:
    image = ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    if annotate:
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(
                j, i, f"{value:.2f}", ha="center", va="center", fontsize=8, color="white" if value > 0.6 else "black"
            )
    ax.set_xticks(range(len(labels)), labels, fontsize=7, rotation=90 if len(labels) > 5 else 0)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted S (MAP)", fontsize=8)
    ax.set_ylabel("true S", fontsize=8)
    return image


def _confusion_panels(summary: pd.DataFrame, titles: Sequence[str], suptitle: str, pdf_path: str | os.PathLike) -> None:
    fig, axes = plt.subplots(1, len(summary), figsize=(4.2 * len(summary), 4.4), squeeze=False)
    image = None
    for ax, (_, row), title in zip(axes[0], summary.iterrows(), titles):
        labels = row["class_values"].split()
        image = _draw_confusion(ax, _confusion(row), labels, annotate=len(labels) <= 5)
        ax.set_title(title, fontsize=8)
    fig.colorbar(image, ax=axes, shrink=0.7, label="fraction of true class")
    fig.suptitle(suptitle, fontsize=10)
    save_pdf(fig, pdf_path)


def plot_misspecification(summary: pd.DataFrame, settings: dict, pdf_path: str | os.PathLike) -> None:
    """Fig 4: 3-class confusion matrices, one per training model, all tested on the test model."""
    titles = [
        f"trained on {row['variant']}\n3-class accuracy {row['accuracy_mean']:.3f} ± {row['accuracy_sd']:.3f}\n"
        f"detection (S > 0 vs 0) {row['detection_accuracy_mean']:.3f} ± {row['detection_accuracy_sd']:.3f}"
        for _, row in summary.iterrows()
    ]
    _confusion_panels(
        summary,
        titles,
        f"ImaGene Fig 4: misspecification (tested on {settings['test_scenario']}, "
        f"mean over {plural(summary['n_seeds'].min(), 'seed')})",
        pdf_path,
    )


def plot_label_distributions(summary: pd.DataFrame, pdf_path: str | os.PathLike) -> None:
    """Fig 5: 11-class confusion matrices (MAP) per label distribution, with RMSE and bias."""
    titles = [
        f"{row['variant']} labels: accuracy {row['accuracy_mean']:.3f}\n"
        f"RMSE MAP {row['rmse_map_mean']:.1f}, posterior mean {row['rmse_mean_mean']:.1f} ± {row['rmse_mean_sd']:.1f}\n"
        f"standardized bias (mean) {row['standardized_bias_mean_mean']:.3f}"
        for _, row in summary.iterrows()
    ]
    _confusion_panels(
        summary,
        titles,
        f"ImaGene Fig 5: representations of the true label (mean over {plural(summary['n_seeds'].min(), 'seed')})",
        pdf_path,
    )


def posterior_cases(
    arrays: dict[str, np.ndarray], settings: dict, rng: np.random.Generator, source: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """Fig 6's test cases and their posterior summaries.

    For each ``settings['targets']`` S, the test image with ``|S - target| <= tolerance`` whose
    posterior mean is closest to its true S. Returns a table (target, image index, true S, MAP,
    posterior mean, HPD interval, P(S = 0), Bayes factor) and the Monte Carlo sample counts per
    class, int64 (n_cases, K).
    """
    truth, probabilities = arrays["selection_coefficient"], arrays["probabilities"].astype(np.float64)
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    chosen = []
    for target in settings["targets"]:
        candidates = np.flatnonzero(np.abs(truth - target) <= settings["tolerance"])
        if candidates.size == 0:
            raise ValueError(
                f"{source}: no test image with S within {settings['tolerance']} of {target} "
                f"(imagene.fig6.targets / tolerance)"
            )
        chosen.append(candidates[np.argmin(np.abs(arrays["posterior_mean"][candidates] - truth[candidates]))])
    chosen = np.asarray(chosen)
    values = arrays["class_values"]
    summary = summarise_posterior(
        probabilities[chosen],
        values,
        rng,
        n_samples=settings["n_samples"],
        mass=settings["mass"],
        null_classes=settings["null_classes"],
    )
    counts = posterior_sample_counts(probabilities[chosen], settings["n_samples"], rng)
    table = pd.DataFrame(
        {
            "target_S": settings["targets"],
            "image": chosen,
            "true_S": truth[chosen],
            "map": summary["map"],
            "posterior_mean": summary["mean"],
            "hpdi_lower": summary["hpdi_lower"],
            "hpdi_upper": summary["hpdi_upper"],
            "hpdi_mass": settings["mass"],
            "p_null": probabilities[chosen][:, settings["null_classes"]].sum(axis=1),
            "bayes_factor": summary["bayes_factor"],
        }
    )
    return table, counts


def plot_posteriors(
    cases: pd.DataFrame, counts: np.ndarray, values: np.ndarray, settings: dict, pdf_path: str | os.PathLike
) -> None:
    """Fig 6: histogram of posterior draws per case with MAP, mean, true S and the HPD interval."""
    fig, axes = plt.subplots(1, len(cases), figsize=(5 * len(cases), 3.8), squeeze=False)
    width = 0.8 * float(np.min(np.diff(values)))
    for ax, (_, case), case_counts in zip(axes[0], cases.iterrows(), counts):
        ax.bar(values, case_counts / case_counts.sum(), width=width, color="#9ecae1", edgecolor="#3182bd")
        ax.axvspan(
            case["hpdi_lower"] - width / 2,
            case["hpdi_upper"] + width / 2,
            color="orange",
            alpha=0.15,
            label=f"{settings['mass']:.0%} HPDI [{case['hpdi_lower']:g}, {case['hpdi_upper']:g}]",
        )
        ax.axvline(case["true_S"], color="k", lw=1.5, label=f"true S {case['true_S']:.0f}")
        ax.axvline(case["map"], color="C3", ls="--", label=f"MAP {case['map']:g}")
        ax.axvline(case["posterior_mean"], color="C2", ls=":", lw=2, label=f"mean {case['posterior_mean']:.0f}")
        ax.set_title(f"S ≈ {case['target_S']:g}: Bayes factor (S > 0 vs S = 0) {case['bayes_factor']:.3g}", fontsize=9)
        ax.set_xlabel("S = 2 Ne s")
        ax.set_ylabel(f"posterior ({settings['n_samples']:,} draws)")
        ax.legend(fontsize=7)
    fig.suptitle("ImaGene Fig 6: posterior distributions of the selection coefficient", fontsize=10)
    fig.tight_layout()
    save_pdf(fig, pdf_path)
