"""EvoAug (Lee et al. 2023) performance figures: Figs 1b, 2a-c, S1-S5, S7 and Table S2.

Every figure is drawn from a table with one row per plotted group; the tables are the CSVs that
accompany the PDFs. Metrics are means over seeds with their standard deviation (``ddof = 1``;
0 with a single seed). Inputs are the per-model evaluation JSONs, training histories and
Snakemake benchmark files written by the EvoAug training rules; a *record* names one model
stage (``dataset``, ``setting``, ``stage``, ``seed`` and, for Fig 2c, ``n_train``) and the
figure rules pass records and files in the same order.

Labels: ``standard`` (no augmentation), ``pretrained`` (after training with augmentations),
``finetuned`` (after fine-tuning on the original data).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from genomic_dl.evoaug2023.grid import HEADLINE_METRIC, METRIC_LABELS, chip_tf, dataset_kind
from genomic_dl.io import read_json
from genomic_dl.plotting import plural, save_pdf

__all__ = [
    "STAGE_COLORS",
    "compute_cost_table",
    "fig2b_table",
    "fig2c_table",
    "performance_table",
    "plot_fig2b",
    "plot_fig2c",
    "plot_settings",
    "plot_sweeps",
    "plot_training_curves",
    "read_evaluations",
    "read_task_metrics",
    "summarise",
    "sweep_table",
    "training_curves",
]

STAGE_COLORS = {"standard": "#7f7f7f", "pretrained": "#9ecae1", "finetuned": "#08519c"}
STAGE_LABELS = {"standard": "standard training", "pretrained": "EvoAug pretrained", "finetuned": "EvoAug fine-tuned"}
#: Pseudo-setting summarising the best single augmentation (by the mean over seeds).
BEST_SINGLE = "best_single_augmentation"


def _sd(values: pd.Series) -> float:
    return float(values.std(ddof=1)) if len(values) > 1 else 0.0


def _check_records(records: Sequence[Mapping], paths: Sequence[str]) -> None:
    if len(records) != len(paths):
        raise ValueError(f"{len(records)} records but {len(paths)} files")


# --------------------------------------------------------------------------- evaluations


def read_evaluations(records: Sequence[Mapping], paths: Sequence[str], split: str = "test") -> pd.DataFrame:
    """One row per record: the record's fields and the mean-over-tasks metrics.

    Parameters
    ----------
    records, paths
        Model stages and their ``*_evaluation.json`` files, in the same order.
    split
        ``"test"`` (the top-level metrics) or ``"valid"`` (the ``valid`` block).

    Returns
    -------
    pandas.DataFrame
        Record columns, ``loss`` and one column per metric (``auroc``, ``aupr`` or
        ``pearson_r``, ``spearman_r``, ``mse``): the mean over tasks.
    """
    _check_records(records, paths)
    rows = []
    for record, path in zip(records, paths):
        evaluation = read_json(path)
        metrics = evaluation if split == "test" else evaluation.get(split)
        if metrics is None:
            raise ValueError(f"{path}: no '{split}' metrics")
        row = {**record, "loss": metrics["loss"]}
        row.update({key[len("mean_") :]: value for key, value in metrics.items() if key.startswith("mean_")})
        rows.append(row)
    return pd.DataFrame(rows)


def read_task_metrics(records: Sequence[Mapping], paths: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """One row per record and task: the record's fields, ``task`` and the test ``metrics`` of that task."""
    _check_records(records, paths)
    rows = []
    for record, path in zip(records, paths):
        evaluation = read_json(path)
        for index, task in enumerate(evaluation["task_names"]):
            rows.append({**record, "task": task, **{metric: evaluation[metric][index] for metric in metrics}})
    return pd.DataFrame(rows)


def summarise(frame: pd.DataFrame, by: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Mean and sd over seeds of ``metrics`` per group ``by`` (groups in first-seen order).

    Returns columns ``by``, ``n_seeds``, ``<metric>_mean``, ``<metric>_sd``.
    """
    rows = []
    for key, part in frame.groupby(list(by), sort=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key))
        row["n_seeds"] = int(part["seed"].nunique())
        for metric in metrics:
            row[f"{metric}_mean"] = float(part[metric].mean())
            row[f"{metric}_sd"] = _sd(part[metric])
        rows.append(row)
    return pd.DataFrame(rows)


def _add_gain(table: pd.DataFrame, metrics: Sequence[str], within: Sequence[str]) -> pd.DataFrame:
    """``<metric>_gain_vs_standard`` = the row's mean minus the standard model's (same ``within`` group)."""
    table = table.copy()
    standard = table[table["setting"] == "standard"]
    keys = list(within)
    for metric in metrics:
        column = f"{metric}_mean"
        if keys:
            reference = standard[[*keys, column]].rename(columns={column: "_reference"})
            base = table[keys].merge(reference, on=keys, how="left")["_reference"].to_numpy()
        else:
            base = float(standard[column].iloc[0]) if len(standard) else math.nan
        table[f"{metric}_gain_vs_standard"] = table[column].to_numpy() - base
    return table


def _best_single_rows(table: pd.DataFrame, singles: Sequence[str], metric: str, within: Sequence[str]) -> pd.DataFrame:
    """Rows of the single augmentation with the highest mean ``metric`` per stage (and ``within`` group)."""
    candidates = table[table["setting"].isin(singles)]
    if candidates.empty:
        return candidates
    groups = [*within, "stage"]
    best = candidates.loc[candidates.groupby(groups, sort=False)[f"{metric}_mean"].idxmax()].copy()
    best["best_of"] = best["setting"]
    best["setting"] = BEST_SINGLE
    return best


def performance_table(
    per_seed: pd.DataFrame,
    metrics: Sequence[str],
    singles: Sequence[str],
    *,
    within: Sequence[str] = (),
) -> pd.DataFrame:
    """Figs 1b, 2a, 2b table: per setting and stage (and ``within`` groups, e.g. task or dataset).

    Columns: ``within``, ``setting``, ``stage``, ``n_seeds``, ``<metric>_mean``,
    ``<metric>_sd`` and ``<metric>_gain_vs_standard`` (difference of means with the standard
    model of the same group); then one row per stage with ``setting`` =
    ``best_single_augmentation`` (the single augmentation with the highest mean of the first
    metric; ``best_of`` names it).
    """
    table = summarise(per_seed, [*within, "setting", "stage"], metrics)
    table = _add_gain(table, metrics, within)
    best = _best_single_rows(table, singles, metrics[0], within)
    table["best_of"] = ""
    return pd.concat([table, best], ignore_index=True)


def _setting_order(table: pd.DataFrame) -> list[str]:
    settings = [s for s in dict.fromkeys(table["setting"]) if s != BEST_SINGLE]
    return ["standard", *[s for s in settings if s != "standard"]]


def _box_panel(ax, per_seed: pd.DataFrame, metric: str, settings: Sequence[str], title: str, ylabel: str) -> None:
    """Box plots per setting (standard; pretrained and fine-tuned side by side) with the seeds as dots."""
    positions, ticks = [], []
    x = 0.0
    for setting in settings:
        stages = ["standard"] if setting == "standard" else ["pretrained", "finetuned"]
        offsets = [0.0] if len(stages) == 1 else [-0.2, 0.2]
        for stage, offset in zip(stages, offsets):
            values = per_seed[(per_seed["setting"] == setting) & (per_seed["stage"] == stage)][metric].dropna()
            if values.empty:
                continue
            box = ax.boxplot(values, positions=[x + offset], widths=0.32, patch_artist=True, showfliers=False)
            for patch in box["boxes"]:
                patch.set_facecolor(STAGE_COLORS[stage])
            for median in box["medians"]:
                median.set_color("black")
            ax.scatter(np.full(len(values), x + offset), values, s=8, color="black", zorder=3)
            positions.append(x + offset)
        ticks.append(x)
        x += 1.0
    ax.set_xticks(ticks, [s.replace("_", " ") for s in settings], rotation=40, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    standard = per_seed[per_seed["setting"] == "standard"][metric]
    if not standard.empty:
        ax.axhline(standard.mean(), color=STAGE_COLORS["standard"], ls="--", lw=0.8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=STAGE_COLORS[s]) for s in STAGE_COLORS]
    # Outside the axes: inside, it covered boxes whatever corner it took (Fig 2a).
    ax.legend(
        handles,
        [STAGE_LABELS[s] for s in STAGE_COLORS],
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
    )


def plot_settings(
    per_seed: pd.DataFrame,
    metric: str,
    pdf_path: str | os.PathLike,
    *,
    title: str,
    panels: str | None = None,
) -> None:
    """Figs 1b and 2a: the metric of every setting as box plots over seeds.

    ``panels``: a column of ``per_seed`` (e.g. ``task``) drawn as separate panels.
    """
    groups = [(None, per_seed)] if panels is None else list(per_seed.groupby(panels, sort=False))
    settings = _setting_order(per_seed)
    fig, axes = plt.subplots(
        len(groups), 1, figsize=(max(6.0, 0.75 * len(settings) + 2), 3.6 * len(groups)), squeeze=False
    )
    n_seeds = per_seed["seed"].nunique()
    for ax, (name, part) in zip(axes[:, 0], groups):
        panel_title = f"{name}" if name is not None else ""
        _box_panel(ax, part, metric, settings, panel_title, f"test {METRIC_LABELS.get(metric, metric)}")
    fig.suptitle(f"{title} ({plural(n_seeds, 'seed')} per box)", fontsize=11)
    fig.tight_layout()
    save_pdf(fig, pdf_path)


# --------------------------------------------------------------------------- Fig 2b


def fig2b_table(per_seed: pd.DataFrame, metrics: Sequence[str] = ("auroc", "aupr")) -> pd.DataFrame:
    """Fig 2b table: per TF, setting and stage, plus ``tf = all``: the means over TFs of the per-TF means.

    Gains are against the standard model of the same TF.
    """
    per_seed = per_seed.assign(tf=per_seed["dataset"].map(chip_tf))
    table = performance_table(per_seed, metrics, singles=(), within=("tf",))
    table = table[table["setting"] != BEST_SINGLE]
    columns = [c for c in table.columns if c.endswith(("_mean", "_gain_vs_standard"))]
    overall = table.groupby(["setting", "stage"], sort=False)[columns].mean().reset_index()
    overall["tf"] = "all"
    overall["n_seeds"] = table.groupby(["setting", "stage"], sort=False)["n_seeds"].min().to_numpy()
    for metric in metrics:  # sd of the per-TF means
        overall[f"{metric}_sd"] = (
            table.groupby(["setting", "stage"], sort=False)[f"{metric}_mean"].std(ddof=1).fillna(0).to_numpy()
        )
    return pd.concat([table.drop(columns="best_of"), overall], ignore_index=True)


def plot_fig2b(per_seed: pd.DataFrame, pdf_path: str | os.PathLike, metric: str = "auroc") -> None:
    """Fig 2b: per TF, box plots of standard, pretrained and fine-tuned models."""
    per_seed = per_seed.assign(tf=per_seed["dataset"].map(chip_tf))
    tfs = list(dict.fromkeys(per_seed["tf"]))
    combos = [s for s in dict.fromkeys(per_seed["setting"]) if s != "standard"]
    groups = [("standard", "standard")] + [(s, stage) for s in combos for stage in ("pretrained", "finetuned")]
    width = 0.8 / len(groups)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(tfs) + 2), 4.0))
    for g, (setting, stage) in enumerate(groups):
        for t, tf in enumerate(tfs):
            values = per_seed[(per_seed["tf"] == tf) & (per_seed["setting"] == setting) & (per_seed["stage"] == stage)][
                metric
            ].dropna()
            if values.empty:
                continue
            x = t - 0.4 + width * (g + 0.5)
            box = ax.boxplot(values, positions=[x], widths=width * 0.85, patch_artist=True, showfliers=False)
            for patch in box["boxes"]:
                patch.set_facecolor(STAGE_COLORS[stage])
            for median in box["medians"]:
                median.set_color("black")
            ax.scatter(np.full(len(values), x), values, s=6, color="black", zorder=3)
    ax.set_xticks(range(len(tfs)), tfs)
    ax.set_xlabel("ChIP-seq data set (TF)")
    ax.set_ylabel(f"test {METRIC_LABELS.get(metric, metric)}")
    labels = ["standard training"] + [f"{s} {STAGE_LABELS[stage].split(' ', 1)[1]}" for s, stage in groups[1:]]
    ax.legend(
        [plt.Rectangle((0, 0), 1, 1, color=STAGE_COLORS[stage]) for _, stage in groups],
        labels,
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
    )
    n_seeds = per_seed["seed"].nunique()
    ax.set_title(f"EvoAug Fig 2b: ChIP-seq classification ({plural(n_seeds, 'seed')} per box)", fontsize=11)
    fig.tight_layout()
    save_pdf(fig, pdf_path)


# --------------------------------------------------------------------------- Fig 2c


def _method(setting: str, stage: str) -> str:
    return "standard" if setting == "standard" else stage


def fig2c_table(per_seed: pd.DataFrame, metrics: Sequence[str] = ("auroc", "aupr")) -> pd.DataFrame:
    """Fig 2c table: per TF, training set size and method (standard / pretrained / finetuned).

    Adds ``<metric>_gain_vs_standard`` (against standard training of the same TF and size) and
    ``size_position`` (``smallest``, ``largest`` or ``middle`` among the sizes of the TF) so
    that claims can compare the ends of the curve whatever the sizes of a preset.
    """
    per_seed = per_seed.assign(
        tf=per_seed["dataset"].map(chip_tf),
        method=[_method(s, t) for s, t in zip(per_seed["setting"], per_seed["stage"])],
    )
    table = summarise(per_seed, ["tf", "n_train", "method"], metrics)
    for metric in metrics:
        standard = table[table["method"] == "standard"].set_index(["tf", "n_train"])[f"{metric}_mean"]
        base = [standard.get((tf, n), math.nan) for tf, n in zip(table["tf"], table["n_train"])]
        table[f"{metric}_gain_vs_standard"] = table[f"{metric}_mean"] - np.asarray(base)
    smallest = table.groupby("tf")["n_train"].transform("min")
    largest = table.groupby("tf")["n_train"].transform("max")
    table["size_position"] = np.where(
        table["n_train"] == smallest, "smallest", np.where(table["n_train"] == largest, "largest", "middle")
    )
    return table.sort_values(
        ["tf", "method", "n_train"],
        key=lambda c: c.map({"standard": 0, "pretrained": 1, "finetuned": 2}) if c.name == "method" else c,
        kind="stable",
    ).reset_index(drop=True)


def plot_fig2c(table: pd.DataFrame, pdf_path: str | os.PathLike, metric: str = "auroc") -> None:
    """Fig 2c: mean test metric vs training set size, shaded ± sd over seeds, one panel per TF."""
    tfs = list(dict.fromkeys(table["tf"]))
    fig, axes = plt.subplots(1, len(tfs), figsize=(4.6 * len(tfs), 3.8), squeeze=False, sharey=True)
    for ax, tf in zip(axes[0], tfs):
        part = table[table["tf"] == tf]
        for method in ("standard", "pretrained", "finetuned"):
            line = part[part["method"] == method].sort_values("n_train")
            if line.empty:
                continue
            mean, sd = line[f"{metric}_mean"].to_numpy(), line[f"{metric}_sd"].to_numpy()
            ax.plot(line["n_train"], mean, marker="o", color=STAGE_COLORS[method], label=STAGE_LABELS[method])
            ax.fill_between(line["n_train"], mean - sd, mean + sd, color=STAGE_COLORS[method], alpha=0.25)
        ax.set_xscale("log")
        sizes = sorted(part["n_train"].unique())
        ax.set_xticks(sizes, [f"{n:,}" for n in sizes], rotation=45 if len(sizes) > 5 else 0, fontsize=8)
        ax.minorticks_off()
        ax.set_xlabel("training sequences (log scale)")
        ax.set_title(tf)
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel(f"test {METRIC_LABELS.get(metric, metric)}")
    n_seeds = int(table["n_seeds"].min())
    fig.suptitle(
        f"EvoAug Fig 2c: down-sampled ChIP-seq training sets (mean ± sd over {plural(n_seeds, 'seed')})",
        fontsize=11,
    )
    fig.tight_layout()
    save_pdf(fig, pdf_path)


# --------------------------------------------------------------------------- Fig S7


def training_curves(records: Sequence[Mapping], paths: Sequence[str]) -> pd.DataFrame:
    """Fig S7 table: validation loss and metric per epoch, mean ± sd over seeds.

    ``curve`` is ``standard``, ``pretraining`` or ``fine-tuning``; fine-tuning epochs continue
    the numbering of the pretraining epochs of the same seed (``epoch`` = pretraining epochs +
    fine-tuning epoch). ``metric`` names the validation metric (AUPR for Basset, Pearson r for
    DeepSTARR, AUROC for ChIP-seq); an epoch's mean is over the seeds that reached it
    (``n_seeds``).
    """
    _check_records(records, paths)
    frames = []
    pretrain_epochs: dict[tuple, int] = {}
    order = sorted(range(len(records)), key=lambda i: records[i]["stage"] == "finetuned")
    for index in order:
        record, path = records[index], paths[index]
        try:
            history = pd.read_csv(path)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
            raise ValueError(f"{path}: cannot read the history ({error})") from error
        metric = HEADLINE_METRIC[dataset_kind(record["dataset"])]
        column = f"valid_{metric}"
        if column not in history.columns or "valid_loss" not in history.columns:
            raise ValueError(f"{path}: history lacks '{column}' or 'valid_loss'")
        key = (record["dataset"], record["setting"], record["seed"])
        epoch = history["epoch"].to_numpy()
        if record["stage"] == "pretrained":
            pretrain_epochs[key] = int(epoch.max())
        elif record["stage"] == "finetuned":
            epoch = epoch + pretrain_epochs.get(key, 0)
        curve = {"standard": "standard", "pretrained": "pretraining", "finetuned": "fine-tuning"}[record["stage"]]
        frames.append(
            pd.DataFrame(
                {
                    "dataset": record["dataset"],
                    "curve": curve,
                    "metric": metric,
                    "seed": record["seed"],
                    "epoch": epoch,
                    "valid_metric": history[column],
                    "valid_loss": history["valid_loss"],
                }
            )
        )
    per_seed = pd.concat(frames, ignore_index=True)
    table = summarise(per_seed, ["dataset", "curve", "metric", "epoch"], ["valid_metric", "valid_loss"])
    return table.sort_values(["dataset", "curve", "epoch"], kind="stable").reset_index(drop=True)


def plot_training_curves(table: pd.DataFrame, pdf_path: str | os.PathLike) -> None:
    """Fig S7: validation metric (left) and loss (right) per epoch, one row per dataset."""
    datasets = list(dict.fromkeys(table["dataset"]))
    colors = {
        "standard": STAGE_COLORS["standard"],
        "pretraining": STAGE_COLORS["pretrained"],
        "fine-tuning": STAGE_COLORS["finetuned"],
    }
    fig, axes = plt.subplots(len(datasets), 2, figsize=(10, 3.2 * len(datasets)), squeeze=False)
    for row, dataset in zip(axes, datasets):
        part = table[table["dataset"] == dataset]
        metric = part["metric"].iloc[0]
        for curve, color in colors.items():
            line = part[part["curve"] == curve]
            if line.empty:
                continue
            for ax, value in zip(row, ("valid_metric", "valid_loss")):
                mean, sd = line[f"{value}_mean"].to_numpy(), line[f"{value}_sd"].to_numpy()
                ax.plot(line["epoch"], mean, color=color, label=curve, marker=".")
                ax.fill_between(line["epoch"], mean - sd, mean + sd, color=color, alpha=0.25)
        row[0].set_ylabel(f"validation {METRIC_LABELS.get(metric, metric)}")
        row[1].set_ylabel("validation loss")
        for ax in row:
            ax.set_xlabel("epoch")
            ax.set_title(dataset, fontsize=10)
            ax.legend(fontsize=7)
    fig.suptitle("EvoAug Fig S7: training curves (mean ± sd over seeds)", fontsize=11)
    fig.tight_layout()
    save_pdf(fig, pdf_path)


# --------------------------------------------------------------------------- Table S2


def _read_benchmark(path: str | os.PathLike) -> dict[str, float]:
    try:
        frame = pd.read_csv(path, sep="\t", na_values=["NA", "-"])
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValueError(f"{path}: cannot read the benchmark ({error})") from error
    if "s" not in frame.columns or frame.empty:
        raise ValueError(f"{path}: not a Snakemake benchmark file (no 's' column)")
    return {"s": float(frame["s"].iloc[0]), "max_rss": float(frame.get("max_rss", pd.Series([math.nan])).iloc[0])}


def compute_cost_table(jobs: Sequence[Mapping], benchmarks: Sequence[str], histories: Sequence[str]) -> pd.DataFrame:
    """Table S2: computational cost per dataset and setting, mean ± sd over seeds.

    Parameters
    ----------
    jobs
        ``{dataset, setting, seed}`` per training job, in the order of ``benchmarks``.
    benchmarks
        The jobs' Snakemake benchmark files (wall-clock ``s``, ``max_rss`` in MB).
    histories
        The jobs' history CSVs, in job order: one (standard) or two (pretrained, fine-tuned).

    Returns
    -------
    pandas.DataFrame
        ``dataset``, ``setting``, ``n_seeds``, ``epochs_mean`` (standard training or
        pretraining), ``seconds_per_epoch_mean/sd`` (training + validation of one epoch, from
        the histories), ``finetune_epochs_mean``, ``finetune_seconds_per_epoch_mean``,
        ``job_seconds_mean/sd`` (the benchmark: the whole job, including data loading and
        evaluation), ``max_rss_mb_mean`` and ``epoch_cost_vs_standard`` (seconds per epoch
        over the standard model's, same dataset).
    """
    _check_records(jobs, benchmarks)
    rows, position = [], 0
    for job, benchmark in zip(jobs, benchmarks):
        n_histories = 1 if job["setting"] == "standard" else 2
        stage_histories = histories[position : position + n_histories]
        position += n_histories
        if len(stage_histories) != n_histories:
            raise ValueError("fewer history files than the jobs need")
        first = pd.read_csv(stage_histories[0])
        row = {
            **job,
            **_read_benchmark(benchmark),
            "epochs": len(first),
            "seconds_per_epoch": float(first["seconds"].mean()),
        }
        if n_histories == 2:
            second = pd.read_csv(stage_histories[1])
            row.update(finetune_epochs=len(second), finetune_seconds_per_epoch=float(second["seconds"].mean()))
        rows.append(row)
    if position != len(histories):
        raise ValueError(f"{len(histories)} history files for jobs that need {position}")
    per_job = pd.DataFrame(rows)
    for column in ("finetune_epochs", "finetune_seconds_per_epoch"):
        if column not in per_job:
            per_job[column] = math.nan
    per_job = per_job.rename(columns={"s": "job_seconds", "max_rss": "max_rss_mb"})
    table = summarise(per_job, ["dataset", "setting"], ["seconds_per_epoch", "job_seconds"])
    means = (
        per_job.groupby(["dataset", "setting"], sort=False)[
            ["epochs", "finetune_epochs", "finetune_seconds_per_epoch", "max_rss_mb"]
        ]
        .mean()
        .reset_index()
    )
    table = table.merge(means.rename(columns={c: f"{c}_mean" for c in means.columns[2:]}), on=["dataset", "setting"])
    standard = table[table["setting"] == "standard"].set_index("dataset")["seconds_per_epoch_mean"]
    table["epoch_cost_vs_standard"] = table["seconds_per_epoch_mean"] / table["dataset"].map(standard)
    return table


# --------------------------------------------------------------------------- Figs S1-S5


def sweep_table(
    records: Sequence[Mapping],
    paths: Sequence[str],
    reference_records: Sequence[Mapping],
    reference_paths: Sequence[str],
) -> pd.DataFrame:
    """Figs S1-S5 table: validation metric per dataset, swept parameter value and stage.

    ``records`` carry ``dataset``, ``augmentation``, ``parameter``, ``value``, ``stage`` and
    ``seed``; the metric is the dataset's headline metric (AUPR, Pearson r) on the validation
    set. ``standard_mean`` is the standard models' validation metric of the dataset.
    """
    per_seed = read_evaluations(records, paths, split="valid")
    reference = read_evaluations(reference_records, reference_paths, split="valid")
    per_seed["metric"] = per_seed["dataset"].map(lambda d: HEADLINE_METRIC[dataset_kind(d)])
    per_seed["valid_metric"] = [row[row["metric"]] for _, row in per_seed.iterrows()]
    table = summarise(per_seed, ["dataset", "augmentation", "parameter", "value", "stage", "metric"], ["valid_metric"])
    standard = {
        dataset: float(part[HEADLINE_METRIC[dataset_kind(dataset)]].mean())
        for dataset, part in reference.groupby("dataset")
    }
    table["standard_mean"] = table["dataset"].map(standard)
    return table


def plot_sweeps(table: pd.DataFrame, pdf_path: str | os.PathLike) -> None:
    """Figs S1-S5: validation metric vs each swept hyperparameter, pretrained and fine-tuned."""
    panels = list(dict.fromkeys(zip(table["dataset"], table["augmentation"], table["parameter"])))
    n_cols = min(4, len(panels))
    n_rows = math.ceil(len(panels) / n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4.0 * n_cols, 3.3 * n_rows), squeeze=False)
    for ax, (dataset, augmentation, parameter) in zip(axes.flat, panels):
        part = table[
            (table["dataset"] == dataset) & (table["augmentation"] == augmentation) & (table["parameter"] == parameter)
        ]
        for stage in ("pretrained", "finetuned"):
            line = part[part["stage"] == stage].sort_values("value")
            mean, sd = line["valid_metric_mean"].to_numpy(), line["valid_metric_sd"].to_numpy()
            ax.errorbar(
                line["value"],
                mean,
                yerr=sd,
                marker="o",
                capsize=3,
                color=STAGE_COLORS[stage],
                label=STAGE_LABELS[stage],
            )
        ax.axhline(part["standard_mean"].iloc[0], color=STAGE_COLORS["standard"], ls="--", label="standard training")
        metric = part["metric"].iloc[0]
        ax.set_xlabel(f"{parameter}" + (" (EvoAug combination)" if augmentation == "evoaug" else ""))
        ax.set_ylabel(f"validation {METRIC_LABELS.get(metric, metric)}")
        ax.set_title(f"{dataset}: {augmentation.replace('_', ' ')}", fontsize=10)
        ax.legend(fontsize=6)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    fig.suptitle("EvoAug Figs S1-S5: hyperparameter sweeps (mean ± sd over seeds)", fontsize=11)
    fig.tight_layout()
    save_pdf(fig, pdf_path)
