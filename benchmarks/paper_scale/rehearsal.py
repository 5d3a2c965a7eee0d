"""Full-size dress rehearsal of the paper preset: one job of every rule type, timed on this machine.

    python benchmarks/paper_scale/rehearsal.py [--scale F] [--only JOB ...] [--out DIR] [--steps N]

Runs, each in its own child process (forked from this one after the heavy imports, so a child's
CPU time excludes the ~3 s of imports a real job also pays; its peak RSS includes them), at the
sizes of ``config/config.yaml`` overlaid by ``config/presets/paper.yaml``:

* ImaGene: msprime shards of ``replicates_per_shard`` (S = 0, 200, 400 and the U0-400 prior),
  their images (rows_cols), a Fig 3 binary network trained on one simulation batch (the job
  trains on ``fig3.train_shards`` batches, each seen once: time x that many, memory as measured
  since one batch is held at a time), and the multiclass networks of Figs 4 and 5 on one batch
  (Fig 5: ``shards_per_batch`` shards of the prior; the shard file is repeated, the cost is the
  same), likewise extrapolated to ``train_shards`` batches.
* Cecil & Sugden: the data set ``single_s01`` (``shards`` per class, 100,000 regions):
  summary statistics and resized images at full size. Its inputs are the measured S = 0 and
  S = 200 shards repeated (symlinks) to the data set's shard count; its simulation row is the
  measured shard jobs times the shard count (extrapolated).
* EvoAug: a random one-hot Basset-shape file (437,478 / 16,410 / 16,703 x 4 x 600, 164 tasks)
  and a DeepSTARR-shape one in the workflow's HDF5 layout; ``evoaug_data`` (a link, as for the
  downloaded files); standard and EvoAug training (``--steps`` optimiser steps of the first
  epoch over the full file, epoch extrapolated; see ``rehearsal_jobs.evoaug_training``); filter
  PWMs over every Basset test sequence, Tomtom against JASPAR 2022 and the attribution maps of
  the paper preset (interpretation checkpoints: one short training epoch each, set-up rows).

Per job: wall time, CPU time (user + sys of the child, ``os.wait4``), peak RSS (``ru_maxrss``),
output size; job rows at full job size, extrapolated where marked (with the factor and the
measured values). Writes ``paper_scale_rehearsal.json`` / ``.csv`` into ``--out`` (default
``benchmarks/results``) and prints a markdown table. Scratch data lives in a temporary folder
under ``--out`` and is deleted at the end. ``--scale F`` runs every size at F of full (a test).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rehearsal_jobs as jobs
from snakemake.utils import update_config

from genomic_dl.config import load_config_file

ROOT = jobs.ROOT
PRESET = "config/presets/paper.yaml"
COLUMNS = [
    "job",
    "rule",
    "what",
    "size",
    "wall_s",
    "cpu_s",
    "peak_rss_mb",
    "output_mb",
    "extrapolated",
    "factor",
    "measured_wall_s",
    "measured_cpu_s",
    "job_wall_s",
    "job_cpu_s",
    "status",
]
#: Optimiser steps timed per EvoAug training stage at full size (~1.5 s each for Basset).
DEFAULT_STEPS = 100


def log(message: str) -> None:
    print(f"[rehearsal {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- config and plans


def paper_config() -> dict:
    """config/config.yaml overlaid by the paper preset, as Snakemake merges ``--configfile``."""
    config = load_config_file(ROOT / "config" / "config.yaml")
    update_config(config, load_config_file(ROOT / PRESET))
    return config


@dataclass
class Plans:
    """The workflow's plan objects (what the rule files build), for the rules' params."""

    config: dict
    core: Any = field(init=False)
    imagene: Any = field(init=False)
    cecil: Any = field(init=False)
    evoaug: Any = field(init=False)
    interp: Any = field(init=False)

    def __post_init__(self) -> None:
        from genomic_dl.cecil2023.plan import CecilPlan
        from genomic_dl.evoaug2023.plan import EvoAugPlan, InterpretationPlan
        from genomic_dl.imagene2019.plan import ImagenePlan
        from genomic_dl.plan import CorePlan

        self.core = CorePlan(self.config, False)  # the paper preset's shards here are all msprime
        self.imagene = ImagenePlan(self.core)
        self.cecil = CecilPlan(self.core)
        self.evoaug = EvoAugPlan(self.core)
        self.interp = InterpretationPlan(self.core)


# --------------------------------------------------------------------------- jobs


@dataclass
class Job:
    """One child process: ``run()`` executes the rule (returns extra measurements)."""

    name: str
    rule: str
    what: str
    size: str
    run: Callable[[], dict]
    outputs: list[str]
    needs: list[str] = field(default_factory=list)
    factor: float = 1.0  # time factor from the measured part to the whole job (batches)
    setup: bool = False  # not a workflow job (data the paper preset downloads, checkpoints)


def build_jobs(plans: Plans, scratch: Path, scale: float, steps: int) -> list[Job]:
    """The rehearsal's jobs in running order (see the module docstring)."""
    config, core, imagene, cecil = plans.config, plans.core, plans.imagene, plans.cecil
    reps = max(2, round(config["simulation"]["replicates_per_shard"] * scale))
    threads = int(config["training_threads"])
    pre_threads = int(config["preprocessing_threads"])
    logs = scratch / "logs"
    scenario = imagene.fig3["scenario"]
    sorting = imagene.settings["fig5"]["sorting"]
    out: list[Job] = []

    def shard(S: str) -> str:
        return str(scratch / f"simulations/{scenario}/S{S}/shard0.npz")

    def images(S: str) -> str:
        return str(scratch / f"images/{scenario}/{sorting}/S{S}/shard0.npz")

    for S in ("0", "200", "400", imagene.fig5["prior"]):
        w = {"scenario": scenario, "S": S, "shard": "0"}
        params = {
            "scenario": core.scenarios[scenario],
            "n_replicates": reps,
            "seed": core.job_seed("simulate", scenario, S, "0"),
        }
        out.append(
            Job(
                f"simulate_S{S}",
                "simulate_msprime",
                f"{scenario}, S = {S}, one shard",
                f"{reps} replicates",
                lambda w=w, params=params, S=S: jobs.run_script(
                    "core/simulate_msprime.py",
                    input=jobs.Files(),
                    output=jobs.Files(shard(S)),
                    params=params,
                    wildcards=w,
                    log=str(logs / f"simulate_S{S}.log"),
                    threads=1,
                ),
                [shard(S)],
            )
        )
        out.append(
            Job(
                f"images_S{S}",
                "imagene_images",
                f"{sorting} images of the S = {S} shard",
                f"{reps} images",
                lambda w=w, S=S: jobs.run_script(
                    "imagene2019/images.py",
                    input=jobs.Files(shard(S)),
                    output=jobs.Files(images(S)),
                    params={"preprocessing": imagene.preprocessing},
                    wildcards={**w, "sorting": sorting},
                    log=str(logs / f"images_S{S}.log"),
                    threads=1,
                ),
                [images(S)],
                needs=[f"simulate_S{S}"],
            )
        )

    # ImaGene Fig 3: one network of the rule (standard architecture, S = 200) on one batch.
    fig3_dir = scratch / "fig3"
    w = {"architecture": "standard", "sorting": sorting, "S": "200", "seed": "1"}
    fig3_params = {
        "model": imagene.binary_cnn("standard"),
        "input_shape": imagene.preprocessing["image_size"],
        "invert": imagene.preprocessing["invert"],
        "preprocessing": imagene.preprocessing,
        "training": imagene.settings["training"],
        "device": config["device"],
        "seed": core.job_seed("imagene_fig3_train", "standard", sorting, "200", "1"),
    }
    n_batches = int(imagene.fig3["train_shards"])
    out.append(
        Job(
            "imagene_fig3_train",
            "imagene_fig3_train",
            "binary CNN (S = 200 vs 0), one simulation batch",
            f"job: {n_batches} batches of {2 * reps} images (measured: 1 batch)",
            lambda: jobs.run_script(
                "imagene2019/fig3_train.py",
                input=jobs.Files(neutral=[images("0")], selected=[images("200")]),
                output=jobs.Files(model=str(fig3_dir / "model.pt"), history=str(fig3_dir / "history.csv")),
                params=fig3_params,
                wildcards=w,
                log=str(logs / "fig3_train.log"),
                threads=threads,
            ),
            [str(fig3_dir / "model.pt"), str(fig3_dir / "history.csv")],
            needs=["images_S0", "images_S200"],
            factor=n_batches,
        )
    )

    # ImaGene Figs 4 and 5: one multiclass network each, on one training batch.
    for experiment, variant in (("fig4", imagene.fig4["train_scenarios"][0]), ("fig5", "gaussian")):
        spec = imagene.multiclass_spec(experiment, variant)
        k = int(spec["shards_per_batch"])
        batch = [images(str(S)) for S in spec["strengths"] for _ in range(k)]
        model_dir = scratch / experiment
        params = {
            "spec": spec,
            "train_batches": [batch],
            "preprocessing": imagene.preprocessing,
            "training": imagene.settings["training"],
            "device": config["device"],
            "seed": core.job_seed("imagene_multiclass_train", experiment, variant, "1"),
        }
        n_batches = int(spec["train_shards"])
        out.append(
            Job(
                f"imagene_{experiment}_train",
                "imagene_multiclass_train",
                f"{experiment} {variant}: {len(spec['class_values'])}-class CNN, one simulation batch",
                f"job: {n_batches} batches of {len(batch) * reps} images (measured: 1 batch)",
                lambda params=params, experiment=experiment, variant=variant, model_dir=model_dir: jobs.run_script(
                    "imagene2019/multiclass_train.py",
                    input=jobs.Files(),
                    output=jobs.Files(model=str(model_dir / "model.pt"), history=str(model_dir / "history.csv")),
                    params=params,
                    wildcards={"experiment": experiment, "variant": variant, "seed": "1"},
                    log=str(logs / f"{experiment}_train.log"),
                    threads=threads,
                ),
                [str(model_dir / "model.pt"), str(model_dir / "history.csv")],
                needs=[f"images_S{S}" for S in spec["strengths"]],
                factor=n_batches,
            )
        )

    # Cecil & Sugden: the single-population data set of the paper's size.
    dataset = "single_s01"
    spec = cecil.datasets[dataset]
    n_shards = int(spec["shards"])
    classes = {}
    for label, cls in enumerate(spec["classes"]):
        source = shard(str(cls["S"]))
        classes[f"class{label}"] = [source] + [
            str(scratch / f"cecil_shards/{cls['scenario']}/S{cls['S']}/shard{i}.npz") for i in range(1, n_shards)
        ]
    regions = 2 * n_shards * reps
    cecil_w = {"dataset": dataset, "width": "resize", "sorting": "rows"}
    split_seed = cecil.split_seed(jobs.Wildcards(cecil_w))
    stats_dir = scratch / "cecil_statistics"
    out.append(
        Job(
            "cecil2023_statistics",
            "cecil2023_statistics",
            f"{dataset}: H1, H12, iHS, S of every region; threshold classifiers",
            f"{regions} regions ({n_shards} shards per class)",
            lambda: jobs.run_script(
                "cecil2023/statistics.py",
                input=jobs.Files(**classes),
                output=jobs.Files(
                    scores=str(stats_dir / "scores.csv"),
                    classifiers=str(stats_dir / "classifiers.json"),
                    ihs=str(stats_dir / "ihs.json"),
                ),
                params={
                    "dataset": spec,
                    "preprocessing": cecil.preprocessing(dataset),
                    "statistics": cecil.settings["statistics"],
                    "split": cecil.settings["split"],
                    "split_seed": split_seed,
                },
                wildcards={"dataset": dataset},
                log=str(logs / "cecil_statistics.log"),
                threads=pre_threads,
            ),
            [str(stats_dir / n) for n in ("scores.csv", "classifiers.json", "ihs.json")],
            needs=["simulate_S0", "simulate_S200", "cecil_inputs"],
        )
    )
    cecil_images = str(scratch / "cecil_images/images.npz")
    out.append(
        Job(
            "cecil2023_images",
            "cecil2023_images",
            f"{dataset}: resized 128 x 128 images, rows sorted",
            f"{regions} regions ({n_shards} shards per class)",
            lambda: jobs.run_script(
                "cecil2023/images.py",
                input=jobs.Files(**classes),
                output=jobs.Files(cecil_images),
                params={
                    "dataset": spec,
                    "preprocessing": cecil.preprocessing(dataset),
                    "split": cecil.settings["split"],
                    "split_seed": split_seed,
                },
                wildcards=cecil_w,
                log=str(logs / "cecil_images.log"),
                threads=pre_threads,
            ),
            [cecil_images],
            needs=["simulate_S0", "simulate_S200", "cecil_inputs"],
        )
    )

    # EvoAug: data files of the real shapes, training, interpretation.
    evoaug, interp = plans.evoaug, plans.interp

    def sizes(splits: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(max(256, round(n * scale)) for n in splits)

    files = {"basset": str(scratch / "evoaug/Basset_data.h5"), "deepstarr": str(scratch / "evoaug/DeepSTARR_data.h5")}
    data = {name: str(scratch / f"evoaug/data/{name}.h5") for name in files}
    shapes = {
        "basset": (sizes(jobs.BASSET_SPLITS), *jobs.BASSET_SHAPE, "binary"),
        "deepstarr": (sizes(jobs.DEEPSTARR_SPLITS), *jobs.DEEPSTARR_SHAPE, "regression"),
    }
    for name, (splits, length, n_tasks, task) in shapes.items():
        seed = core.job_seed("rehearsal_data", name)
        out.append(
            Job(
                f"setup_{name}_file",
                "(set-up) random data file",
                f"{name}-shape random one-hot HDF5 (the paper preset downloads the real file)",
                f"{sum(splits)} x 4 x {length}, {n_tasks} tasks",
                lambda name=name, splits=splits, length=length, n_tasks=n_tasks, task=task, seed=seed: (
                    jobs.write_random_h5(files[name], splits, length, n_tasks, task, seed)
                ),
                [files[name]],
                setup=True,
            )
        )
        out.append(
            Job(
                f"evoaug_data_{name}",
                "evoaug_data",
                f"{name}: downloaded file checked and linked into the workflow",
                f"{sum(splits)} sequences",
                lambda name=name: jobs.run_script(
                    "evoaug2023/data.py",
                    input=jobs.Files(files[name]),
                    output=jobs.Files(data[name]),
                    params={"source": "zenodo", "options": {}, "split": None, "seed": 0},
                    wildcards={"dataset": name},
                    log=str(logs / f"evoaug_data_{name}.log"),
                    threads=1,
                ),
                [],  # a hard link: no new bytes
                needs=[f"setup_{name}_file"],
            )
        )
    n_basset = sizes(jobs.BASSET_SPLITS)
    for setting, rule in (("standard", "evoaug_train_standard"), ("evoaug", "evoaug_train_augmented")):
        out.append(
            Job(
                f"{rule}",
                rule,
                f"basset {setting}, width {evoaug.network('basset').get('width')}: one epoch"
                + (" of pretraining + one of fine-tuning" if setting != "standard" else ""),
                f"{n_basset[0]} training sequences x 600 nt, 164 tasks (measured: {steps} steps)",
                lambda setting=setting: jobs.evoaug_training(
                    data["basset"],
                    "basset",
                    setting,
                    evoaug,
                    core.job_seed("evoaug_train", "basset", setting, 1),
                    steps,
                ),
                [],
                needs=["evoaug_data_basset"],
            )
        )
    checkpoints = {}
    n_checkpoint = max(200, round(2000 * scale))
    for name in ("basset", "deepstarr"):
        checkpoints[name] = str(scratch / f"evoaug/models/{name}/standard.pt")
        out.append(
            Job(
                f"setup_{name}_checkpoint",
                "(set-up) checkpoint",
                f"{name} standard model, one epoch (input of the interpretation jobs)",
                f"{n_checkpoint} sequences",
                lambda name=name: jobs.evoaug_checkpoint(
                    data[name],
                    name,
                    evoaug,
                    evoaug.settings["training"],
                    core.job_seed("evoaug_train", name, "standard", 1),
                    checkpoints[name],
                    n_checkpoint,
                ),
                [checkpoints[name]],
                needs=[f"evoaug_data_{name}"],
                setup=True,
            )
        )
    filters = interp.filters
    pwms, meme = (str(scratch / f"evoaug/interp/filters.{ext}") for ext in ("npz", "meme"))
    out.append(
        Job(
            "evoaug_interp_filters",
            "evoaug_interp_filters",
            "first-layer filters of one Basset model as PWMs",
            f"{n_basset[2]} test sequences (max_sequences {filters['max_sequences']})",
            lambda: jobs.run_script(
                "evoaug2023/interpret_filters.py",
                input=jobs.Files(model=checkpoints["basset"], data=data["basset"]),
                output=jobs.Files(pwms=pwms, meme=meme),
                params={
                    "settings": filters,
                    "device": config["device"],
                    "seed": core.job_seed("evoaug_interp_filters", "basset", "standard", "standard", "1"),
                },
                wildcards={"dataset": "basset", "setting": "standard", "stage": "standard", "seed": "1"},
                log=str(logs / "interp_filters.log"),
                threads=threads,
            ),
            [pwms, meme],
            needs=["setup_basset_checkpoint"],
        )
    )
    matches, summary = (str(scratch / f"evoaug/interp/filters.{ext}") for ext in ("csv", "json"))
    out.append(
        Job(
            "evoaug_interp_tomtom",
            "evoaug_interp_tomtom",
            f"Tomtom of one model's filters vs {filters['jaspar_release']} (numba cache: see JSON)",
            "one model's filters x 841 JASPAR motifs",
            lambda: jobs.run_script(
                "evoaug2023/interpret_tomtom.py",
                input=jobs.Files(pwms=[pwms], meme=[meme]),
                output=jobs.Files(matches=[matches], summary=[summary]),
                params={"settings": filters},
                wildcards={},
                log=str(logs / "interp_tomtom.log"),
                threads=1,
            ),
            [matches, summary],
            needs=["evoaug_interp_filters"],
        )
    )
    # --scale shrinks the attribution job by its number of sequences (maps of 1,000 references)
    attribution = {**interp.attribution, "n_sequences": max(2, round(interp.attribution["n_sequences"] * scale))}
    maps, scores = (str(scratch / f"evoaug/interp/attribution.{ext}") for ext in ("npz", "csv"))
    out.append(
        Job(
            "evoaug_interp_attribution",
            "evoaug_interp_attribution",
            f"{attribution['dataset']} GradientShap maps, {attribution['n_references']} references, "
            f"{attribution['n_samples']} samples",
            f"{attribution['n_sequences']} sequences of {sizes(jobs.DEEPSTARR_SPLITS)[2]} test sequences",
            lambda: jobs.run_script(
                "evoaug2023/interpret_attribution.py",
                input=jobs.Files(model=checkpoints[attribution["dataset"]], data=data[attribution["dataset"]]),
                output=jobs.Files(maps=maps, scores=scores),
                params={
                    "settings": attribution,
                    "device": config["device"],
                    "seed": core.job_seed("evoaug_interp_attribution", attribution["dataset"]),
                },
                wildcards={"dataset": attribution["dataset"], "setting": "standard", "stage": "standard", "seed": "1"},
                log=str(logs / "interp_attribution.log"),
                threads=threads,
            ),
            [maps, scores],
            needs=[f"setup_{attribution['dataset']}_checkpoint"],
        )
    )

    def link_cecil_inputs() -> dict:
        for paths in classes.values():
            for path in paths[1:]:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).unlink(missing_ok=True)
                Path(path).symlink_to(paths[0])
        return {}

    out.insert(
        next(i for i, job in enumerate(out) if job.name == "cecil2023_statistics"),
        Job(
            "cecil_inputs",
            "(set-up) shard links",
            "the measured shards repeated to the data set's shard count",
            f"{2 * n_shards} links",
            link_cecil_inputs,
            [],
            needs=["simulate_S0", "simulate_S200"],
            setup=True,
        ),
    )
    return out


# --------------------------------------------------------------------------- running


def run_child(job: Job, scratch: Path) -> dict:
    """Fork, run ``job`` in the child, and measure it (wall, CPU, peak RSS from ``wait4``)."""
    result_path = scratch / f"{job.name}.result.json"
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child
        status = 0
        try:
            extra = job.run() or {}
            result_path.write_text(json.dumps(extra, default=float))
        except BaseException:  # noqa: BLE001 - a forked child must end in os._exit, whatever failed
            traceback.print_exc()
            status = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    ok = os.waitstatus_to_exitcode(status) == 0 and result_path.exists()
    return {
        "ok": ok,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # KiB on Linux
        "extra": json.loads(result_path.read_text()) if ok else {},
    }


def output_mb(paths: list[str]) -> float:
    total = 0
    for path in map(Path, paths):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total / 1e6


def job_row(job: Job, measured: dict) -> dict:
    """The table row of a job: its whole size, extrapolated from the measured part where needed."""
    wall, cpu = measured["wall_s"], measured["cpu_s"]
    factor = float(job.factor)
    extra = measured["extra"]
    if "steps_per_epoch" in extra:  # EvoAug training: one epoch from the timed steps
        epoch = evoaug_epoch(extra)
        wall_full, cpu_full = epoch["wall_s"], epoch["cpu_s"]
        factor = wall_full / wall
    else:
        wall_full, cpu_full = wall * factor, cpu * factor
    return {
        "job": job.name,
        "rule": job.rule,
        "what": job.what,
        "size": job.size,
        "wall_s": round(wall_full, 3),
        "cpu_s": round(cpu_full, 3),
        "peak_rss_mb": round(measured["peak_rss_mb"], 1),
        "output_mb": round(measured["output_mb"], 2),
        "extrapolated": "yes" if abs(factor - 1) > 1e-9 else "no",
        "factor": round(factor, 2),
        "measured_wall_s": round(wall, 3),
        "measured_cpu_s": round(cpu, 3),
        "status": "ok" if measured["ok"] else "failed",
        "setup": job.setup,
        "details": extra,
    }


def evoaug_epoch(extra: dict) -> dict:
    """Wall and CPU seconds of one epoch (plus, for an augmented setting, one fine-tuning epoch):
    data loading and set-up + steps per epoch x per-step cost + one validation pass."""
    totals = {}
    for k, clock in enumerate(("wall_s", "cpu_s")):
        seconds = extra["load"][k] + extra["setup"][k] + extra["steps_per_epoch"] * extra["step"][k]
        seconds += extra["valid_pass"][k]
        if "finetune" in extra:
            tune = extra["finetune"]
            steps = math.ceil(extra["n_train"] / tune["batch_size"])
            seconds += tune["setup"][k] + steps * tune["step"][k] + extra["valid_pass"][k]
        totals[clock] = seconds
    return totals


#: Wildcards of the workflow job each rehearsal row stands for (genomic_dl.resources sizes them).
WILDCARDS = {
    "simulate_S0": {"scenario": "three_epoch", "S": "0", "shard": "0"},
    "simulate_S200": {"scenario": "three_epoch", "S": "200", "shard": "0"},
    "simulate_S400": {"scenario": "three_epoch", "S": "400", "shard": "0"},
    "simulate_SU0-400": {"scenario": "three_epoch", "S": "U0-400", "shard": "0"},
    "images_S0": {"scenario": "three_epoch", "sorting": "rows_cols", "S": "0", "shard": "0"},
    "images_S200": {"scenario": "three_epoch", "sorting": "rows_cols", "S": "200", "shard": "0"},
    "images_S400": {"scenario": "three_epoch", "sorting": "rows_cols", "S": "400", "shard": "0"},
    "images_SU0-400": {"scenario": "three_epoch", "sorting": "rows_cols", "S": "U0-400", "shard": "0"},
    "imagene_fig3_train": {"architecture": "standard", "sorting": "rows_cols", "S": "200", "seed": "1"},
    "imagene_fig4_train": {"experiment": "fig4", "variant": "three_epoch", "seed": "1"},
    "imagene_fig5_train": {"experiment": "fig5", "variant": "gaussian", "seed": "1"},
    "cecil2023_statistics": {"dataset": "single_s01"},
    "cecil2023_images": {"dataset": "single_s01", "width": "resize", "sorting": "rows"},
    "evoaug_data_basset": {"dataset": "basset"},
    "evoaug_data_deepstarr": {"dataset": "deepstarr"},
    "evoaug_train_standard": {"dataset": "basset", "seed": "1"},
    "evoaug_train_augmented": {"dataset": "basset", "setting": "evoaug", "seed": "1"},
    "evoaug_interp_filters": {"dataset": "basset", "setting": "standard", "stage": "standard", "seed": "1"},
    "evoaug_interp_tomtom": {},
    "evoaug_interp_attribution": {"dataset": "deepstarr", "setting": "standard", "stage": "standard", "seed": "1"},
}


def whole_job(row: dict) -> tuple[float, float]:
    """(wall s, CPU s) of the whole workflow job a row stands for.

    The row's own times are the job's except for EvoAug training, measured as one epoch: there
    the job is data loading + ``max_epochs`` x (an epoch's steps + a validation pass) + the final
    test and validation passes, and for an augmented setting the same again for fine-tuning
    (``max_epochs`` of the fine-tuning section). An upper bound: early stopping may end sooner.
    """
    extra = row.get("details") or {}
    if "steps_per_epoch" not in extra:
        return row["wall_s"], row["cpu_s"]
    totals = []
    for k in range(2):
        final = extra["valid_pass"][k] * (1 + extra["n_test"] / extra["n_valid"])
        epoch = extra["steps_per_epoch"] * extra["step"][k] + extra["valid_pass"][k]
        seconds = extra["load"][k] + extra["setup"][k] + extra["max_epochs"] * epoch + final
        if "finetune" in extra:
            tune = extra["finetune"]
            steps = math.ceil(extra["n_train"] / tune["batch_size"])
            seconds += (
                tune["setup"][k] + tune["max_epochs"] * (steps * tune["step"][k] + extra["valid_pass"][k]) + final
            )
        totals.append(seconds)
    return totals[0], totals[1]


def finish_rows(rows: list[dict]) -> list[dict]:
    """Add each row's workflow wildcards and whole-job times (``job_wall_s``, ``job_cpu_s``)."""
    for row in rows:
        row["wildcards"] = WILDCARDS.get(row["job"])
        if row["status"] == "ok":
            wall, cpu = whole_job(row)
            row["job_wall_s"], row["job_cpu_s"] = round(wall, 3), round(cpu, 3)
    return rows


def write_outputs(record: dict, out: Path) -> tuple[Path, Path]:
    """``paper_scale_rehearsal.json`` and ``.csv`` in ``out``."""
    json_path, csv_path = out / "paper_scale_rehearsal.json", out / "paper_scale_rehearsal.csv"
    json_path.write_text(json.dumps(record, indent=1, default=float) + "\n")
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(record["jobs"])
    return json_path, csv_path


def derived_rows(rows: dict[str, dict], plans: Plans) -> list[dict]:
    """Rows made of other rows: the Cecil data set's simulation (shard jobs x shard count)."""
    if "simulate_S0" not in rows or "simulate_S200" not in rows:
        return []
    n_shards = int(plans.cecil.datasets["single_s01"]["shards"])
    parts = [rows["simulate_S0"], rows["simulate_S200"]]
    return [
        {
            "job": "cecil2023_simulation",
            "rule": "simulate_msprime",
            "what": f"single_s01: {2 * n_shards} shard jobs (S = 0 and 200), summed",
            "size": f"{2 * n_shards} shards (measured: 2)",
            "wall_s": round(sum(r["wall_s"] for r in parts) * n_shards, 3),
            "cpu_s": round(sum(r["cpu_s"] for r in parts) * n_shards, 3),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in parts),
            "output_mb": round(sum(r["output_mb"] for r in parts) * n_shards, 2),
            "extrapolated": "yes",
            "factor": float(n_shards),
            "measured_wall_s": round(sum(r["measured_wall_s"] for r in parts), 3),
            "measured_cpu_s": round(sum(r["measured_cpu_s"] for r in parts), 3),
            "status": "ok" if all(r["status"] == "ok" for r in parts) else "failed",
            "setup": False,
            "details": {"per_shard_peak_rss_mb": [r["peak_rss_mb"] for r in parts]},
        }
    ]


def provenance(scale: float, steps: int, baseline_mb: float, shared_cores: bool) -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "unknown"

    cpu = platform.processor() or "unknown"
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    import torch

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "preset": PRESET,
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cpu_model": cpu,
            "cores": os.cpu_count(),
            "ram_gib": round(pages / 2**30, 1),
            "gpu": None,
            "cores_shared": shared_cores,  # as stated by --shared-cores
        },
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numba_cache": os.environ.get("NUMBA_CACHE_DIR"),
        "scale": scale,
        "evoaug_steps": steps,
        "fork_baseline_rss_mb": round(baseline_mb, 1),
        "method": (
            "each job in a child forked after the imports; wall = fork to wait4, cpu = ru_utime + "
            "ru_stime of the child, peak_rss_mb = its ru_maxrss (includes the ~baseline of the "
            "imported modules). Extrapolated rows: wall_s and cpu_s = measured x factor (batches, "
            "shards) or, for EvoAug training, data loading + steps per epoch x measured per-step "
            "cost + one validation pass; peak_rss_mb is always measured at full job size."
        ),
    }


def markdown(rows: list[dict], whole_job: bool = False) -> str:
    """The rehearsal's table; ``whole_job`` adds the whole workflow job's CPU-hours (docs page)."""
    head = "| job | rule | size | wall (s) | CPU (s) | peak RSS (MB) | output (MB) | extrapolated |"
    lines = [
        head + (" whole job (CPU h) |" if whole_job else ""),
        "|---|---|---|---:|---:|---:|---:|---|" + ("---:|" * whole_job),
    ]
    for r in rows:
        extrapolated = f"yes, x{r['factor']:g} of {r['measured_wall_s']:g} s" if r["extrapolated"] == "yes" else "no"
        line = (
            f"| {r['job']} | {r['rule']} | {r['size']} | {r['wall_s']:,.0f} | {r['cpu_s']:,.0f} | "
            f"{r['peak_rss_mb']:,.0f} | {r['output_mb']:,.1f} | {extrapolated if r.get('status', 'ok') == 'ok' else 'FAILED'} |"
        )
        lines.append(line + (f" {r.get('job_cpu_s', r['cpu_s']) / 3600:,.2f} |" if whole_job else ""))
    return "\n".join(lines)


def select(all_jobs: list[Job], only: list[str] | None) -> list[Job]:
    """The jobs named by ``--only`` (job names or rule names) and what they need, in order."""
    if not only:
        return all_jobs
    by_name = {job.name: job for job in all_jobs}
    wanted = {job.name for job in all_jobs if job.name in only or job.rule in only}
    unknown = sorted(set(only) - {job.name for job in all_jobs} - {job.rule for job in all_jobs})
    if unknown:
        raise SystemExit(f"--only: unknown job(s) {unknown}; choose from {sorted(by_name)}")
    stack = list(wanted)
    while stack:
        for need in by_name[stack.pop()].needs:
            if need not in wanted:
                wanted.add(need)
                stack.append(need)
    return [job for job in all_jobs if job.name in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full sizes (a fast test)")
    parser.add_argument("--only", nargs="+", help="job or rule names to (re)run, with what they need")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--steps", type=int, default=DEFAULT_STEPS, help="optimiser steps per EvoAug stage")
    parser.add_argument(
        "--shared-cores",
        action="store_true",
        help="other work ran on the same cores (stamped; times are then upper bounds)",
    )
    parser.add_argument(
        "--refresh", action="store_true", help="recompute the derived columns of --out's JSON, run nothing"
    )
    args = parser.parse_args(argv)
    if args.refresh:
        record = json.loads((args.out / "paper_scale_rehearsal.json").read_text())
        record["jobs"] = finish_rows(record["jobs"])
        write_outputs(record, args.out)
        print(markdown(record["jobs"]))
        return 0
    if not 0 < args.scale <= 1:
        parser.error(f"--scale must be in (0, 1], got {args.scale}")
    if args.steps < 2:
        parser.error(f"--steps must be >= 2, got {args.steps}")
    args.out.mkdir(parents=True, exist_ok=True)
    import resource

    import msprime  # noqa: F401  (imported before forking: children start warm)
    import torch  # noqa: F401

    import genomic_dl.cecil2023.statistics
    import genomic_dl.evoaug2023.interpretation  # noqa: F401

    plans = Plans(paper_config())
    scratch = Path(tempfile.mkdtemp(prefix="rehearsal_scratch_", dir=args.out))
    os.environ.setdefault("NUMBA_CACHE_DIR", str(scratch / "numba_cache"))  # cold unless set
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stamp = provenance(args.scale, args.steps, baseline, args.shared_cores)  # the code and time the run started with
    measured: dict[str, dict] = {}
    failed: set[str] = set()
    started = time.perf_counter()
    try:
        for job in select(build_jobs(plans, scratch, args.scale, args.steps), args.only):
            if failed & set(job.needs):
                log(f"{job.name}: skipped (needs {sorted(failed & set(job.needs))})")
                failed.add(job.name)
                continue
            log(f"{job.name}: {job.rule}, {job.size} ...")
            result = run_child(job, scratch)
            result["output_mb"] = output_mb(job.outputs)
            measured[job.name] = job_row(job, result)
            row = measured[job.name]
            if not result["ok"]:
                failed.add(job.name)
            log(
                f"{job.name}: {row['status']}, {result['wall_s']:.1f} s wall, {result['cpu_s']:.1f} s CPU, "
                f"{result['peak_rss_mb']:.0f} MB peak (elapsed {time.perf_counter() - started:.0f} s)"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = list(measured.values()) + derived_rows(measured, plans)
    earlier = args.out / "paper_scale_rehearsal.json"
    if args.only and earlier.exists():  # keep the other jobs' rows of an earlier run, and its stamp
        previous = json.loads(earlier.read_text())
        fresh = {row["job"] for row in rows}
        kept = [row for row in previous["jobs"] if row["job"] not in fresh]
        order = {row["job"]: i for i, row in enumerate(previous["jobs"])}
        rows = sorted(kept + rows, key=lambda row: order.get(row["job"], len(order)))
        stamp["rerun_jobs"] = sorted(fresh)
        stamp["other_rows_from"] = previous["provenance"]
    record = {"provenance": stamp, "jobs": finish_rows(rows)}
    json_path, csv_path = write_outputs(record, args.out)
    print(markdown(rows))
    log(f"wrote {json_path} and {csv_path}; {len(failed)} failed: {sorted(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
