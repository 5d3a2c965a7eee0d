"""Experiment (issue #15): why Gaussian-noise pretraining leaves the DeepSTARR-like developmental task unlearnt.

Run (one thread; about 30 s per model on a free core)::

    PYTHONPATH=src python benchmarks/exp_evoaug_noise_developmental.py [--std 0 0.1 0.2 0.3]
        [--seeds 1 2 3] [--epochs 15] [--tasks both|developmental|housekeeping] [--width 0.25]
        [--constant-lr] [--single-motifs FOS::JUN ZBED1] [--batchnorm-clean] [--json PATH]

The data are the default preset's DeepSTARR-like set (``config/config.yaml``
``evoaug.data.synthetic.deepstarr`` and ``split``, generated with the seed of rule
``evoaug_data``), the model the DeepSTARR network at ``evoaug.models.deepstarr.width`` (or
``--width``), trained with ``evoaug.training`` (``--epochs`` replaces ``max_epochs``; early
stopping is switched off above 15 epochs) by :func:`train_standard` (noise sd 0) or
:func:`pretrain_augmented` with the noise augmentation alone (as the workflow's ``noise``
setting, ``noise_std`` = ``--std``). For every model it prints the test Pearson r per task, the
sd of the predictions (a collapsed output has a small sd), the r on noisy test inputs and the
best epoch, and per epoch the validation r, mean error (bias) and prediction sd of every task.
``--constant-lr`` switches off the plateau schedule, early stopping and best-weight restoring;
``--single-motifs A B`` replaces the two tasks by the occupancy of motif A and of motif B alone
(weight 1, the same sequences and label noise), so that only the motif differs between them.
``--batchnorm-clean`` also reports the test r, bias and MSE after the batch-norm running
statistics are re-estimated on the clean training inputs (weights unchanged).

``--detectability`` prints instead, for each motif of the grammar, the AUROC with which its own
log-odds matrix (the generator's matched filter; maximum over positions and strands) tells 249-nt
random sequences with one planted copy from sequences without, at input noise sd 0 to 0.3.

Writes ``benchmarks/results/evoaug_noise_developmental.json`` (or ``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import torch
import torch.nn.functional as F
import yaml
from sklearn.metrics import roc_auc_score

from genomic_dl.evoaug2023 import grammar, synthetic
from genomic_dl.evoaug2023.experiment import build_augmenter, resolve_setting
from genomic_dl.evoaug2023.models import build_model
from genomic_dl.evoaug2023.training import pretrain_augmented, train_standard, trainer_config_from
from genomic_dl.nn.device import configure_threads, seed_everything
from genomic_dl.nn.trainer import predict
from genomic_dl.plan import derive_seed

REPO = Path(__file__).resolve().parents[1]
TASKS = {"both": [0, 1], "developmental": [0], "housekeeping": [1]}
TASK_NAMES = ("developmental", "housekeeping")


def load_config() -> dict:
    return yaml.safe_load((REPO / "config" / "config.yaml").read_text())


def default_data(config: dict, single_motifs: list[str] | None = None) -> dict:
    """The default preset's DeepSTARR-like splits, generated as rule evoaug_data does."""
    options = config["evoaug"]["data"]["synthetic"]["deepstarr"]
    spec = grammar.deepstarr_like_spec(options["length"], options["noise"])
    if single_motifs:
        spec["tasks"] = [
            {"name": name, "bias": 0.0, "noise": options["noise"], "terms": [{"motif": motif, "weight": 1.0}]}
            for name, motif in zip(TASK_NAMES, single_motifs)
        ]
    rng = np.random.default_rng(derive_seed(config["seed"], "evoaug_data", "deepstarr"))
    data = synthetic.generate_dataset(spec, options["n_sequences"], rng)
    return synthetic.split_dataset(data, tuple(config["evoaug"]["data"]["synthetic"]["split"]), rng)


def per_task_metrics(tasks: list[int]) -> dict:
    """Validation metrics per task for fit: Pearson r, mean error, prediction sd."""

    def metric(kind: str, column: int):
        def value(outputs: torch.Tensor, targets: torch.Tensor) -> float:
            o, y = outputs[:, column].double(), targets[:, column].double()
            if kind == "r":
                return float(torch.corrcoef(torch.stack([o, y]))[0, 1])
            return float((o - y).mean()) if kind == "bias" else float(o.std())

        return value

    return {f"{kind}_{TASK_NAMES[t]}": metric(kind, c) for c, t in enumerate(tasks) for kind in ("r", "bias", "sd")}


def recalibrate_batchnorm(model: torch.nn.Module, x: np.ndarray) -> None:
    """Re-estimate every batch-norm layer's running mean and variance on ``x`` (no weight changes)."""
    layers = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    for layer in layers:
        layer.reset_running_stats()
        layer.momentum = None  # cumulative average over the batches below
    model.eval()
    for layer in layers:
        layer.train()  # only the batch-norm layers: dropout stays off
    with torch.no_grad():
        inputs = torch.as_tensor(x, dtype=torch.float32)
        for start in range(0, len(inputs), 100):
            model(inputs[start : start + 100])
    model.eval()


def train_one(
    splits: dict,
    config: dict,
    std: float,
    seed: int,
    epochs: int,
    tasks: list[int],
    width: float,
    constant_lr: bool,
    batchnorm_clean: bool = False,
) -> dict:
    from genomic_dl.evoaug2023 import training

    train, valid, test = ((splits[s]["x"], splits[s]["y"][:, tasks]) for s in ("train", "valid", "test"))
    generator = seed_everything(seed)
    model = build_model(
        "deepstarr", {"sequence_length": 249, "n_tasks": len(tasks), "width": width}, generator=generator
    )
    settings = dict(config["evoaug"]["training"], max_epochs=epochs)
    if epochs > 15 or constant_lr:
        settings["early_stopping_patience"] = None
    if constant_lr:
        settings.update(lr_plateau_patience=None, restore_best=False)
    trainer = trainer_config_from(settings)
    original = training.epoch_metrics
    training.epoch_metrics = lambda task: per_task_metrics(tasks)
    start = time.perf_counter()
    try:
        if std == 0:
            history = train_standard(model, train, valid, trainer, "cpu", generator, task="regression", log=None)
        else:
            resolved = resolve_setting(
                "noise", {"singles": ["noise"]}, {"noise": {"noise_mean": 0.0, "noise_std": std}}
            )
            augmenter = build_augmenter(resolved)
            history = pretrain_augmented(
                model, train, valid, augmenter, trainer, "cpu", generator, task="regression", log=None
            )
    finally:
        training.epoch_metrics = original
    seconds = time.perf_counter() - start
    x, y = (torch.as_tensor(a, dtype=torch.float32) for a in test)
    noisy = x + std * torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
    clean_pred, noisy_pred = (predict(model, [(inputs, y)], "cpu").numpy() for inputs in (x, noisy))
    y = y.numpy()
    extra = {}
    if batchnorm_clean:
        recalibrate_batchnorm(model, train[0])
        pred = predict(model, [(x, torch.as_tensor(y))], "cpu").numpy()
        extra = {
            "test_r_batchnorm_clean": [float(np.corrcoef(pred[:, c], y[:, c])[0, 1]) for c in range(len(tasks))],
            "test_bias_batchnorm_clean": (pred - y).mean(axis=0).tolist(),
            "test_mse_batchnorm_clean": ((pred - y) ** 2).mean(axis=0).tolist(),
        }
    return {
        "std": std,
        "seed": seed,
        "tasks": [TASK_NAMES[t] for t in tasks],
        "width": width,
        "best_epoch": history.best_epoch,
        "seconds": seconds,
        "test_r": [float(np.corrcoef(clean_pred[:, c], y[:, c])[0, 1]) for c in range(len(tasks))],
        "test_r_noisy_inputs": [float(np.corrcoef(noisy_pred[:, c], y[:, c])[0, 1]) for c in range(len(tasks))],
        "prediction_sd": clean_pred.std(axis=0).tolist(),
        "test_bias": (clean_pred - y).mean(axis=0).tolist(),
        "test_mse": ((clean_pred - y) ** 2).mean(axis=0).tolist(),
        **extra,
        "target_sd": y.std(axis=0).tolist(),
        "history": history.rows,
    }


def detectability(n: int = 2000, length: int = 249) -> list[dict]:
    """AUROC of each motif's matched filter (max over positions and strands), one planted copy vs none."""
    compiled = grammar.compile_grammar(grammar.deepstarr_like_spec(length))
    rng = np.random.default_rng(0)
    rows = []
    for k, motif in enumerate(compiled.motifs):
        log_odds = compiled.log_odds[k]
        width = log_odds.shape[1]
        codes = rng.integers(0, 4, (n, length))
        carriers = np.flatnonzero(np.arange(n) % 2)
        sites = (rng.random((len(carriers), 1, width)) >= np.cumsum(motif.pfm, axis=0)[:-1][None]).sum(axis=1)
        starts = rng.integers(0, length - width + 1, len(carriers))
        codes[carriers[:, None], starts[:, None] + np.arange(width)] = sites
        x = torch.as_tensor(np.moveaxis(np.eye(4, dtype=np.float32)[codes], -1, -2))
        filters = torch.as_tensor(np.stack([log_odds, log_odds[::-1, ::-1]]).astype(np.float32))
        labels = np.arange(n) % 2
        row = {
            "motif": motif.name,
            "width": width,
            "information_bits": float((2 + (motif.pfm * np.log2(motif.pfm)).sum(0)).sum()),
        }
        for std in (0.0, 0.1, 0.2, 0.3):
            noisy = x + std * torch.randn(x.shape, generator=torch.Generator().manual_seed(1))
            row[f"auroc_noise_{std}"] = float(roc_auc_score(labels, F.conv1d(noisy, filters).amax(dim=(1, 2)).numpy()))
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--std", type=float, nargs="+", default=[0.0, 0.1, 0.2, 0.3])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--tasks", choices=sorted(TASKS), default="both")
    parser.add_argument("--width", type=float, default=None)
    parser.add_argument("--constant-lr", action="store_true")
    parser.add_argument("--single-motifs", nargs=2, metavar=("A", "B"))
    parser.add_argument("--batchnorm-clean", action="store_true")
    parser.add_argument("--detectability", action="store_true")
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results" / "evoaug_noise_developmental.json"))
    args = parser.parse_args(argv)
    configure_threads(1)
    if args.detectability:
        results = detectability()
        for row in results:
            print(json.dumps(row))
    else:
        config = load_config()
        width = args.width if args.width is not None else config["evoaug"]["models"]["deepstarr"]["width"]
        splits = default_data(config, args.single_motifs)
        results = []
        for seed in args.seeds:
            for std in args.std:
                result = train_one(
                    splits,
                    config,
                    std,
                    seed,
                    args.epochs,
                    TASKS[args.tasks],
                    width,
                    args.constant_lr,
                    args.batchnorm_clean,
                )
                result.update(constant_lr=args.constant_lr, single_motifs=args.single_motifs)
                results.append(result)
                summary = {k: v for k, v in result.items() if k != "history"}
                print(json.dumps(summary), file=sys.stdout, flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
