"""Benchmark: how many small networks one accelerator trains at once (issue: many small networks per GPU).

Run::

    .venv/bin/python benchmarks/bench_gpu_training.py [--device auto] [--k 8] [--steps 40] \\
        [--size 128] [--json benchmarks/results/gpu_training.json]

ImaGene's binary CNN (the paper's Fig 3 network, batch 32, RMSprop with the L1 + L2 penalty) on
random binary images already on the device, reported as training images/s:

* ``one``: one network in one process;
* ``concurrent``: ``k`` processes training one network each at the same time (what
  ``profiles/gpu`` does with ``gpu_slots``), images/s summed over the processes;
* ``ensemble``: ``k`` networks stacked into one module with ``torch.func.stack_module_state``
  and trained by ``vmap`` over the members, each member with its own initialisation and batch;
  RMSprop is elementwise, so one optimiser over the stacked parameters updates every member as
  its own optimiser would. Before timing, the members' vmapped gradients are checked against
  each network's own gradient (``max_grad_difference``).

On a CPU (``--device cpu``) the same measurements run at a smaller ``--size``; the device
machine's numbers are in the README.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import platform
import time
from pathlib import Path

import torch
from torch.func import functional_call, grad, stack_module_state, vmap

from genomic_dl.nn.imagene import ImageneCNN

MODEL = {"conv_filters": [32, 32, 32], "kernel_size": 3, "pool_size": 2, "dense_units": 64, "l1": 0.005, "l2": 0.005}


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _batches(n: int, k: int | None, batch: int, size: int, device: torch.device, seed: int):
    generator = torch.Generator().manual_seed(seed)
    shape = (n, batch, 1, size, size) if k is None else (n, k, batch, 1, size, size)
    x = torch.randint(0, 2, shape, generator=generator).float().to(device)
    y = torch.randint(0, 2, shape[:-3] + (1,), generator=generator).float().to(device)
    return x, y


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class TrainingLoss(torch.nn.Module):
    """One network's training loss, ``BCE(logits, y) + its L1 + L2 penalty``, as one module, so
    that ``functional_call`` can swap in an ensemble member's parameters for both terms."""

    def __init__(self, model: ImageneCNN) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        logits = self.model(x)
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, y) + self.model.regularization_penalty()


def _network(size: int, seed: int, device: torch.device) -> TrainingLoss:
    torch.manual_seed(seed)
    return TrainingLoss(ImageneCNN(**MODEL, input_shape=[size, size], n_outputs=1)).to(device)


def _steps_per_s(step, steps: int, device: torch.device) -> float:
    """Optimiser steps per second of ``step(i)`` over ``steps`` steps, after 5 warm-up steps."""
    for i in range(5):
        step(i)
    _synchronise(device)
    started = time.perf_counter()
    for i in range(steps):
        step(i)
    _synchronise(device)
    return steps / (time.perf_counter() - started)


def one_network(device_name: str, steps: int, batch: int, size: int, seed: int) -> float:
    """Training images/s of one network."""
    torch.set_num_threads(1)
    device = _device(device_name)
    loss = _network(size, seed, device)
    optimiser = torch.optim.RMSprop(loss.parameters(), lr=1e-3)
    x, y = _batches(8, None, batch, size, device, seed)

    def step(i: int) -> None:
        optimiser.zero_grad()
        loss(x[i % 8], y[i % 8]).backward()
        optimiser.step()

    return batch * _steps_per_s(step, steps, device)


def ensemble(device_name: str, k: int, steps: int, batch: int, size: int, seed: int) -> tuple[float, float]:
    """Training images/s of a k-member vmap ensemble, and the largest gradient difference to separate networks."""
    device = _device(device_name)
    members = [_network(size, seed + member, device) for member in range(k)]
    params, buffers = stack_module_state(members)
    base = copy.deepcopy(members[0]).to("meta")
    gradients = vmap(grad(lambda p, b, x, y: functional_call(base, (p, b), (x, y))))
    x, y = _batches(8, k, batch, size, device, seed)
    # the check: member gradients from vmap against each network's own backward pass
    stacked = gradients(params, buffers, x[0], y[0])
    difference = 0.0
    for member, loss in enumerate(members):
        loss.zero_grad()
        loss(x[0, member], y[0, member]).backward()
        for name, parameter in loss.named_parameters():
            difference = max(difference, float((parameter.grad - stacked[name][member]).detach().abs().max()))
    optimiser = torch.optim.RMSprop(params.values(), lr=1e-3)

    def step(i: int) -> None:
        for name, value in gradients(params, buffers, x[i % 8], y[i % 8]).items():
            params[name].grad = value
        optimiser.step()

    return k * batch * _steps_per_s(step, steps, device), difference


def _worker(args, queue) -> None:
    queue.put(one_network(*args))


def concurrent(device_name: str, k: int, steps: int, batch: int, size: int, seed: int) -> float:
    """Summed training images/s of k processes, one network each, started together."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [
        context.Process(target=_worker, args=((device_name, steps, batch, size, seed + i), queue)) for i in range(k)
    ]
    for worker in workers:
        worker.start()
    rates = [queue.get() for _ in workers]
    for worker in workers:
        worker.join()
    return float(sum(rates))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    device = _device(args.device)
    common = (args.steps, args.batch, args.size, 1)
    one = one_network(args.device, *common)
    together = concurrent(args.device, args.k, *common)
    stacked, difference = ensemble(args.device, args.k, *common)
    result = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu",
        "torch": torch.__version__,
        "k": args.k,
        "image_size": args.size,
        "batch": args.batch,
        "one_images_per_s": round(one, 1),
        "concurrent_images_per_s": round(together, 1),
        "ensemble_images_per_s": round(stacked, 1),
        "concurrent_speedup": round(together / one, 2),
        "ensemble_speedup": round(stacked / one, 2),
        "max_grad_difference": difference,
    }
    for key, value in result.items():
        print(f"{key:>26}: {value}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
