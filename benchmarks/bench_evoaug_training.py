"""Benchmark: does data handling starve EvoAug training? Share of a training step spent outside the model.

Run (threads pinned below before torch is imported)::

    PYTHONPATH=src python benchmarks/bench_evoaug_training.py [--steps 20] [--threads 1] [--device auto]
        [--width 1.0] [--json PATH]

For each dataset kind of the paper (Basset L = 600 with 164 tasks, DeepSTARR L = 249 with 2
tasks, ChIP-seq L = 200 with 1 task) and its ``evoaug`` setting of ``config/config.yaml``
(augmentation hyperparameters, ``max_augs_per_seq``, hard/soft), one training step of the
workflow's pretraining loop is split into

* ``load``: the next batch from :func:`genomic_dl.evoaug2023.training.sequence_loader` (one
  indexing operation on the in-memory ``uint8`` one-hot array, shuffled);
* ``transfer``: the copy to the device and the conversion to ``float32`` (as
  :func:`genomic_dl.nn.trainer.fit` does);
* ``augment``: :class:`~genomic_dl.evoaug2023.augmentations.StochasticAugmenter` on the device;
* ``model``: forward, loss, backward and the Adam step of the paper's network
  (``--width`` scales its layers, as the workflow's ``evoaug.models`` setting does).

Each phase is timed with the device synchronised at its end; the figures are medians over
``--steps`` steps after two warm-up steps, batch size 100 (the authors' code). ``outside_model``
is ``(load + transfer + augment) / step``: the share of the step that a data pipeline running
in the training process adds. Random one-hot data of the real sizes stands in for the data
(the step cost does not depend on the sequence content).

Writes ``benchmarks/results/evoaug_training.json`` (or ``--json``) and prints a table.
"""

from __future__ import annotations

import argparse
import os
import sys

_THREADS = "1"
for _index, _arg in enumerate(sys.argv):
    if _arg == "--threads" and _index + 1 < len(sys.argv):
        _THREADS = sys.argv[_index + 1]
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _THREADS

import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import yaml

from genomic_dl.evoaug2023.experiment import build_augmenter, resolve_setting
from genomic_dl.evoaug2023.grid import MODEL_OF_KIND, TASK_OF_KIND
from genomic_dl.evoaug2023.metrics import loss_function
from genomic_dl.evoaug2023.models import build_model
from genomic_dl.evoaug2023.training import sequence_loader
from genomic_dl.io import write_json
from genomic_dl.nn.device import select_device

REPO = Path(__file__).resolve().parents[1]
#: (kind, sequence length, tasks) of the real data sets.
SHAPES = (("basset", 600, 164), ("deepstarr", 249, 2), ("chip", 200, 1))
PHASES = ("load", "transfer", "augment", "model")
BATCH_SIZE = 100


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def random_data(n: int, length: int, tasks: int, task: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random one-hot sequences (uint8, (n, 4, L)) and targets ((n, T) float32)."""
    x = np.eye(4, dtype=np.uint8)[rng.integers(0, 4, (n, length))].transpose(0, 2, 1).copy()
    y = rng.integers(0, 2, (n, tasks)) if task == "binary" else rng.standard_normal((n, tasks))
    return x, y.astype(np.float32)


def time_steps(
    kind: str, length: int, tasks: int, config: dict, device: torch.device, steps: int, width: float, seed: int
) -> dict[str, float]:
    """Median seconds of each phase of a pretraining step, and the share outside the model."""
    resolved = resolve_setting("evoaug", config["settings"][kind], config["augmentations"][kind])
    augmenter = build_augmenter(resolved)
    generator = torch.Generator().manual_seed(seed)
    device_generator = torch.Generator(device=device).manual_seed(seed)
    model = (
        build_model(
            MODEL_OF_KIND[kind],
            {"sequence_length": augmenter.output_length(length), "n_tasks": tasks, "width": width},
            generator=generator,
        )
        .to(device)
        .train()
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-6)
    loss_fn = loss_function(TASK_OF_KIND[kind])
    x, y = random_data(BATCH_SIZE * (steps + 2), length, tasks, TASK_OF_KIND[kind], np.random.default_rng(seed))
    loader = iter(
        sequence_loader(x, y, BATCH_SIZE, shuffle=True, generator=generator, pin_memory=device.type == "cuda")
    )
    times: dict[str, list[float]] = {phase: [] for phase in PHASES}
    for step in range(steps + 2):
        start = time.perf_counter()
        xb, yb = next(loader)
        loaded = time.perf_counter()
        xb = xb.to(device, non_blocking=True).float()
        yb = yb.to(device, non_blocking=True)
        synchronize(device)
        transferred = time.perf_counter()
        xb = augmenter(xb, device_generator)
        synchronize(device)
        augmented = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        synchronize(device)
        done = time.perf_counter()
        if step >= 2:
            for phase, seconds in zip(
                PHASES, (loaded - start, transferred - loaded, augmented - transferred, done - augmented)
            ):
                times[phase].append(seconds)
    result = {f"{phase}_ms": 1e3 * statistics.median(values) for phase, values in times.items()}
    step_ms = sum(result.values())
    result["step_ms"] = step_ms
    result["outside_model"] = (step_ms - result["model_ms"]) / step_ms
    result["augmentations"] = sorted(resolved["augmentations"])
    result["augmenter"] = resolved["augmenter"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--width", type=float, default=1.0, help="network width factor (1 = the paper's)")
    parser.add_argument("--kinds", default="basset,deepstarr,chip")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results" / "evoaug_training.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = select_device(args.device)
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["evoaug"]
    kinds = args.kinds.split(",")
    results = {
        kind: time_steps(kind, length, tasks, config, device, args.steps, args.width, args.seed)
        for kind, length, tasks in SHAPES
        if kind in kinds
    }
    report = {
        "device": str(device),
        "threads": args.threads,
        "width": args.width,
        "batch_size": BATCH_SIZE,
        "steps": args.steps,
        "torch": torch.__version__,
        "platform": platform.platform(),
        "results": results,
    }
    write_json(args.json, report)
    print(f"{'kind':<10}" + "".join(f"{p + ' ms':>12}" for p in (*PHASES, "step")) + f"{'outside model':>15}")
    for kind, r in results.items():
        print(
            f"{kind:<10}"
            + "".join(f"{r[p + '_ms']:>12.2f}" for p in (*PHASES, "step"))
            + f"{100 * r['outside_model']:>14.1f}%"
        )
    print(f"device {device}, {args.threads} thread(s), width {args.width}, batch {BATCH_SIZE}; written {args.json}")


if __name__ == "__main__":
    main()
