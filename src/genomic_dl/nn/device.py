"""Device selection, thread configuration and seeding for the PyTorch code.

All training entry points call, in this order::

    configure_threads(snakemake.threads)
    generator = seed_everything(seed)
    device = select_device(preference)

``generator`` is then handed to ``torch.utils.data.DataLoader(shuffle=True,
generator=generator)`` so that the shuffling order depends on the seed only.
"""

from __future__ import annotations

import random

import numpy as np
import torch

__all__ = ["configure_threads", "seed_everything", "select_device"]

_PREFERENCES = ("auto", "cpu", "cuda")


def select_device(preference: str = "auto") -> torch.device:
    """Return the ``torch.device`` to train on.

    ``"auto"``: CUDA (the current CUDA device) when available, else the CPU.
    ``"cpu"``: always the CPU.
    ``"cuda"`` (or ``"cuda:N"``): CUDA; raises ``RuntimeError`` when CUDA is
    not available instead of failing later with an obscure error.
    """
    if not isinstance(preference, str):
        raise TypeError(f"device preference must be a string, got {type(preference).__name__}")
    pref = preference.strip().lower()
    if pref == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if pref == "cpu":
        return torch.device("cpu")
    if pref == "cuda" or pref.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"device {preference!r} was requested but CUDA is not available "
                f"(torch {torch.__version__}, built with CUDA: {torch.version.cuda}); "
                "use 'auto' or 'cpu' instead"
            )
        device = torch.device(pref)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise RuntimeError(
                f"device {preference!r} was requested but only {torch.cuda.device_count()} CUDA device(s) are visible"
            )
        return device
    raise ValueError(f"unknown device preference {preference!r}; expected one of {_PREFERENCES}")


def configure_threads(n: int) -> None:
    """Set the number of torch intra-op CPU threads (Snakemake's ``threads:``).

    Inter-op threads are left alone: ``torch.set_num_interop_threads`` may
    only be called once per process, before any parallel work.
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"number of threads must be >= 1, got {n}")
    torch.set_num_threads(n)


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch (CPU and all CUDA devices), numpy's legacy global RNG and
    Python's ``random``; return a fresh CPU ``torch.Generator`` seeded with
    ``seed`` for ``DataLoader`` shuffling.
    """
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    random.seed(seed)
    np.random.seed(seed % (2**32))  # legacy API only accepts 32-bit seeds
    torch.manual_seed(seed)  # also seeds every CUDA device
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator
