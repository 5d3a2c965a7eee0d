"""The jobs of the full-size dress rehearsal (``rehearsal.py``): one of every rule type of the paper preset.

Each job runs the rule's own script (``scripts/<paper>/<rule>.py``) through :func:`run_script`
with a stand-in ``snakemake`` object whose params are computed by the workflow's plan objects
(``genomic_dl.*.plan``) exactly as the rule's ``params:`` block does, so no rule logic is
rewritten here. Two kinds of step cannot be a whole rule job on a 2-core CPU and call the
package's functions directly instead:

* EvoAug training (:func:`evoaug_training`): ``load_splits`` + ``run_setting`` as
  ``scripts/evoaug2023/train.py`` does, stopped after a fixed number of optimiser steps of the
  first epoch (the shuffled batches of the full training split); the epoch time is extrapolated
  from the measured per-step time (see :class:`StepClock`).
* Set-up steps with no paper-preset rule: a random one-hot HDF5 file of the Basset / DeepSTARR
  shape in the workflow's layout (``h5data.write_evoaug_h5``; the paper preset downloads the
  real files), and short ``run_setting`` trainings that give the interpretation jobs a checkpoint.

Every function here runs inside the job's child process and returns a JSON-able dict of extra
measurements (may be empty).
"""

from __future__ import annotations

import runpy
import time
from collections.abc import Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

#: Split sizes of the published Basset file (train, valid, test), 600 nt, 164 tasks (FACTS.md).
BASSET_SPLITS = (437_478, 16_410, 16_703)
BASSET_SHAPE = (600, 164)
#: DeepSTARR (Zenodo): ~402,000 training sequences of 249 nt, 2 regression tasks.
DEEPSTARR_SPLITS = (402_296, 40_570, 41_186)
DEEPSTARR_SHAPE = (249, 2)


# --------------------------------------------------------------------------- running a rule's script


class Files(list):
    """Snakemake's ``input`` / ``output`` / ``log``: a flat list of paths with named entries."""

    def __init__(self, *positional: str, **named: str | list[str]) -> None:
        flat: list[str] = list(positional)
        for value in named.values():
            flat.extend(value if isinstance(value, list) else [value])
        super().__init__(flat)
        for key, value in named.items():
            setattr(self, key, value)


class Wildcards(dict):
    """Snakemake's ``wildcards``: attribute and mapping access (``dict(wildcards)`` works)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def resolve(params: Mapping[str, Any], wildcards: Wildcards) -> SimpleNamespace:
    """A rule's params with its input functions (``lambda w: ...``) called on ``wildcards``."""
    return SimpleNamespace(**{k: (v(wildcards) if callable(v) else v) for k, v in params.items()})


def run_script(
    script: str, *, input: Files, output: Files, params: Mapping, wildcards: Mapping, log: str, threads: int
):
    """Run ``scripts/<script>`` as Snakemake would, with a stand-in ``snakemake`` object."""
    for path in output:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    w = Wildcards(wildcards)
    snakemake = SimpleNamespace(
        input=input, output=output, params=resolve(params, w), wildcards=w, log=[log], threads=int(threads)
    )
    runpy.run_path(str(ROOT / "scripts" / script), init_globals={"snakemake": snakemake}, run_name="__main__")
    return {}


# --------------------------------------------------------------------------- EvoAug


class StopSteps(Exception):
    """Raised by :class:`StepClock` after the planned number of optimiser steps."""


class StepClock:
    """The trainer's per-batch log callback (``log_every_batches: 1``): times the steps and stops.

    Records wall and CPU clocks (``time.perf_counter``, ``time.process_time``) at the end of every
    training batch; after ``steps`` batches raises :class:`StopSteps`. The per-step cost is the
    mean over the batches after the first ``warmup`` (first batches include lazy set-up).
    """

    def __init__(self, steps: int, warmup: int) -> None:
        self.steps, self.warmup = int(steps), int(warmup)
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __call__(self, message: str) -> None:
        if " batch " not in message:
            return
        self.wall.append(time.perf_counter())
        self.cpu.append(time.process_time())
        if len(self.wall) >= self.steps:
            raise StopSteps

    def per_step(self) -> tuple[float, float]:
        """(wall s, CPU s) of one optimiser step."""
        first = min(self.warmup, len(self.wall) - 2) if len(self.wall) > 2 else 0
        last = len(self.wall) - 1
        if last <= first:
            raise RuntimeError(f"too few timed steps ({len(self.wall)}) to measure a step")
        n = last - first
        return (self.wall[last] - self.wall[first]) / n, (self.cpu[last] - self.cpu[first]) / n


def write_random_h5(path: str, splits: tuple[int, int, int], length: int, n_tasks: int, task: str, seed: int) -> dict:
    """A random one-hot data file of the given shape in the workflow's layout (``write_evoaug_h5``).

    ``x``: (N, 4, L) uint8 one-hot of uniform bases; ``y``: (N, T) uint8 Bernoulli(0.05) labels
    (``task`` binary) or float32 N(0, 1) activities (regression). Returns the file size (MB).
    """
    from genomic_dl.evoaug2023.h5data import write_evoaug_h5

    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in zip(("train", "valid", "test"), splits):
        codes = rng.integers(0, 4, size=(n, length), dtype=np.uint8)
        x = np.zeros((n, 4, length), dtype=np.uint8)
        for base in range(4):
            x[:, base, :] = codes == base
        del codes
        if task == "binary":
            y = (rng.random((n, n_tasks), dtype=np.float32) < 0.05).astype(np.uint8)
        else:
            y = rng.standard_normal((n, n_tasks), dtype=np.float32)
        arrays[f"x_{split}"], arrays[f"y_{split}"] = x, y
    write_evoaug_h5(path, arrays)
    return {"file_mb": Path(path).stat().st_size / 1e6, "sequences": list(splits)}


def evoaug_checkpoint(
    data_path: str, dataset: str, plan: Any, training: Mapping, seed: int, path: str, n: int = 2000
) -> dict:
    """A standard-setting checkpoint for the interpretation jobs: ``run_setting`` (as the train
    rule) for one epoch on the first ``n`` training and ``n / 4`` validation and test sequences
    of ``data_path``."""
    import torch

    from genomic_dl.evoaug2023.checkpoints import save_evoaug_model
    from genomic_dl.evoaug2023.experiment import Splits, load_splits, run_setting
    from genomic_dl.nn.device import configure_threads, seed_everything

    configure_threads(int(plan.core.config["training_threads"]))
    data = load_splits(data_path, dataset)
    small = Splits(
        (data.train[0][:n], data.train[1][:n]),
        (data.valid[0][: n // 4], data.valid[1][: n // 4]),
        (data.test[0][: n // 4], data.test[1][: n // 4]),
        data.task_names,
    )
    generator = seed_everything(seed)
    (result,) = run_setting(
        small,
        dataset=dataset,
        setting="standard",
        resolved=plan.resolved(dataset, "standard"),
        model_options=plan.network(dataset),
        training={**training, "max_epochs": 1},
        finetuning=plan.settings["finetuning"],
        seed=seed,
        device=torch.device("cpu"),
        generator=generator,
        log=None,
    )
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_evoaug_model(path, result.model, result.metadata)
    return {"n_train": min(n, len(data.train[0]))}


def evoaug_training(data_path: str, dataset: str, setting: str, plan: Any, seed: int, steps: int) -> dict:
    """``steps`` optimiser steps of the first epoch of a paper-preset training job, timed.

    As ``scripts/evoaug2023/train.py``: ``load_splits`` (the whole file, uint8 in memory) and
    ``run_setting`` with the rule's params (``EvoAugPlan.train_params``), the trainer logging every
    batch to a :class:`StepClock`, which stops it. For an augmented setting the fine-tuning stage
    (which ``run_setting`` reaches only after pretraining) is timed the same way by ``finetune``
    on a model of the padded length. One validation pass (``evaluate`` on up to
    ``VALID_SAMPLE`` validation sequences, scaled to the split) is timed too.

    Returns set-up, per-step and validation costs (wall and CPU seconds) and the split sizes,
    from which ``rehearsal.py`` extrapolates an epoch.
    """
    import torch

    from genomic_dl.evoaug2023.experiment import (
        MODEL_OF_KIND,
        TASK_OF_KIND,
        build_augmenter,
        dataset_kind,
        load_splits,
        run_setting,
    )
    from genomic_dl.evoaug2023.models import build_model
    from genomic_dl.evoaug2023.training import evaluate, finetune, trainer_config_from
    from genomic_dl.nn.device import configure_threads, seed_everything

    wall0, cpu0 = time.perf_counter(), time.process_time()
    w = Wildcards(dataset=dataset, setting=setting, seed=str(seed))
    params = resolve(plan.train_params("train", None if setting != "standard" else "standard"), w)
    configure_threads(int(plan.core.config["training_threads"]))
    device = torch.device("cpu")
    data = load_splits(data_path, dataset)
    load = (time.perf_counter() - wall0, time.process_time() - cpu0)
    generator = seed_everything(params.seed)
    training = {**params.training, "log_every_batches": 1}
    warmup = max(1, min(5, steps // 4))
    clock = StepClock(steps, warmup)
    finished = False
    try:
        run_setting(
            data,
            dataset=dataset,
            setting=params.setting,
            resolved=params.resolved,
            model_options=params.model,
            training=training,
            finetuning=params.finetuning,
            seed=seed,
            device=device,
            generator=generator,
            log=clock,
        )
        finished = True
    except StopSteps:
        pass
    step = clock.per_step()
    first_batch_end = (clock.wall[0] - wall0, clock.cpu[0] - cpu0)
    batch_size = int(params.training["batch_size"])
    n_train, n_valid, n_test = (len(split[0]) for split in (data.train, data.valid, data.test))
    result: dict[str, Any] = {
        "stopped_after_steps": len(clock.wall),
        "finished_epoch": finished,
        "load": load,
        "setup": (first_batch_end[0] - step[0], first_batch_end[1] - step[1]),
        "step": step,
        "steps_per_epoch": int(np.ceil(n_train / batch_size)),
        "n_train": n_train,
        "n_valid": n_valid,
        "n_test": n_test,
        "batch_size": batch_size,
        "max_epochs": int(params.training["max_epochs"]),
    }
    kind = dataset_kind(dataset)
    augmenter = build_augmenter(params.resolved)
    length = data.sequence_length
    padding = 0 if augmenter is None else augmenter.output_length(length) - length
    pad = None if augmenter is None else augmenter.pad_for_evaluation
    model_kwargs = {"sequence_length": length + padding, "n_tasks": data.n_tasks, **dict(params.model)}
    if augmenter is not None:
        model = build_model(MODEL_OF_KIND[kind], model_kwargs, generator=generator)
        tune = StepClock(max(3, steps // 2), warmup)
        start = (time.perf_counter(), time.process_time())
        try:
            finetune(
                model,
                data.train,
                data.valid,
                trainer_config_from({**params.finetuning, "log_every_batches": 1}),
                device,
                generator,
                pad,
                task=TASK_OF_KIND[kind],
                log=tune,
            )
        except StopSteps:
            pass
        tune_step = tune.per_step()
        result["finetune"] = {
            "setup": (tune.wall[0] - start[0] - tune_step[0], tune.cpu[0] - start[1] - tune_step[1]),
            "step": tune_step,
            "max_epochs": int(params.finetuning["max_epochs"]),
            "batch_size": int(params.finetuning["batch_size"]),
        }
    model = build_model(MODEL_OF_KIND[kind], model_kwargs, generator=generator)
    sample = min(n_valid, VALID_SAMPLE)
    start = (time.perf_counter(), time.process_time())
    evaluate(
        model, data.valid[0][:sample], data.valid[1][:sample], TASK_OF_KIND[kind], device, pad, generator=generator
    )
    scale = n_valid / sample
    result["valid_pass"] = ((time.perf_counter() - start[0]) * scale, (time.process_time() - start[1]) * scale)
    result["valid_sample"] = sample
    return result


#: Validation sequences evaluated to time one validation pass (scaled to the split's size).
VALID_SAMPLE = 4000
