"""Cluster resources of every rule: ``mem_mb`` and ``runtime`` (minutes) from the job's size.

Each rule's ``resources:`` calls :meth:`ResourcePlan.mem` and :meth:`ResourcePlan.runtime`, which
return functions of the job's ``wildcards`` and ``attempt`` (Snakemake calls them per job), so
the request grows with the size parameters of the config (replicates per shard, shards, images
and their size, epochs, restarts, sequences) and doubles, triples ... on each retry of a job
killed for time or memory. A profile's ``set-resources`` still overrides them.

Rates come from the full-size dress rehearsal of the paper preset on the 2-core development
machine (``benchmarks/paper_scale/rehearsal.py``, results in
``benchmarks/results/paper_scale_rehearsal.json``: one job of every rule type at full size, wall
and CPU time and peak RSS of each, cores shared with other work), from one paper-scale run
(16-core CPU + H200, ``results/paper-scale/job_times.csv``) and from the Benchmarks section of the
README. A rate is at least the largest of those measurements (``tests/core/test_resources.py``
checks every rehearsed job against its model); the request is ``SAFETY`` times the estimate plus
``STARTUP`` for imports, rounded up to whole minutes:

* msprime, 5,000 replicates of 128 haplotypes: 37-51 s (7-10 ms per replicate; 15 ms on the
  loaded 16-core host), peak 0.6-0.7 GB (3.3 GB before the positions stopped holding each
  replicate's tables alive), scaled with the number of haplotypes (an upper bound: 1,000
  haplotypes cost 1.5x the CPU and 2.5x the memory of 128, not 7.8x). SLiM (unmeasured here):
  ~50 s (CEU) to 70 s (YRI) per replicate.
* ImaGene images: 6-11 s per 5,000 images (up to 2.2 ms each at 128 x 128), peak 1.3-1.5 GB.
* CNN training on one CPU thread: ImaGene binary CNN 952 s for the Fig 3 job (9 batches of
  10,000 images: ~11 ms per image), multiclass 1,384 s (Fig 4, 9 x 15,000) and 20,700 s (Fig 5,
  49 batches of 8 x 5,000), peak 1.8-2.5 GB; DeepSet ~50 ms, mini-CNN ~0.2 ms per image
  (README). EvoAug Basset at width 1.0, 437,478 training sequences: 1.0 s per step of 100,
  an epoch with its validation pass 4,472 s (10.2 ms per training sequence; augmented steps cost
  the same), peak 2.8 GB with the whole file held as uint8. imagene_fig3_train took ~75 s on
  the H200.
* Cecil & Sugden, 100,000 regions: statistics 625 s (6.2 ms per region), resized images 153 s
  (1.5 ms per region); both hold every region's haplotypes, peak 7.6 GB (~0.07 MB per region).
* EvoAug interpretation (paper preset): filter PWMs over 16,703 Basset test sequences 132 s,
  1.5 GB; Tomtom of one model vs JASPAR with numba compiling 41 s, 0.7 GB; attribution maps of
  100 DeepSTARR sequences 23 s, 1.6 GB: the constant requests below cover them with margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["SAFETY", "STARTUP_S", "ResourcePlan", "Size"]

#: Seconds added to every job (interpreter, torch and Snakemake start-up, I/O).
STARTUP_S = 120.0
#: Factor on the estimated compute time and memory (slower nodes, shared file systems).
SAFETY = 2.0
#: Floors: the smallest request of any job.
MIN_MEM_MB = 1000
MIN_RUNTIME_MIN = 5
#: Target rules of the Snakefile: inputs only, run on the submitting host, no work of their own.
TARGET_RULES = ("all", "imagene2019", "cecil2023", "evoaug2023")

MSPRIME_S_PER_REPLICATE = 0.015  # 128 haplotypes (rehearsal: 7-10 ms; 16-core host under load: 15 ms)
MSPRIME_MB_PER_REPLICATE = 0.09  # 128 haplotypes (rehearsal: 726 MB peak for 5,000 replicates)
SLIM_S_PER_REPLICATE = 70.0  # YRI, the slower of the two sweeps
SLIM_MB_PER_REPLICATE = 0.42  # 384 haplotypes (unmeasured)
IMAGE_S = 0.0023  # one 128 x 128 image from a replicate (rehearsal: up to 2.2 ms)
IMAGE_BYTES_PER_PIXEL = 12  # ImaGene images job: raw genotypes, float work arrays, output (rehearsal: 1.45 GB)
CECIL_IMAGE_S = 0.002  # one resized Cecil image per region (rehearsal: 1.5 ms)
CECIL_STATISTICS_S = 0.007  # all summary statistics of one region (rehearsal: 6.2 ms)
CECIL_REGION_MB = 0.07  # one region's haplotypes held by the statistics and images jobs (rehearsal)
TRAIN_S_PER_IMAGE = {"imagene": 0.011, "deepset": 0.05, "mini_cnn": 0.0002}  # 128 x 128, one epoch
#: Full-width Basset network, 600 nt: one training sequence of one epoch, validation pass
#: included (rehearsal: 10.2 ms; EvoAug-augmented steps cost the same).
EVOAUG_S_PER_SEQUENCE = 0.0105
#: EvoAug augmentations of one 600-nt sequence on one thread, any network width (FACTS: ~25 ms
#: per batch of 128 with the Basset settings).
EVOAUG_AUGMENT_S_PER_SEQUENCE = 0.0002
#: Sequences of the published EvoAug data (paper preset: downloaded files), train + valid + test.
ZENODO_SEQUENCES = {"basset": (470_591, 600, 164), "deepstarr": (484_052, 249, 2), "chip": (40_000, 200, 1)}
#: Training split of the published files (ChIP-seq: 70 % of each TF's file).
ZENODO_TRAIN = {"basset": 437_478, "deepstarr": 402_296}


class Size:
    """A job's estimated compute seconds and memory (MB) before safety factor and retries."""

    __slots__ = ("mem_mb", "seconds")

    def __init__(self, seconds: float, mem_mb: float) -> None:
        self.seconds, self.mem_mb = float(seconds), float(mem_mb)

    def __repr__(self) -> str:
        return f"Size(seconds={self.seconds:.0f}, mem_mb={self.mem_mb:.0f})"


def _get(wildcards: Any, name: str, default: Any = None) -> Any:
    if isinstance(wildcards, Mapping):
        return wildcards.get(name, default)
    return getattr(wildcards, name, default)


class ResourcePlan:
    """Size models of every rule, from the merged config.

    ``mem(rule)`` / ``runtime(rule)`` are what the rule files put under ``resources:``; a rule
    without a model is an error when the workflow is parsed (every rule is covered).
    """

    def __init__(self, config: Mapping) -> None:
        self.config = config
        simulation = config["simulation"]
        self.replicates = int(simulation["replicates_per_shard"])
        self.scenarios = simulation["scenarios"]
        self.threads = max(1, int(config.get("training_threads", 1)))
        imagene = config["imagene"]
        rows, cols = imagene["preprocessing"]["image_size"]
        self.imagene_pixels = rows * cols / 128**2
        training = imagene["training"]
        self.imagene_epochs = 1 if training["strategy"] == "on_the_fly" else int(training["max_epochs"])
        self.models: dict[str, Callable[[Any], Size]] = {}
        self._imagene_models()
        self._cecil_models()
        self._evoaug_models()
        self._light_models()

    # ------------------------------------------------------------------ public interface

    def size(self, rule: str, wildcards: Any = None) -> Size:
        """The estimated size of one job of ``rule``."""
        if rule not in self.models:
            raise KeyError(f"no resource model for rule {rule!r}; add one in genomic_dl.resources")
        return self.models[rule](wildcards if wildcards is not None else {})

    def mem_mb(self, rule: str, wildcards: Any = None, attempt: int = 1) -> int:
        size = self.size(rule, wildcards)
        return int(max(MIN_MEM_MB, math.ceil(SAFETY * size.mem_mb / 100) * 100) * max(1, attempt))

    def runtime_min(self, rule: str, wildcards: Any = None, attempt: int = 1) -> int:
        size = self.size(rule, wildcards)
        minutes = math.ceil((SAFETY * size.seconds + STARTUP_S) / 60)
        return int(max(MIN_RUNTIME_MIN, minutes) * max(1, attempt))

    def mem(self, rule: str) -> Callable[..., int]:
        """``resources: mem_mb=`` of ``rule``: a function of the job's wildcards and attempt."""
        self.size(rule)  # fail at parse time for a rule without a model

        def mem_mb(wildcards, attempt):
            return self.mem_mb(rule, wildcards, attempt)

        return mem_mb

    def runtime(self, rule: str) -> Callable[..., int]:
        """``resources: runtime=`` of ``rule`` (minutes)."""
        self.size(rule)

        def runtime(wildcards, attempt):
            return self.runtime_min(rule, wildcards, attempt)

        return runtime

    # ------------------------------------------------------------------ helpers

    def haplotypes(self, scenario: str | None) -> int:
        spec = self.scenarios.get(scenario or "", {})
        if "n_haplotypes" in spec:
            return int(spec["n_haplotypes"])
        if "diploids_per_population" in spec:
            return 2 * int(spec["diploids_per_population"]) * 3
        return max(
            [int(s.get("n_haplotypes", 2 * 3 * s.get("diploids_per_population", 64))) for s in self.scenarios.values()]
        )

    def _train(
        self, images: float, epochs: float, per_image_s: float, pixels: float = 1.0, in_memory: float | None = None
    ) -> Size:
        """CNN training: images x epochs x cost; memory holds ``in_memory`` (default: all) float32
        images twice (stored and batched copies) plus the model and torch."""
        seconds = images * epochs * per_image_s * pixels / self.threads
        held = images if in_memory is None else min(images, in_memory)
        return Size(seconds, 1500 + held * pixels * 128**2 * 4 / 1e6 * 2)

    # ------------------------------------------------------------------ ImaGene and simulation

    def _imagene_models(self) -> None:
        reps = self.replicates
        imagene = self.config["imagene"]

        def msprime(w):
            scale = self.haplotypes(_get(w, "scenario")) / 128
            return Size(reps * MSPRIME_S_PER_REPLICATE * scale, 300 + reps * MSPRIME_MB_PER_REPLICATE * scale)

        def slim(w):
            return Size(reps * SLIM_S_PER_REPLICATE, 2000 + reps * SLIM_MB_PER_REPLICATE)

        def images(w):
            pixels = reps * self.imagene_pixels * 128**2
            return Size(reps * IMAGE_S * self.imagene_pixels, 500 + pixels * IMAGE_BYTES_PER_PIXEL / 1e6)

        fig3 = imagene["fig3"]
        fig3_train = 2 * int(fig3["train_shards"]) * reps  # neutral + one selection strength
        fig3_test = 2 * int(fig3["test_shards"]) * reps
        pixels = self.imagene_pixels
        per = TRAIN_S_PER_IMAGE["imagene"]
        # simulation on the fly reads one simulation batch (a shard per class) at a time
        held = 2 * reps if imagene["training"]["strategy"] == "on_the_fly" else None  # one batch

        on_the_fly = imagene["training"]["strategy"] == "on_the_fly"

        def multiclass_batch(w) -> int:
            """Images of one simulation batch: a shard per class value (Fig 4), or
            ``shards_per_batch`` shards of the S prior (Figs 5-6)."""
            settings = imagene.get(_get(w, "experiment", "fig5"), imagene["fig5"])
            strengths = max(1, len(settings.get("class_values", [])))  # Fig 5: one prior
            return reps * strengths * int(settings.get("shards_per_batch", 1))

        def multiclass(w, test=False) -> int:
            settings = imagene.get(_get(w, "experiment", "fig5"), imagene["fig5"])
            return int(settings["test_shards" if test else "train_shards"]) * multiclass_batch(w)

        def multiclass_train(w) -> Size:
            held_images = multiclass_batch(w) if on_the_fly else None
            return self._train(multiclass(w), self.imagene_epochs, per * 1.5, pixels, held_images)

        self.models.update(
            {
                "simulate_msprime": msprime,
                "simulate_slim": slim,
                "imagene_images": images,
                "imagene_fig3_train": lambda w: self._train(fig3_train, self.imagene_epochs, per, pixels, held),
                "imagene_fig3_evaluate": lambda w: self._train(fig3_test, 1, per / 3, pixels),
                "imagene_multiclass_train": multiclass_train,
                "imagene_multiclass_evaluate": lambda w: self._train(multiclass(w, test=True), 1, per / 2, pixels),
                "imagene_fig1_region": lambda w: Size(300, 2000),
                "imagene_fig1_encodings": lambda w: Size(60, 1000),
                "imagene_fig2_sorting": lambda w: Size(60, 1000),
                "imagene_fig3_figure": lambda w: Size(60, 1000),
                "imagene_fig3_ablations": lambda w: Size(60, 1000),
                "imagene_fig4_misspecification": lambda w: Size(60, 1000),
                "imagene_fig5_label_distributions": lambda w: Size(120, 1500),
                "imagene_fig6_posterior": lambda w: Size(120, 1500),
            }
        )

    # ------------------------------------------------------------------ Cecil & Sugden

    def _cecil_models(self) -> None:
        cecil = self.config["cecil2023"]
        reps = self.replicates
        datasets = cecil["datasets"]
        largest = max(int(d["shards"]) for d in datasets.values())
        rows, cols = cecil["preprocessing"]["resize"]
        resized = rows * cols / 128**2
        padded = resized * 340 / cols  # zero-padded widths reach ~340 columns
        training = cecil["training"]
        restarts = int(training["restarts"])
        by_model = training.get("restarts_by_model") or {}
        epochs = int(training["epochs"])
        early = int(training.get("early_stopping", {}).get("max_epochs", epochs))

        def regions(w) -> int:
            dataset = datasets.get(_get(w, "dataset", ""), None)
            shards = int(dataset["shards"]) if dataset else largest
            return 2 * shards * reps

        def pixels(w) -> float:
            return padded if "pad" in str(_get(w, "width", "")) else resized

        def train(models: Mapping[str, int]):
            def size(w):
                training = str(_get(w, "training", "fixed_epochs"))
                n_train = int(training[1:]) if training[:1] == "n" and training[1:].isdigit() else 0.8 * regions(w)
                n_epochs = early if training == "early_stopping" else epochs
                seconds = sum(
                    n_train * n_epochs * TRAIN_S_PER_IMAGE[m] * k * pixels(w) / self.threads for m, k in models.items()
                )
                # uint8 images (0/1) held in memory, plus a converted copy and torch
                return Size(seconds, 1500 + regions(w) * pixels(w) * 128**2 * 2 / 1e6)

            return size

        cnns = {"imagene": int(by_model.get("imagene", restarts)), "mini_cnn": int(by_model.get("mini_cnn", restarts))}
        deepset = {"deepset": int(by_model.get("deepset", restarts))}
        ladder = {"imagene": 10 * 6}  # Tables A and B: six networks of the paper's sizes, 10 restarts

        def prepared(n: int, w) -> Size:
            """Images of ``n`` regions: every region's haplotypes, then the uint8 images."""
            return Size(n * CECIL_IMAGE_S * pixels(w), 1000 + n * CECIL_REGION_MB + n * pixels(w) * 128**2 / 1e6)

        def images(w):
            return prepared(regions(w), w)

        def epoch_images(w):
            return prepared(2 * int(datasets.get(_get(w, "dataset", ""), {"shards": largest})["shards"]) * reps, w)

        shap = int(cecil.get("interpretation", {}).get("images_per_class", 200))
        self.models.update(
            {
                "cecil2023_images": images,
                "cecil2023_epoch_images": epoch_images,
                "cecil2023_statistics": lambda w: Size(
                    regions(w) * CECIL_STATISTICS_S, 1000 + regions(w) * CECIL_REGION_MB
                ),
                "cecil2023_train_cnns": train(cnns),
                "cecil2023_train_deepset": train(deepset),
                "cecil2023_train_ladder": train(ladder),
                # SHAP (DeepExplainer) on images_per_class x 2 images, ~0.5 s each on CPU
                "cecil2023_interpret": lambda w: Size(2 * shap * 0.5 * padded / self.threads, 4000),
                "cecil2023_figF_sfs": lambda w: Size(largest * reps * 0.002, 1500),
                "cecil2023_table": lambda w: Size(60, 1000),
                "cecil2023_fig1c": lambda w: Size(60, 1000),
                "cecil2023_fig2": lambda w: Size(120, 1500),
                "cecil2023_fig3": lambda w: Size(120, 1500),
                "cecil2023_fig4": lambda w: Size(120, 1500),
                "cecil2023_figP": lambda w: Size(60, 1000),
                "cecil2023_figQR": lambda w: Size(60, 1000),
                "cecil2023_figNO": lambda w: Size(120, 1500),
            }
        )

    # ------------------------------------------------------------------ EvoAug

    def _evoaug_models(self) -> None:
        evoaug = self.config["evoaug"]
        data = evoaug["data"]
        zenodo = data["source"] == "zenodo"

        def kind(dataset: str | None) -> str:
            dataset = str(dataset or "basset")
            kind = "chip" if dataset.startswith("chip") else dataset
            return kind if kind in evoaug["models"] else "basset"

        def sequences(dataset: str | None) -> tuple[int, int]:
            k = kind(dataset)
            if zenodo:
                n, length, _ = ZENODO_SEQUENCES[k]
                return n, length
            spec = data["synthetic"].get(k, {})
            return int(spec.get("n_sequences", 6000)), int(spec.get("length", 300))

        def n_tasks(dataset: str | None) -> int:
            k = kind(dataset)
            if zenodo:
                return ZENODO_SEQUENCES[k][2]
            return int(data["synthetic"].get(k, {}).get("n_tasks", 2))

        def per_sequence(dataset: str | None) -> float:
            width = float(evoaug["models"][kind(dataset)]["width"])
            _, length = sequences(dataset)
            return EVOAUG_S_PER_SEQUENCE * max(width, 0.05) ** 1.66 * length / 600

        def train(epochs_key: str, extra_epochs: str | None = None, fraction: float = 0.7):
            """Standard training (``epochs_key`` epochs) or augmented pretraining followed by
            ``extra_epochs`` of fine-tuning; the whole file is held as uint8 one-hot + float32
            targets (``load_splits``), batches become float32 one at a time."""

            def size(w):
                dataset = _get(w, "dataset")
                n, length = sequences(dataset)
                size_wildcard = _get(w, "size")
                if size_wildcard and str(size_wildcard).isdigit():
                    n_train = int(size_wildcard)
                elif zenodo and kind(dataset) in ZENODO_TRAIN:
                    n_train = ZENODO_TRAIN[kind(dataset)]
                else:
                    n_train = fraction * n
                epochs = int(evoaug[epochs_key]["max_epochs"])
                per = per_sequence(dataset)
                seconds = n_train * epochs * per
                if extra_epochs:  # pretraining is augmented
                    seconds += n_train * epochs * EVOAUG_AUGMENT_S_PER_SEQUENCE * length / 600
                    seconds += n_train * int(evoaug[extra_epochs]["max_epochs"]) * per
                return Size(seconds / self.threads, 1500 + n * (4 * length + 4 * n_tasks(dataset)) / 1e6)

            return size

        def data_size(w):
            if zenodo:  # a hard link to the downloaded file after a layout check (rehearsal: 0.1 s)
                return Size(60, 1000)
            n, length = sequences(_get(w, "dataset"))
            return Size(n * 0.002, 1000 + n * 4 * length * 4 / 1e6 * 3)

        def download(w):
            return Size(3600 if zenodo else 600, 1000)

        self.models.update(
            {
                "evoaug_download": download,
                "evoaug_data": data_size,
                "evoaug_train_standard": train("training"),
                "evoaug_train_augmented": train("training", "finetuning"),
                "evoaug_downsample_standard": train("training"),
                "evoaug_downsample_augmented": train("training", "finetuning"),
                "evoaug_sweep": train("training", "finetuning"),
                "evoaug_interp_filters": lambda w: Size(600 / self.threads, 4000),
                "evoaug_interp_tomtom": lambda w: Size(600, 3000),
                "evoaug_interp_synthetic_variants": lambda w: Size(300, 2000),
                "evoaug_cagi5_download": lambda w: Size(600, 1000),
                "evoaug_hg19_checksums": lambda w: Size(60, 1000),
                "evoaug_hg19_chromosome": lambda w: Size(1800, 1500),
                "evoaug_interp_cagi5_variants": lambda w: Size(300, 3000),
                "evoaug_interp_variant_scores": lambda w: Size(600 / self.threads, 4000),
                "evoaug_interp_attribution": lambda w: Size(1800 / self.threads, 6000),
            }
        )
        for figure in (
            "evoaug_fig1b",
            "evoaug_fig2a",
            "evoaug_fig2b",
            "evoaug_fig2c",
            "evoaug_figS7",
            "evoaug_tableS2",
            "evoaug_figS1_S5",
            "evoaug_fig1c_filters",
            "evoaug_fig1c_filter_logos",
            "evoaug_fig1d_variant_effects",
            "evoaug_figS6_attribution",
        ):
            self.models[figure] = lambda w: Size(120, 1500)

    def _light_models(self) -> None:
        self.models.update(
            {
                "imagene_fig1_download": lambda w: Size(3600, 1000),  # a 1000 Genomes chromosome VCF
                "scorecard": lambda w: Size(60, 1000),
            }
        )
        for target in TARGET_RULES:
            self.models[target] = lambda w: Size(0, 100)
