"""Cecil & Sugden (2023) interpretation figures: Fig 2 (mini-CNN weights, Imagene SHAP), Fig 3
(correlation and agreement with summary statistics), Fig 4 (zero-padding) and S1 Text Figs N and
O (hard vs soft sweeps).

The maps come from the interpretation rule (:func:`genomic_dl.cecil2023.interpretation.
interpret_model`, an ``.npz`` per model). Their CSVs hold *row profiles* (the mean of a map over
its columns, per row: the top rows are the large haplotype blocks of row-sorted images) and, for
zero-padding, *column profiles*, plus a few one-number summaries (``quantity`` column):

``top_band_mean`` / ``rest_mean``
    mean of the map over the top ``TOP_FRACTION`` of its rows / over the other rows
    (``top_band_abs_mean`` / ``rest_abs_mean``: of its absolute values);
``edge_band_mean`` / ``centre_mean``
    mean over the outer ``EDGE_FRACTION`` of the columns on each side / over the centre.
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
from matplotlib.colors import TwoSlopeNorm

from genomic_dl.cecil2023.evaluation import agreement_matrix, spearman_matrix
from genomic_dl.cecil2023.tables import method_outputs, table_rows
from genomic_dl.io import load_arrays
from genomic_dl.plotting import plural, save_pdf, set_bar_ylim

__all__ = [
    "EDGE_FRACTION",
    "TOP_FRACTION",
    "fig2_table",
    "fig3_table",
    "fig4_scatter",
    "fig4_table",
    "figNO_table",
    "load_maps",
    "map_profiles",
    "plot_fig2",
    "plot_fig3",
    "plot_fig4",
    "plot_figNO",
]

#: Model labels in the figures.
MODEL_LABELS = {"imagene": "Imagene", "mini_cnn": "mini-CNN", "deepset": "DeepSet"}

#: Rows counted as the "top band" of a map (the paper's dark band of mini-CNN's dense weights).
TOP_FRACTION = 0.1
#: Columns counted as each "edge band" of a zero-padded map.
EDGE_FRACTION = 0.2


def load_maps(path: str | os.PathLike) -> dict[str, Any]:
    """Arrays of an interpretation ``.npz`` (``kind`` as a str) and its metadata under ``"meta"``."""
    arrays, metadata = load_arrays(path, required=("kind", "example_images", "example_index"))
    maps: dict[str, Any] = dict(arrays)
    maps["kind"] = str(arrays["kind"])
    needed = (
        ("kernel", "dense_map", "example_features")
        if maps["kind"] == "weights"
        else ("mean_shap", "example_shap", "n_images")
    )
    missing = [key for key in needed if key not in maps]
    if missing:
        raise ValueError(f"{path}: a '{maps['kind']}' interpretation lacks {missing}")
    maps["meta"] = metadata
    return maps


def _summary_rows(values: np.ndarray, **keys: Any) -> list[dict[str, Any]]:
    """Top-band / rest and edge-band / centre means of a 2-D map."""
    height, width = values.shape
    top = max(1, int(round(TOP_FRACTION * height)))
    edge = max(1, int(round(EDGE_FRACTION * width)))
    centre = values[:, edge : width - edge] if width > 2 * edge else values
    return [
        {**keys, "quantity": "top_band_mean", "row": np.nan, "value": float(values[:top].mean())},
        {
            **keys,
            "quantity": "rest_mean",
            "row": np.nan,
            "value": float(values[top:].mean()) if height > top else np.nan,
        },
        {**keys, "quantity": "top_band_abs_mean", "row": np.nan, "value": float(np.abs(values[:top]).mean())},
        {
            **keys,
            "quantity": "rest_abs_mean",
            "row": np.nan,
            "value": float(np.abs(values[top:]).mean()) if height > top else np.nan,
        },
        {
            **keys,
            "quantity": "edge_band_mean",
            "row": np.nan,
            "value": float(np.concatenate([values[:, :edge], values[:, width - edge :]], axis=1).mean()),
        },
        {**keys, "quantity": "centre_mean", "row": np.nan, "value": float(centre.mean())},
    ]


def map_profiles(values: np.ndarray, columns: bool = False, **keys: Any) -> list[dict[str, Any]]:
    """Long-format rows of a map: its row profile (``quantity = row_mean``, one row per map row),
    optionally its column profile (``column_mean``), and :func:`_summary_rows`."""
    values = np.asarray(values, dtype=np.float64)
    rows = [{**keys, "quantity": "row_mean", "row": i, "value": float(v)} for i, v in enumerate(values.mean(axis=1))]
    if columns:
        rows += [
            {**keys, "quantity": "column_mean", "row": j, "value": float(v)} for j, v in enumerate(values.mean(axis=0))
        ]
    return rows + _summary_rows(values, **keys)


def _show_map(ax, values: np.ndarray, title: str, fig: plt.Figure, label: str, diverging: bool = True) -> None:
    values = np.asarray(values, dtype=np.float64)
    if diverging:
        bound = float(np.abs(values).max()) or 1.0
        image = ax.imshow(
            values, cmap="RdBu_r", norm=TwoSlopeNorm(0.0, -bound, bound), aspect="auto", interpolation="nearest"
        )
    else:
        image = ax.imshow(values, cmap="Greys_r", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_xlabel("column (site)", fontsize=7)
    ax.set_ylabel("row (haplotype)", fontsize=7)
    ax.tick_params(labelsize=6)
    bar = fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    bar.set_label(label, fontsize=6)
    bar.ax.tick_params(labelsize=6)


def _show_kernel(ax, kernel: np.ndarray, fig: plt.Figure) -> None:
    _show_map(ax, kernel, "mini-CNN kernel (rows x 1 site)", fig, "weight")
    for (i, j), value in np.ndenumerate(kernel):
        ax.text(j, i, f"{value:+.2f}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(kernel.shape[1]))
    ax.set_yticks(range(kernel.shape[0]))


# --------------------------------------------------------------------------- Fig 2


def fig2_table(weights: Mapping[str, Any], shap: Mapping[str, Any], classes: Sequence[str]) -> pd.DataFrame:
    """Numbers behind Fig 2: mini-CNN kernel entries and dense-weight profiles, Imagene mean-SHAP
    profiles per class (columns ``model, map, class, quantity, row, value, n_images``)."""
    rows = [
        {"model": "mini_cnn", "map": "kernel", "class": "", "quantity": "kernel_weight", "row": i, "value": float(v)}
        for i, v in enumerate(np.asarray(weights["kernel"]).reshape(-1))
    ]
    rows += map_profiles(weights["dense_map"], model="mini_cnn", map="dense_weights", **{"class": ""})
    for label, name in enumerate(classes):
        rows += map_profiles(
            shap["mean_shap"][label],
            model="imagene",
            map="mean_shap",
            n_images=int(shap["n_images"][label]),
            **{"class": name},
        )
    return pd.DataFrame(rows)


def plot_fig2(
    weights: Mapping[str, Any], shap: Mapping[str, Any], classes: Sequence[str], title: str, path: str | os.PathLike
) -> None:
    """A: mini-CNN kernel and dense weights map; B: a sweep image and its convolution + ReLU
    output; C: Imagene on a neutral and a sweep image, their SHAP maps and the class means."""
    fig, axes = plt.subplots(3, 4, figsize=(14, 10))
    _show_kernel(axes[0, 0], np.asarray(weights["kernel"]), fig)
    _show_map(axes[0, 1], weights["dense_map"], "A: mini-CNN dense weights map", fig, "weight")
    _show_map(
        axes[0, 2],
        weights["example_images"][1],
        f"B: {classes[1]} image (preprocessed)",
        fig,
        "allele (1 = minor)",
        False,
    )
    features = np.asarray(weights["example_features"][1])
    _show_map(
        axes[0, 3],
        features / max(features.max(), 1e-12),
        "B: after 2x1 convolution + ReLU (scaled)",
        fig,
        "activation / max",
        False,
    )
    for k, name in enumerate(classes):
        _show_map(axes[1, k], shap["example_images"][k], f"C: {name} image", fig, "allele (1 = minor)", False)
        _show_map(
            axes[1, 2 + k], shap["example_shap"][k], f"C: SHAP values, {name} image", fig, "SHAP (sweep probability)"
        )
        _show_map(
            axes[2, k],
            shap["mean_shap"][k],
            f"C: mean SHAP, {plural(shap['n_images'][k], f'{name} image')}",
            fig,
            "SHAP (sweep probability)",
        )
    profile = np.asarray(weights["dense_map"]).mean(axis=1)
    axes[2, 2].plot(profile, np.arange(profile.size), color="black")
    axes[2, 2].axvline(0, color="grey", lw=0.8)
    axes[2, 2].invert_yaxis()
    axes[2, 2].set_title("mini-CNN dense weights: mean per row", fontsize=8)
    axes[2, 2].set_xlabel("mean weight over columns", fontsize=7)
    axes[2, 2].set_ylabel("row (haplotype)", fontsize=7)
    for k, name in enumerate(classes):
        shap_profile = np.asarray(shap["mean_shap"][k]).mean(axis=1)
        axes[2, 3].plot(shap_profile, np.arange(shap_profile.size), label=name)
    axes[2, 3].axvline(0, color="grey", lw=0.8)
    axes[2, 3].invert_yaxis()
    axes[2, 3].set_title("Imagene mean SHAP: mean per row", fontsize=8)
    axes[2, 3].set_xlabel("mean SHAP over columns", fontsize=7)
    axes[2, 3].set_ylabel("row (haplotype)", fontsize=7)
    axes[2, 3].legend(fontsize=7)
    fig.suptitle(f"Fig 2: mini-CNN weights and Imagene SHAP maps ({title})", fontsize=11)
    fig.tight_layout()
    save_pdf(fig, path, tight=False)


# --------------------------------------------------------------------------- Fig 3


def fig3_table(specs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Spearman correlation of the methods' sweep-oriented outputs and agreement of their calls on
    each data set's test regions (columns ``dataset, dataset_label, measure, method_a, method_b,
    value, n_test, note``); the rows of a not-run data set have NaN values and its note."""
    rows = []
    for dataset in dict.fromkeys(spec["dataset"] for spec in specs):
        part = [spec for spec in specs if spec["dataset"] == dataset]
        label = part[0]["dataset_label"]
        notes = [spec.get("note") for spec in part if spec.get("note")]
        if notes:
            names = [spec["method_label"] for spec in part]
            rows += [
                {
                    "dataset": dataset,
                    "dataset_label": label,
                    "measure": measure,
                    "method_a": a,
                    "method_b": b,
                    "value": np.nan,
                    "n_test": np.nan,
                    "note": notes[0],
                }
                for measure in ("spearman", "agreement")
                for a in names
                for b in names
            ]
            continue
        outputs = {spec["method_label"]: method_outputs(spec) for spec in part}
        index = next(iter(outputs.values())).index
        for name, frame in outputs.items():
            if not frame.index.equals(index):
                raise ValueError(f"{dataset}: {name} was tested on other regions than {next(iter(outputs))}")
        for measure, function, column in (
            ("spearman", spearman_matrix, "score"),
            ("agreement", agreement_matrix, "call"),
        ):
            names, matrix = function({name: frame[column].to_numpy() for name, frame in outputs.items()})
            rows += [
                {
                    "dataset": dataset,
                    "dataset_label": label,
                    "measure": measure,
                    "method_a": a,
                    "method_b": b,
                    "value": float(matrix[i, j]),
                    "n_test": len(index),
                    "note": "",
                }
                for i, a in enumerate(names)
                for j, b in enumerate(names)
            ]
    return pd.DataFrame(rows)


def _heatmap(ax, frame: pd.DataFrame, title: str, low: float) -> None:
    names = list(dict.fromkeys(frame["method_a"]))
    matrix = (
        frame.pivot(index="method_a", columns="method_b", values="value").reindex(index=names, columns=names).to_numpy()
    )
    ax.imshow(matrix, cmap="viridis", vmin=low, vmax=1)
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(
            j,
            i,
            f"{value:.2f}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value < (low + 1) / 2 else "black",
        )
    ax.set_xticks(range(len(names)), names, fontsize=7, rotation=30)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_title(title, fontsize=8)


def plot_fig3(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Per data set: A, Spearman correlation matrix; B, binary-call agreement matrix."""
    datasets = list(dict.fromkeys(table["dataset"]))
    fig, axes = plt.subplots(2, len(datasets), figsize=(4.6 * len(datasets), 8.4), squeeze=False)
    for k, dataset in enumerate(datasets):
        part = table[table["dataset"] == dataset]
        label = part["dataset_label"].iloc[0]
        if part["note"].iloc[0]:
            for ax in axes[:, k]:
                ax.axis("off")
                ax.text(0.5, 0.5, f"{label}:\n{part['note'].iloc[0]}", ha="center", va="center", fontsize=8, wrap=True)
            continue
        n = int(part["n_test"].iloc[0])
        _heatmap(
            axes[0, k],
            part[part["measure"] == "spearman"],
            f"A: Spearman correlation of outputs\n{label} ({n} test regions)",
            -0.2,
        )
        _heatmap(axes[1, k], part[part["measure"] == "agreement"], f"B: fraction of equal binary calls\n{label}", 0.5)
    fig.suptitle("Fig 3: CNNs vs Garud's H1 and iHS (outputs oriented so that larger = sweep)", fontsize=10)
    fig.tight_layout()
    save_pdf(fig, path, tight=False)


# --------------------------------------------------------------------------- Fig 4


def fig4_table(specs: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Per (data set, model, width): Spearman correlation of the sweep probability with S and with
    Garud's H1 on the test regions, and the accuracy; plus H1 vs S for reference."""
    accuracy = table_rows([spec for spec in specs if spec["kind"] == "model" or spec["method"] == "h1"])
    rows = []
    for dataset in dict.fromkeys(spec["dataset"] for spec in specs):
        part = [spec for spec in specs if spec["dataset"] == dataset]
        stats = {spec["method"]: spec for spec in part if spec["kind"] == "statistic"}
        ready = not any(spec.get("note") for spec in part)
        s_values = method_outputs(stats["segregating_sites"])["raw"] if ready else None
        h1_values = method_outputs(stats["h1"])["raw"] if ready else None
        for spec in part:
            if spec["kind"] == "statistic" and spec["method"] != "h1":
                continue
            base = {
                "dataset": dataset,
                "dataset_label": spec["dataset_label"],
                "method": spec["method"],
                "method_label": spec["method_label"],
                "width": spec["width"],
                "note": spec.get("note", ""),
            }
            values = {
                "spearman_S": np.nan,
                "abs_spearman_S": np.nan,
                "spearman_H1": np.nan,
                "accuracy": np.nan,
                "n_test": np.nan,
            }
            if ready:
                raw = method_outputs(spec)["raw"]
                with_s = spearman_matrix({"x": raw.to_numpy(), "S": s_values.loc[raw.index].to_numpy()})[1][0, 1]
                with_h1 = spearman_matrix({"x": raw.to_numpy(), "H1": h1_values.loc[raw.index].to_numpy()})[1][0, 1]
                values.update(spearman_S=with_s, abs_spearman_S=abs(with_s), spearman_H1=with_h1, n_test=len(raw))
                match = accuracy[
                    (accuracy["dataset"] == dataset)
                    & (accuracy["method"] == spec["method"])
                    & (accuracy["width"] == spec["width"])
                ]
                values["accuracy"] = float(match["accuracy"].iloc[0])
            rows.append({**base, **values})
    return pd.DataFrame(rows)


def fig4_scatter(specs: Sequence[Mapping[str, Any]], dataset: str) -> pd.DataFrame:
    """Test regions of ``dataset``: S, label and every model's sweep probability per width
    (columns ``index, label, S, <method>_<width>``)."""
    part = [spec for spec in specs if spec["dataset"] == dataset]
    stats = {spec["method"]: spec for spec in part if spec["kind"] == "statistic"}
    frame = method_outputs(stats["segregating_sites"])[["label", "raw"]].rename(columns={"raw": "S"})
    for spec in part:
        if spec["kind"] == "model":
            frame[f"{spec['method']}_{spec['width']}"] = method_outputs(spec)["raw"]
    return frame.reset_index()


def plot_fig4(
    table: pd.DataFrame,
    scatter: pd.DataFrame,
    images: Mapping[str, np.ndarray],
    weights: Mapping[str, Any],
    shap: Mapping[str, Any],
    example: Mapping[str, Any],
    path: str | os.PathLike,
) -> None:
    """A: a zero-padded neutral and sweep image; B: mini-CNN dense weights under zero-padding and
    their column profile; C: Imagene mean SHAP maps under zero-padding; D: |Spearman(output, S)|
    under zero-padding vs resizing for every model and data set; E: Imagene's sweep probability
    against S on the example data set, zero-padded vs resized images."""
    fig = plt.figure(figsize=(15, 10))
    grid = fig.add_gridspec(3, 4)
    label = example["dataset_label"]
    for k, name in enumerate(("neutral", "sweep")):
        index = int(weights["example_index"][k])
        _show_map(
            fig.add_subplot(grid[0, k]),
            weights["example_images"][k],
            f"A: zero-padded {name} image (raw width {int(images['raw_widths'][index])})",
            fig,
            "allele (1 = minor)",
            False,
        )
    _show_map(
        fig.add_subplot(grid[0, 2]), weights["dense_map"], "B: mini-CNN dense weights (zero-padding)", fig, "weight"
    )
    ax = fig.add_subplot(grid[0, 3])
    ax.plot(np.asarray(weights["dense_map"]).mean(axis=0), color="black")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_title("B: dense weights, mean per column", fontsize=8)
    ax.set_xlabel("column (site)", fontsize=7)
    ax.set_ylabel("mean weight over rows", fontsize=7)
    for k, name in enumerate(("neutral", "sweep")):
        _show_map(
            fig.add_subplot(grid[1, k]),
            shap["mean_shap"][k],
            f"C: Imagene mean SHAP, {plural(shap['n_images'][k], f'{name} image')}",
            fig,
            "SHAP (sweep probability)",
        )
    ax = fig.add_subplot(grid[1, 2:])
    models = table[table["method"] != "h1"]
    groups = list(dict.fromkeys(zip(models["dataset_label"], models["method_label"])))
    x = np.arange(len(groups))
    for offset, width, colour in ((-0.2, "zero_pad", "#c44e52"), (0.2, "resize", "#4c72b0")):
        values = []
        for dataset_label, method_label in groups:
            match = models[
                (models["dataset_label"] == dataset_label)
                & (models["method_label"] == method_label)
                & (models["width"] == width)
            ]["abs_spearman_S"]
            values.append(float(match.iloc[0]) if len(match) and np.isfinite(match.iloc[0]) else 0.0)
        ax.bar(x + offset, values, 0.4, color=colour, label={"zero_pad": "zero-padding", "resize": "resizing"}[width])
    for xi, (dataset_label, _) in zip(x, groups):
        note = models.loc[models["dataset_label"] == dataset_label, "note"].iloc[0]
        if note:
            ax.text(xi, 0.02, "not run (SLiM)", rotation=90, fontsize=6, ha="center", va="bottom")
    ax.set_xticks(
        x,
        [f"{m}\n{d.replace('three populations, ', '').replace('single population', '1 pop.')}" for d, m in groups],
        fontsize=6,
        rotation=45,
        ha="right",
    )
    ax.set_ylim(0, 1)
    ax.set_ylabel("|Spearman(sweep probability, S)|", fontsize=8)
    ax.set_title("D: correlation of each CNN's output with the number of segregating sites S", fontsize=8)
    ax.legend(fontsize=7)
    for k, width in enumerate(("zero_pad", "resize")):
        ax = fig.add_subplot(grid[2, 2 * k : 2 * k + 2])
        column = f"imagene_{width}"
        if column in scatter:
            for class_label, colour, name in ((0, "#4c72b0", "neutral"), (1, "#c44e52", "sweep")):
                part = scatter[scatter["label"] == class_label]
                ax.scatter(part["S"], part[column], s=8, alpha=0.6, color=colour, label=f"{name} test regions")
            rho = table[(table["dataset_label"] == label) & (table["method"] == "imagene") & (table["width"] == width)][
                "spearman_S"
            ]
            text = f", Spearman rho = {float(rho.iloc[0]):+.2f}" if len(rho) else ""
            ax.set_title(f"E: Imagene, {'zero-padding' if width == 'zero_pad' else 'resizing'}{text}", fontsize=8)
            ax.legend(fontsize=7)
        ax.set_xlabel("S, segregating sites in the region", fontsize=8)
        ax.set_ylabel("Imagene sweep probability", fontsize=8)
    fig.suptitle(f"Fig 4: zero-padding makes the CNNs attend to the image width (examples: {label})", fontsize=11)
    fig.tight_layout()
    save_pdf(fig, path, tight=False)


# --------------------------------------------------------------------------- Figs N and O


def figNO_table(
    specs: Sequence[Mapping[str, Any]],
    maps: Mapping[str, Mapping[str, Mapping[str, Any]]],
    classes: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """Accuracy of every model on each pairwise task (``quantity = accuracy``) and the row
    profiles of the mini-CNN dense weights and Imagene mean SHAP maps."""
    accuracy = table_rows(specs)
    rows = [
        {
            "dataset": r.dataset,
            "dataset_label": r.dataset_label,
            "model": r.method,
            "map": "",
            "class": "",
            "quantity": "accuracy",
            "row": np.nan,
            "value": r.accuracy,
            "ci_low": r.ci_low,
            "ci_high": r.ci_high,
            "n_test": r.n_test,
            "note": r.note,
        }
        for r in accuracy.itertuples()
    ]
    for dataset, by_model in maps.items():
        label = accuracy.loc[accuracy["dataset"] == dataset, "dataset_label"].iloc[0]
        keys = {"dataset": dataset, "dataset_label": label, "note": ""}
        rows += map_profiles(
            by_model["mini_cnn"]["dense_map"], model="mini_cnn", map="dense_weights", **keys, **{"class": ""}
        )
        for k, name in enumerate(classes[dataset]):
            rows += map_profiles(
                by_model["imagene"]["mean_shap"][k], model="imagene", map="mean_shap", **keys, **{"class": name}
            )
    return pd.DataFrame(rows)


def plot_figNO(
    table: pd.DataFrame,
    maps: Mapping[str, Mapping[str, Mapping[str, Any]]],
    classes: Mapping[str, Sequence[str]],
    path: str | os.PathLike,
) -> None:
    """Per pairwise task: Imagene mean SHAP maps of both classes (Fig N), mini-CNN dense weights
    (Fig O); last column: accuracies with 95% CI."""
    datasets = list(dict.fromkeys(table["dataset"]))
    fig, axes = plt.subplots(len(datasets), 4, figsize=(16, 3.8 * len(datasets)), squeeze=False)
    for k, dataset in enumerate(datasets):
        label = table.loc[table["dataset"] == dataset, "dataset_label"].iloc[0]
        if dataset in maps:
            for c, name in enumerate(classes[dataset]):
                _show_map(
                    axes[k, c],
                    maps[dataset]["imagene"]["mean_shap"][c],
                    f"N: Imagene mean SHAP, {name} images\n({label})",
                    fig,
                    "SHAP (class-1 probability)",
                )
            _show_map(
                axes[k, 2],
                maps[dataset]["mini_cnn"]["dense_map"],
                f"O: mini-CNN dense weights\n({label})",
                fig,
                "weight",
            )
        else:
            for ax in axes[k, :3]:
                ax.axis("off")
        ax = axes[k, 3]
        part = table[(table["dataset"] == dataset) & (table["quantity"] == "accuracy")]
        errors = np.vstack([(part["value"] - part["ci_low"]).fillna(0), (part["ci_high"] - part["value"]).fillna(0)])
        ax.bar(
            range(len(part)), part["value"].fillna(0), yerr=errors, capsize=3, color=["#4c72b0", "#dd8452"][: len(part)]
        )
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_xticks(range(len(part)), [MODEL_LABELS.get(m, m) for m in part["model"]], fontsize=8)
        set_bar_ylim(ax, part["value"].fillna(0), part["ci_high"])
        ax.set_ylabel("test accuracy (95% CI)", fontsize=8)
        ax.set_title(f"{classes[dataset][1]} vs {classes[dataset][0]}: test accuracy", fontsize=8)
    fig.suptitle("Figs N and O: hard vs neutral and hard vs soft sweeps (pairwise classifiers)", fontsize=11)
    fig.tight_layout()
    save_pdf(fig, path, tight=False)
