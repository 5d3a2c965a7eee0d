"""Benchmark: batched EvoAug augmentations vs. the published ``evoaug`` 1.0.6.

Run (one CPU thread, pinned below before torch is imported)::

    PYTHONPATH=src python benchmarks/bench_augmentations.py [--repeats 30] [--json PATH]

Times, on one random one-hot batch of 128 x 4 x 600 on the CPU, one
augmentation pass of

* ``genomic_dl.evoaug2023.augmentations.StochasticAugmenter`` (ours), and
* the published package's own code path: ``evoaug.evoaug.RobustModel``'s
  ``_apply_augment`` (what its ``training_step`` calls on every batch) with its
  augmentation objects (``evoaug.augment``): a random subset per sequence, in
  list order, random 3' padding of sequences without an insertion.
  ``evoaug.evoaug`` imports ``pytorch_lightning``; both come with the ``bench``
  extra (``pip install -e '.[bench]'``).

Settings (paper Methods, Basset hyperparameters: mutate_frac 0.15, shifts,
insertions and deletions up to 30, rc_prob 0.5, noise_std 0.3; inversions,
absent from the paper's Basset runs, up to 30):

* ``basset_k3``: the paper's six Basset augmentations, hard, k = 3;
* ``all7_k3``: all seven augmentations, hard, k = 3;
* ``all7_k2``: all seven augmentations, hard, k = 2.

Ours and the package are timed alternately, so that a change in machine load
hits both; each figure is the median of ``--repeats`` passes after warm-up.
With CUDA, the script also times our augmenter on the GPU against one
training step of the Basset model (``genomic_dl.evoaug2023.models.Basset``;
forward, BCE loss, backward, Adam step) on the augmented batch.

Writes ``benchmarks/results/augmentations.json`` (or ``--json``) and prints a table.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import importlib.metadata
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from evoaug import augment as evoaug_augment
from evoaug.evoaug import RobustModel

from genomic_dl.evoaug2023.augmentations import (
    PRIORITY_ORDER,
    StochasticAugmenter,
    build_augmentations,
    random_bases,
)
from genomic_dl.io import write_json

BATCH_SHAPE = (128, 4, 600)
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "augmentations.json"

#: Basset hyperparameters of the paper (inversion: not used for Basset in the paper).
BASSET_SPEC: dict[str, dict[str, float]] = {
    "inversion": {"invert_min": 0, "invert_max": 30},
    "deletion": {"delete_min": 0, "delete_max": 30},
    "translocation": {"shift_min": 0, "shift_max": 30},
    "insertion": {"insert_min": 0, "insert_max": 30},
    "reverse_complement": {"rc_prob": 0.5},
    "mutation": {"mutate_frac": 0.15},
    "noise": {"noise_mean": 0.0, "noise_std": 0.3},
}

#: Our configuration keys -> the package's augmentation classes.
PACKAGE_CLASSES = {
    "inversion": evoaug_augment.RandomInversion,
    "deletion": evoaug_augment.RandomDeletion,
    "translocation": evoaug_augment.RandomTranslocation,
    "insertion": evoaug_augment.RandomInsertion,
    "reverse_complement": evoaug_augment.RandomRC,
    "mutation": evoaug_augment.RandomMutation,
    "noise": evoaug_augment.RandomNoise,
}

SETTINGS: dict[str, tuple[tuple[str, ...], int]] = {
    "basset_k3": (tuple(name for name in PRIORITY_ORDER if name != "inversion"), 3),
    "all7_k3": (PRIORITY_ORDER, 3),
    "all7_k2": (PRIORITY_ORDER, 2),
}


def package_augmentations(names: tuple[str, ...]) -> list:
    """The package's augmentation objects for ``names``, in priority order."""
    return [PACKAGE_CLASSES[name](**BASSET_SPEC[name]) for name in names]


def package_model(names: tuple[str, ...], k: int) -> RobustModel:
    """evoaug's ``RobustModel`` around a no-op network: only its augmentation path is timed."""
    return RobustModel(
        torch.nn.Identity(),
        criterion=None,
        optimizer=None,
        augment_list=package_augmentations(names),
        max_augs_per_seq=k,
        hard_aug=True,
    )


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_alternately(
    functions: dict[str, Callable[[], object]], repeats: int, warmup: int, device: torch.device
) -> dict[str, dict[str, list[float]]]:
    """Wall-clock and CPU (this thread) seconds per call of each function,
    calls interleaved round-robin."""
    for _ in range(warmup):
        for function in functions.values():
            function()
    seconds: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            synchronize(device)
            wall, cpu = time.perf_counter(), time.thread_time()
            function()
            synchronize(device)
            seconds[name]["wall"].append(time.perf_counter() - wall)
            seconds[name]["cpu"].append(time.thread_time() - cpu)
    return seconds


def median_ms(values: list[float]) -> float:
    return 1e3 * statistics.median(values)


def benchmark_cpu(repeats: int, warmup: int, seed: int) -> dict[str, dict[str, float]]:
    """Median ms per batch of ours and the package for every setting on the CPU."""
    device = torch.device("cpu")
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)  # the package draws from torch's and numpy's global generators
    np.random.seed(seed)
    x = random_bases(BATCH_SHAPE[0], BATCH_SHAPE[2], generator)
    results = {}
    for setting, (names, k) in SETTINGS.items():
        ours = StochasticAugmenter(build_augmentations({n: BASSET_SPEC[n] for n in names}), k, hard_aug=True)
        package = package_model(names, k)
        expected_shape = (BATCH_SHAPE[0], 4, ours.output_length(BATCH_SHAPE[2]))
        for output in (ours(x, generator), package._apply_augment(x)):
            if tuple(output.shape) != expected_shape:
                raise RuntimeError(f"{setting}: output shape {tuple(output.shape)}, expected {expected_shape}")
        seconds = time_alternately(
            {"ours": lambda ours=ours: ours(x, generator), "evoaug": lambda package=package: package._apply_augment(x)},
            repeats,
            warmup,
            device,
        )
        row: dict[str, object] = {"augmentations": list(names), "max_augs_per_seq": k}
        for clock in ("wall", "cpu"):
            ours_ms, package_ms = median_ms(seconds["ours"][clock]), median_ms(seconds["evoaug"][clock])
            row[f"ours_{clock}_ms"] = ours_ms
            row[f"evoaug_{clock}_ms"] = package_ms
            row[f"speedup_{clock}"] = package_ms / ours_ms
        results[setting] = row
    return results


def training_model(sequence_length: int, generator: torch.Generator) -> tuple[torch.nn.Module, str]:
    """The Basset model of ``genomic_dl.evoaug2023.models`` if present, else a stand-in CNN."""
    try:
        from genomic_dl.evoaug2023.models import Basset
    except ImportError:
        stand_in = torch.nn.Sequential(
            torch.nn.Conv1d(4, 300, 19, padding="same"),
            torch.nn.ReLU(),
            torch.nn.MaxPool1d(3),
            torch.nn.Conv1d(300, 200, 11, padding="same"),
            torch.nn.ReLU(),
            torch.nn.MaxPool1d(4),
            torch.nn.Flatten(),
            torch.nn.LazyLinear(164),
        )
        return stand_in, "stand-in CNN (Basset-like conv layers)"
    return Basset(sequence_length=sequence_length, n_tasks=164, generator=generator), "genomic_dl Basset"


def benchmark_training_step(device: torch.device, repeats: int, warmup: int, seed: int) -> dict[str, object]:
    """Augmentation pass vs. one Basset training step on ``device`` (``basset_k3``)."""
    generator = torch.Generator(device=device).manual_seed(seed)
    x = random_bases(BATCH_SHAPE[0], BATCH_SHAPE[2], generator)
    names, k = SETTINGS["basset_k3"]
    augmenter = StochasticAugmenter(build_augmentations({n: BASSET_SPEC[n] for n in names}), k, hard_aug=True)
    model, model_name = training_model(augmenter.output_length(BATCH_SHAPE[2]), torch.Generator().manual_seed(seed))
    model = model.to(device)
    targets = (torch.rand((BATCH_SHAPE[0], 164), generator=generator, device=device) < 0.2).float()
    augmented = augmenter(x, generator)
    model(augmented)  # materialises lazy layers of the stand-in before the optimiser sees them
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    def train_step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(augmented), targets).backward()
        optimizer.step()

    seconds = time_alternately(
        {"augment": lambda: augmenter(x, generator), "train_step": train_step}, repeats, warmup, device
    )
    augment_ms, step_ms = median_ms(seconds["augment"]["wall"]), median_ms(seconds["train_step"]["wall"])
    return {
        "model": model_name,
        "setting": "basset_k3",
        "augment_ms": augment_ms,
        "train_step_ms": step_ms,
        "augment_fraction_of_step": augment_ms / step_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    if args.repeats < 20:
        parser.error("--repeats must be at least 20")

    torch.set_num_threads(1)
    cpu = benchmark_cpu(args.repeats, args.warmup, args.seed)
    print(f"CPU, 1 thread, batch {'x'.join(map(str, BATCH_SHAPE))}, median of {args.repeats} (ms per batch)")
    print("evoaug: evoaug 1.0.6's own RobustModel._apply_augment, timed alternately with ours")
    print(f"{'setting':<12}{'clock':<6}{'ours':>10}{'evoaug':>10}{'speed-up':>10}")
    for setting, row in cpu.items():
        for clock in ("wall", "cpu"):
            print(
                f"{setting:<12}{clock:<6}{row[f'ours_{clock}_ms']:>10.2f}"
                f"{row[f'evoaug_{clock}_ms']:>10.2f}{row[f'speedup_{clock}']:>9.1f}x"
            )

    result: dict[str, object] = {
        "batch_shape": list(BATCH_SHAPE),
        "threads": 1,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "hard_aug": True,
        "parameters": BASSET_SPEC,
        "reference": "evoaug 1.0.6, RobustModel._apply_augment (its training_step's augmentation path)",
        "cpu": cpu,
        "torch": torch.__version__,
        "evoaug": importlib.metadata.version("evoaug"),
        "pytorch_lightning": importlib.metadata.version("pytorch-lightning"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor(),
    }
    if torch.cuda.is_available():
        device = torch.device("cuda")
        cuda = {"device_name": torch.cuda.get_device_name(device)}
        cuda.update(benchmark_training_step(device, args.repeats, args.warmup, args.seed))
        print(
            f"CUDA ({cuda['device_name']}, {cuda['model']}): augmentation {cuda['augment_ms']:.2f} ms, "
            f"training step {cuda['train_step_ms']:.2f} ms ({100 * cuda['augment_fraction_of_step']:.0f}%)"
        )
        result["cuda"] = cuda
    args.json.parent.mkdir(parents=True, exist_ok=True)
    write_json(args.json, result)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
