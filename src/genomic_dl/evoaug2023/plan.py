"""EvoAug (Lee et al. 2023): settings, config cross-checks, the experiment grid, targets and input
functions of workflow/rules/evoaug2023.smk (training, Figs 1b, 2a-c, S1-S5, S7, Table S2) and
evoaug2023_interpretation.smk (Figs 1c, 1d, S6).

Contract between the two parts (:class:`EvoAugPaths`, under the run's results tree ``results_dir``):
data ``<results_dir>/evoaug2023/data/{dataset}.h5``, models
``<results_dir>/evoaug2023/models/{dataset}/{setting}/seed{seed}/{stage}.pt`` (+ ``{stage}_evaluation.json``).
"""

from __future__ import annotations

import re
from typing import Any

from genomic_dl.evoaug2023.experiment import resolve_setting
from genomic_dl.evoaug2023.grid import KINDS, dataset_kind, stages_of
from genomic_dl.evoaug2023.labels import model_label
from genomic_dl.plan import CorePlan, config_error

AUGMENTED_STAGES = ["pretrained", "finetuned"]
FIGURES = (
    "fig1b_basset_aupr",
    "fig2a_deepstarr_pearson",
    "fig2b_chip_auroc",
    "fig2c_downsampling",
    "figS7_training_curves",
    "figS1_S5_sweeps",
)
# Per-rule wildcard constraints (the interpretation part names wildcards alike).
DATASET_RE = r"basset|deepstarr|chip_[A-Za-z0-9]+"
POINT_RE = r"[a-z_]+-[a-z_]+-[0-9.e+-]+"


class EvoAugPaths:
    """Files of this paper's jobs under one results tree (``root``: config key ``results_dir``)."""

    def __init__(self, root: str) -> None:
        self.dir = f"{root}/evoaug2023"
        self.interpretation_dir = f"{self.dir}/interpretation"
        self.downloads_dir = f"{self.dir}/downloads"

    def data(self, dataset: str) -> str:
        """An EvoAug data file (synthetic offline, the Zenodo file in the paper preset)."""
        return f"{self.dir}/data/{dataset}.h5"

    def run_dir(self, dataset: str, setting: str, seed: Any) -> str:
        return f"{self.dir}/models/{dataset}/{setting}/seed{seed}"

    def model(self, dataset: str, setting: str, stage: str, seed: Any) -> str:
        """A trained model of the training part (the contract with the interpretation part)."""
        return f"{self.run_dir(dataset, setting, seed)}/{stage}.pt"

    def downsample_dir(self, dataset: str, size: Any, setting: str, seed: Any) -> str:
        return f"{self.dir}/downsampling/{dataset}/n{size}/{setting}/seed{seed}"

    def sweep_dir(self, dataset: str, point: str, seed: Any) -> str:
        return f"{self.dir}/sweeps/{dataset}/{point}/seed{seed}"

    def benchmark(self, directory: str) -> str:
        """Snakemake benchmark file of the training job writing ``directory``."""
        return directory.replace(f"{self.dir}/", f"{self.dir}/benchmarks/", 1) + ".tsv"

    def paths(self, records: list[dict], suffix: str) -> list[str]:
        """Files of records: suffix "_evaluation.json", "_history.csv" or ".pt"."""
        return [f"{self.run_dir(r['dataset'], r['setting'], r['seed'])}/{r['stage']}{suffix}" for r in records]

    def interpretation_path(
        self, analysis: str, dataset: str, setting: str, stage: str, seed: Any, extension: str
    ) -> str:
        return f"{self.interpretation_dir}/{analysis}/{dataset}/{setting}/seed{seed}/{stage}.{extension}"


def stage_outputs(directory: str, stages: list[str]) -> dict[str, str]:
    """Named outputs of a training rule: <stage>_model, <stage>_history, <stage>_evaluation."""
    outputs = {}
    for stage in stages:
        outputs[f"{stage}_model"] = f"{directory}/{stage}.pt"
        outputs[f"{stage}_history"] = f"{directory}/{stage}_history.csv"
        outputs[f"{stage}_evaluation"] = f"{directory}/{stage}_evaluation.json"
    return outputs


def stages(setting: str) -> list[str]:
    return list(stages_of(setting))


def _sweep_value(value: float) -> str:
    return f"{value:g}"


class EvoAugPlan:
    def __init__(self, core: CorePlan) -> None:
        self.paths = EvoAugPaths(core.results)
        self.core = core
        self.settings = settings = core.config["evoaug"]
        self.seeds = settings["seeds"]
        self.data = settings["data"]
        self.chip = [f"chip_{tf}" for tf in settings["chip_tfs"]]
        self.datasets = ["basset", "deepstarr", *self.chip]
        self.fig2c, self.figS7 = settings["fig2c"], settings["figS7"]
        self.fig2c_training = {**settings["training"], "max_epochs": self.fig2c["max_epochs"]}
        self._check_settings()
        self._check_figures()
        self.sweep_points = self._sweep_points()
        self.augmented_re = "|".join(
            sorted(
                {
                    setting
                    for kind in KINDS
                    for setting in self.dataset_settings("chip_X" if kind == "chip" else kind)[1:]
                }
            )
        )
        self.download_names = "|".join(re.escape(entry["name"]) for entry in self.data["zenodo"]["files"].values())
        self._build_grid()

    # ---------------------------------------------------------------- settings
    def dataset_settings(self, dataset: str) -> list[str]:
        """Settings trained on a dataset: standard, each augmentation alone, the combinations."""
        kind_settings = self.settings["settings"][dataset_kind(dataset)]
        return ["standard", *kind_settings["singles"], *kind_settings["combinations"]]

    def resolved(self, dataset: str, setting: str, override: dict | None = None) -> dict:
        """Augmentations and augmenter options of a setting (see genomic_dl.evoaug2023.experiment)."""
        kind = dataset_kind(dataset)
        return resolve_setting(
            setting, self.settings["settings"][kind], self.settings["augmentations"][kind], override=override
        )

    def synthetic_options(self, w) -> dict:
        """Options (evoaug.data.synthetic.<kind>) of the job's {dataset}."""
        return self.data["synthetic"][dataset_kind(w.dataset)]

    def network(self, dataset: str) -> dict:
        """Network settings (evoaug.models) of a dataset's kind."""
        return self.settings["models"][dataset_kind(dataset)]

    def n_train(self, dataset: str) -> int | None:
        """Training-split size of a synthetic dataset (None for downloaded data: unknown here)."""
        if self.data["source"] != "synthetic":
            return None
        options = self.data["synthetic"][dataset_kind(dataset)]
        return int(round(self.data["synthetic"]["split"][0] * options["n_sequences"]))

    # ---------------------------------------------------------------- config cross-checks
    def _check_settings(self) -> None:
        settings = self.settings
        for kind in KINDS:
            dataset = "chip_X" if kind == "chip" else kind
            if "evoaug" not in settings["settings"][kind]["combinations"]:
                config_error(
                    f"evoaug.settings.{kind}.combinations", "needs the paper's combination under the name 'evoaug'"
                )
            for setting in self.dataset_settings(dataset)[1:]:
                try:
                    self.resolved(dataset, setting)
                except (ValueError, TypeError) as error:
                    config_error(f"evoaug.settings.{kind}", f"setting '{setting}': {error}")
            if kind != "chip" and (
                set(settings["settings"][kind]["singles"]) & set(settings["settings"][kind]["combinations"])
            ):
                config_error(
                    f"evoaug.settings.{kind}.combinations", "a combination must not be named after an augmentation"
                )
        split = self.data["synthetic"]["split"]
        if abs(sum(split) - 1) > 1e-6:
            config_error("evoaug.data.synthetic.split", f"fractions must sum to 1, got {sum(split)}")
        if self.data["source"] == "synthetic":
            for kind in KINDS:
                length = self.data["synthetic"][kind]["length"]
                for name, parameters in settings["augmentations"][kind].items():
                    for key, value in parameters.items():
                        if key.endswith("_max") and key != "shift_max" and value > length:
                            config_error(
                                f"evoaug.augmentations.{kind}.{name}.{key}",
                                f"{value} exceeds the sequence length {length} of evoaug.data.synthetic.{kind}",
                            )
        else:
            missing = sorted(set(self.datasets) - set(self.data["zenodo"]["files"]))
            if missing:
                config_error("evoaug.data.zenodo.files", f"no file for dataset(s) {missing}")

    def _check_figures(self) -> None:
        fig2c, figS7 = self.fig2c, self.figS7
        for dataset in fig2c["datasets"]:
            if dataset not in self.datasets:
                config_error(
                    "evoaug.fig2c.datasets",
                    f"'{dataset}' is not one of the datasets {self.datasets} (evoaug.chip_tfs)",
                )
            if fig2c["setting"] not in self.dataset_settings(dataset)[1:]:
                config_error("evoaug.fig2c.setting", f"'{fig2c['setting']}' is not an augmented setting of {dataset}")
            n_train = self.n_train(dataset)
            if n_train is not None and max(fig2c["train_sizes"]) > n_train:
                config_error(
                    "evoaug.fig2c.train_sizes",
                    f"{max(fig2c['train_sizes'])} exceeds the {n_train} training sequences of {dataset}",
                )
        for dataset in figS7["datasets"]:
            if dataset not in self.datasets:
                config_error("evoaug.figS7.datasets", f"'{dataset}' is not one of the datasets {self.datasets}")
            if figS7["setting"] not in self.dataset_settings(dataset)[1:]:
                config_error("evoaug.figS7.setting", f"'{figS7['setting']}' is not an augmented setting of {dataset}")

    # ---------------------------------------------------------------- hyperparameter sweeps (Figs S1-S5)
    def _sweep_points(self) -> dict[str, dict[str, dict]]:
        """Sweep points per dataset, named <augmentation>-<parameter>-<value>; checked."""
        sweep_points = {}
        for dataset, sweep in self.settings["sweeps"]["datasets"].items():
            points = {}
            for augmentation, parameters in (sweep.get("points") or {}).items():
                for parameter, values in parameters.items():
                    for value in values:
                        points[f"{augmentation}-{parameter}-{_sweep_value(value)}"] = {
                            "augmentation": augmentation,
                            "parameter": parameter,
                            "value": value,
                            "setting": augmentation,
                            "override": {"parameters": {parameter: value}},
                        }
            for k in sweep.get("max_augs_per_seq") or []:
                points[f"evoaug-max_augs_per_seq-{k}"] = {
                    "augmentation": "evoaug",
                    "parameter": "max_augs_per_seq",
                    "value": k,
                    "setting": "evoaug",
                    "override": {"max_augs_per_seq": k},
                }
            if not points:
                config_error(f"evoaug.sweeps.datasets.{dataset}", "no sweep points")
            sweep_points[dataset] = points
        self.sweep_points = sweep_points
        for dataset, points in sweep_points.items():
            for point in points:
                try:
                    self.sweep_resolved(dataset, point)
                except (ValueError, TypeError) as error:
                    config_error(f"evoaug.sweeps.datasets.{dataset}", f"{point}: {error}")
        return sweep_points

    def sweep_resolved(self, dataset: str, point: str) -> dict:
        """Resolved setting of a sweep point (an augmentation alone, or evoaug with another k)."""
        spec = self.sweep_points[dataset][point]
        kind = dataset_kind(dataset)
        settings = dict(self.settings["settings"][kind])
        if spec["setting"] != "evoaug":
            settings["singles"] = [spec["setting"]]
        return resolve_setting(
            spec["setting"], settings, self.settings["augmentations"][kind], override=spec["override"]
        )

    # ---------------------------------------------------------------- the experiment grid
    def grid(self, datasets: list[str], seeds: list[int] | None = None) -> list[dict]:
        """One record per trained stage: dataset, setting, stage, seed."""
        return [
            {"dataset": dataset, "setting": setting, "stage": stage, "seed": seed}
            for dataset in datasets
            for setting in self.dataset_settings(dataset)
            for stage in stages(setting)
            for seed in (self.seeds if seeds is None else seeds)
        ]

    def _build_grid(self) -> None:
        """Records feed the figure rules: one input per record, same order."""
        self.records = {
            "basset": self.grid(["basset"]),
            "deepstarr": self.grid(["deepstarr"]),
            "chip": self.grid(self.chip),
        }
        fig2c = self.fig2c
        self.fig2c_records = [
            {"dataset": dataset, "n_train": size, "setting": setting, "stage": stage, "seed": seed}
            for dataset in fig2c["datasets"]
            for size in fig2c["train_sizes"]
            for setting in ("standard", fig2c["setting"])
            for stage in stages(setting)
            for seed in self.seeds
        ]
        self.figS7_records = [
            record
            for record in self.grid(self.figS7["datasets"])
            if record["setting"] in ("standard", self.figS7["setting"])
        ]
        # Table S2: one row per training job of the main grid (benchmark + histories of its stages).
        self.tableS2_jobs = [
            {"dataset": dataset, "setting": setting, "seed": seed}
            for dataset in self.datasets
            for setting in self.dataset_settings(dataset)
            for seed in self.seeds
        ]
        self.sweep_records = [
            {
                "dataset": dataset,
                "point": point,
                **{key: spec[key] for key in ("augmentation", "parameter", "value")},
                "stage": stage,
                "seed": seed,
            }
            for dataset, points in self.sweep_points.items()
            for point, spec in points.items()
            for stage in AUGMENTED_STAGES
            for seed in self.settings["sweeps"]["seeds"]
        ]
        self.sweep_reference_records = [
            {"dataset": dataset, "setting": "standard", "stage": "standard", "seed": seed}
            for dataset in self.sweep_points
            for seed in self.seeds
        ]
        self.figures = [f"{self.paths.dir}/{name}.{extension}" for name in FIGURES for extension in ("pdf", "csv")] + [
            f"{self.paths.dir}/tableS2_compute_cost.csv"
        ]

    def fig2c_paths(self, suffix: str) -> list[str]:
        return [
            f"{self.paths.downsample_dir(r['dataset'], r['n_train'], r['setting'], r['seed'])}/{r['stage']}{suffix}"
            for r in self.fig2c_records
        ]

    def tableS2_inputs(self) -> dict[str, list[str]]:
        benchmarks, histories = [], []
        for job in self.tableS2_jobs:
            directory = self.paths.run_dir(job["dataset"], job["setting"], job["seed"])
            benchmarks.append(self.paths.benchmark(directory))
            histories += [f"{directory}/{stage}_history.csv" for stage in stages(job["setting"])]
        return {"benchmarks": benchmarks, "histories": histories}

    def sweep_paths(self) -> list[str]:
        return [
            f"{self.paths.sweep_dir(r['dataset'], r['point'], r['seed'])}/{r['stage']}_evaluation.json"
            for r in self.sweep_records
        ]

    # ---------------------------------------------------------------- input functions and params
    def data_input(self, w) -> list[str] | str:
        """Downloaded file behind a dataset (paper preset); nothing for synthetic data."""
        if self.data["source"] != "zenodo":
            return []
        return f"resources/evoaug2023/{self.data['zenodo']['files'][w.dataset]['name']}"

    def download_spec(self, w) -> dict:
        """{url, md5, size, zenodo_record} of a Zenodo file named by the {filename} wildcard; where
        ``md5`` is null the download reads it from the record API (``zenodo.record``)."""
        zenodo = self.data["zenodo"]
        entry = next(e for e in zenodo["files"].values() if e["name"] == w.filename)
        return {
            "url": zenodo["url"].format(name=entry["name"]),
            "md5": entry["md5"],
            "size": entry.get("size"),
            "zenodo_record": zenodo.get("record"),
        }

    def train_params(self, job: str, setting: str | None = None) -> dict[str, Any]:
        """Params of a training rule: ``job`` is "train" (the main grid), "downsample" (Fig 2c) or
        "sweep" (Figs S1-S5); ``setting`` fixes the setting, else it is the {setting} wildcard."""
        seed = self.core.job_seed

        def setting_of(w) -> str:
            if job == "sweep":
                return self.sweep_points[w.dataset][w.point]["setting"]
            return setting or w.setting

        def resolved(w) -> dict:
            if job == "sweep":
                return self.sweep_resolved(w.dataset, w.point)
            return self.resolved(w.dataset, setting_of(w))

        params: dict[str, Any] = {
            "setting": setting if setting is not None else setting_of,
            "resolved": resolved,
            "model": lambda w: self.network(w.dataset),
            "training": self.fig2c_training if job == "downsample" else self.settings["training"],
            "finetuning": self.settings["finetuning"],
            "n_train": None,
            "subset_seed": None,
            "device": self.core.config["device"],
        }
        if job == "train":
            params["seed"] = lambda w: seed("evoaug_train", w.dataset, setting_of(w), w.seed)
        elif job == "downsample":
            params["n_train"] = lambda w: int(w.size)
            # the same training subset for standard and EvoAug models of a size and seed
            params["subset_seed"] = lambda w: seed("evoaug_subset", w.dataset, w.size, w.seed)
            params["seed"] = lambda w: seed("evoaug_downsample", w.dataset, w.size, setting_of(w), w.seed)
        else:
            params["seed"] = lambda w: seed("evoaug_sweep", w.dataset, w.point, w.seed)
        return params


INTERPRETATION_STAGES = {"standard": ["standard"], "evoaug": ["pretrained", "finetuned"]}


class InterpretationPlan:
    """Figs 1c (filters vs JASPAR), 1d (variant effects) and S6 (attribution) of the trained models."""

    def __init__(self, core: CorePlan) -> None:
        self.core = core
        self.paths = EvoAugPaths(core.results)
        self.settings = settings = core.config["evoaug_interpretation"]
        self.filters = settings["filters"]
        self.variants = settings["variant_effects"]
        self.attribution = settings["attribution"]
        self.cagi5 = self.variants["cagi5"]
        self.source = self.variants["source"]
        if "seeds" not in core.config["evoaug"]:
            config_error("evoaug.seeds", "missing (the interpretation analyses every trained seed)")
        self.seeds = list(core.config["evoaug"]["seeds"])
        self._check()
        #: Every trained model analysed: setting, stage, seed and the label used in tables.
        self.models = [
            {"model": model_label(setting, stage), "setting": setting, "stage": stage, "seed": seed}
            for setting, stages_ in settings["models"].items()
            for stage in stages_
            for seed in self.seeds
        ]
        self.labels = list(dict.fromkeys(record["model"] for record in self.models))
        self.label_model = {record["model"]: (record["setting"], record["stage"]) for record in self.models}
        self.figures = [
            f"{self.paths.dir}/{name}.{extension}"
            for name in (
                "fig1c_filter_jaspar",
                *[f"fig1c_filter_logos_{label}" for label in self.labels],
                "fig1d_variant_effects",
                "figS6_attribution_logos",
            )
            for extension in ("pdf", "csv")
        ]

    def _check(self) -> None:
        for setting, stages_ in self.settings["models"].items():
            for stage in stages_:
                if stage not in INTERPRETATION_STAGES[setting]:
                    config_error(
                        f"evoaug_interpretation.models.{setting}",
                        f"stage '{stage}' is not one of {INTERPRETATION_STAGES[setting]}",
                    )
        for analysis, settings in (("filters", self.filters), ("attribution", self.attribution)):
            if settings["logo_seed"] is not None and settings["logo_seed"] not in self.seeds:
                config_error(
                    f"evoaug_interpretation.{analysis}.logo_seed",
                    f"{settings['logo_seed']} is not one of evoaug.seeds {self.seeds}",
                )
        if not (self.variants["dataset"] == "basset" or self.variants["dataset"].startswith("chip_")):
            config_error(
                "evoaug_interpretation.variant_effects.dataset",
                "the log(alt / ref) score needs a binary-task model: basset or chip_<TF>",
            )
        if self.attribution["dataset"] == "deepstarr" and self.attribution["task"] > 1:
            config_error(
                "evoaug_interpretation.attribution.task", "DeepSTARR has two tasks (0 developmental, 1 housekeeping)"
            )
        if self.attribution["n_logos"] > self.attribution["n_sequences"]:
            config_error(
                "evoaug_interpretation.attribution.n_logos", "cannot draw more logos than the n_sequences analysed"
            )

    def outputs(self, analysis: str, dataset: str, extension: str) -> list[str]:
        """The per-model outputs of one analysis, in the order of ``models``."""
        return [
            self.paths.interpretation_path(analysis, dataset, m["setting"], m["stage"], m["seed"], extension)
            for m in self.models
        ]

    def logo_seed(self, settings: dict) -> int:
        """The seed whose models are drawn as logos (default: the first of evoaug.seeds)."""
        return self.seeds[0] if settings["logo_seed"] is None else settings["logo_seed"]

    def filter_logo_inputs(self, w) -> dict[str, str]:
        setting, stage = self.label_model[w.model]
        dataset, seed = self.filters["dataset"], self.logo_seed(self.filters)
        return {
            "pwms": self.paths.interpretation_path("filters", dataset, setting, stage, seed, "npz"),
            "matches": self.paths.interpretation_path("filters", dataset, setting, stage, seed, "csv"),
        }

    def variant_set_path(self) -> str:
        """The elements and variants scored for Fig 1d (synthetic analog or CAGI5)."""
        if self.source == "cagi5":
            return f"{self.paths.interpretation_dir}/variant_effects/cagi5/variants.npz"
        return f"{self.paths.interpretation_dir}/variant_effects/synthetic/{self.variants['dataset']}/variants.npz"

    def cagi5_inputs(self) -> dict[str, list[str]]:
        """The CAGI5 element files and the hg19 chromosomes they lie on."""
        elements = self.cagi5["elements"]
        return {
            "tables": [f"{self.paths.downloads_dir}/cagi5/{element}.tsv" for element in elements],
            "chromosomes": [
                f"{self.paths.downloads_dir}/hg19/chr{chromosome}.fa.gz"
                for chromosome in sorted(set(map(str, elements.values())))
            ],
        }

    def attribution_logo_inputs(self) -> list[str]:
        """Per-model attribution maps of the logo seed, in the order of ``labels``."""
        dataset, seed = self.attribution["dataset"], self.logo_seed(self.attribution)
        return [
            self.paths.interpretation_path("attribution", dataset, *self.label_model[label], seed, "npz")
            for label in self.labels
        ]

    def cagi5_url(self, w) -> str | None:
        template = self.cagi5["url_template"]
        return template.format(element=w.element) if template else None
