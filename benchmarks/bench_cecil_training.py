"""Benchmark: CPU training throughput of Cecil & Sugden's models and the data-loading share.

Run (threads are pinned before torch is imported)::

    .venv/bin/python benchmarks/bench_cecil_training.py [--n-images 640] [--threads 1] \\
        [--widths 128 330] [--json benchmarks/results/cecil_training.json]

For each model (Imagene, mini-CNN, DeepSet) and image width (128 = resized; 330 = the default
preset's zero-padding width) it trains one epoch on ``n_images`` random binary 128-row images
with the workflow's trainer (Adam, batch 64, the models' L1 + L2 penalty) and reports images/s.
It times separately what is data handling in a training run:

* reading the prepared images from the ``.npz`` archive the images rule writes
  (:func:`genomic_dl.io.load_arrays`), per image;
* iterating the shuffled ``DataLoader`` and converting each uint8 batch to float32
  channels-last, as :func:`genomic_dl.nn.trainer.fit` does, per image;

and extrapolates both to the paper's largest job: a restart-10 training of Imagene on 80,000
training images (2 epochs), from 100,000 stored images. ``data_share`` is the fraction of that
job's time spent on data handling.
"""

from __future__ import annotations

import argparse
import os
import sys

_parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
_parser.add_argument("--n-images", type=int, default=640)
_parser.add_argument("--threads", type=int, default=1)
_parser.add_argument("--widths", type=int, nargs="+", default=[128, 330])
_parser.add_argument("--models", nargs="+", default=["imagene", "mini_cnn", "deepset"])
_parser.add_argument("--json", type=str, default=None, help="write the results to this path")
ARGS = _parser.parse_args()
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from genomic_dl.cecil2023.training import build_model, strategy_config
from genomic_dl.io import load_arrays, save_arrays
from genomic_dl.nn.trainer import binary_cross_entropy_with_logits, fit

#: The paper's model settings (config cecil2023.models).
SETTINGS = {
    "imagene": {"conv_filters": [32, 32, 32], "kernel_size": 3, "dense_units": 64, "l1": 0.005, "l2": 0.005},
    "mini_cnn": {"l1": 0.005, "l2": 0.005},
    "deepset": {"n_filters": 64, "kernel_width": 5, "depth": 2, "dense_layers": 2, "dense_units": 64},
}
PAPER_JOB = {"model": "imagene", "restarts": 10, "epochs": 2, "n_train": 80_000, "n_stored": 100_000}
BATCH = 64


def random_images(n: int, width: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Binary images with a minor-allele density of about 0.15 (sorted haplotype images are sparse)."""
    rng = np.random.default_rng(seed)
    return (rng.random((n, 128, width)) < 0.15).astype(np.uint8), np.repeat([0, 1], n // 2)


def loader_seconds_per_image(images: np.ndarray, labels: np.ndarray) -> float:
    """One shuffled pass over a DataLoader with the trainer's uint8 -> float32 channels-last step."""
    loader = DataLoader(
        TensorDataset(torch.as_tensor(images), torch.as_tensor(labels, dtype=torch.float32)),
        batch_size=BATCH,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    started = time.perf_counter()
    for x, _ in loader:
        x.unsqueeze(1).to(torch.float32).contiguous(memory_format=torch.channels_last)
    return (time.perf_counter() - started) / len(images)


def npz_seconds_per_image(images: np.ndarray, labels: np.ndarray) -> float:
    """Reading the images from a compressed archive as written by the images rule."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "images.npz"
        save_arrays(path, {}, images=images, labels=labels)
        started = time.perf_counter()
        load_arrays(path, required=("images", "labels"))
        return (time.perf_counter() - started) / len(images)


def train_images_per_s(name: str, images: np.ndarray, labels: np.ndarray) -> float:
    """Images/s of one training epoch with the workflow's trainer (after a warm-up batch)."""
    model = build_model(name, images.shape[1:], SETTINGS, torch.Generator().manual_seed(0))
    config = strategy_config("fixed_epochs", epochs=1)
    loader = DataLoader(
        TensorDataset(torch.as_tensor(images), torch.as_tensor(labels, dtype=torch.float32)[:, None]),
        batch_size=BATCH,
        shuffle=True,
        generator=torch.Generator().manual_seed(0),
    )
    warm = [(x, y) for x, y in loader][:1]
    fit(
        model,
        binary_cross_entropy_with_logits,
        lambda epoch: (warm, None),
        config,
        "cpu",
        penalty=lambda m: m.regularization_penalty(),
        log=None,
    )
    history = fit(
        model,
        binary_cross_entropy_with_logits,
        lambda epoch: (loader, None),
        config,
        "cpu",
        penalty=lambda m: m.regularization_penalty(),
        log=None,
    )
    return float(history.rows[-1]["train_images_per_s"])


def main() -> None:
    torch.set_num_threads(ARGS.threads)
    results = {
        "n_images": ARGS.n_images,
        "threads": ARGS.threads,
        "batch_size": BATCH,
        "models": {},
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average_at_start": os.getloadavg()[0],
    }
    for width in ARGS.widths:
        images, labels = random_images(ARGS.n_images, width)
        loader = loader_seconds_per_image(images, labels)
        archive = npz_seconds_per_image(images, labels)
        for name in ARGS.models:
            ips = train_images_per_s(name, images, labels)
            key = f"{name}_128x{width}"
            results["models"][key] = {
                "train_images_per_s": ips,
                "loader_ms_per_image": 1e3 * loader,
                "npz_read_ms_per_image": 1e3 * archive,
                "loader_share_of_training": loader * ips,
            }
            print(
                f"{key:22s} {ips:9.1f} images/s  (DataLoader + conversion {1e3 * loader:.3f} ms/image, "
                f"{100 * loader * ips:.1f}% of a step; npz read {1e3 * archive:.3f} ms/image)"
            )
    key = f"{PAPER_JOB['model']}_128x128"
    if key in results["models"]:
        measured = results["models"][key]
        passes = PAPER_JOB["restarts"] * PAPER_JOB["epochs"] * PAPER_JOB["n_train"]
        total = passes / measured["train_images_per_s"]
        data = (
            passes * measured["loader_ms_per_image"] / 1e3
            + PAPER_JOB["n_stored"] * measured["npz_read_ms_per_image"] / 1e3
        )
        results["paper_job"] = {
            **PAPER_JOB,
            "image_passes": passes,
            "hours_total": (total + PAPER_JOB["n_stored"] * measured["npz_read_ms_per_image"] / 1e3) / 3600,
            "hours_data": data / 3600,
            "data_share": data / (total + PAPER_JOB["n_stored"] * measured["npz_read_ms_per_image"] / 1e3),
        }
        job = results["paper_job"]
        print(
            f"restart-10 Imagene on 80,000 images: {job['hours_total']:.1f} h on {ARGS.threads} thread(s), "
            f"data handling {job['hours_data'] * 60:.1f} min = {100 * job['data_share']:.1f}%"
        )
    if ARGS.json:
        Path(ARGS.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
