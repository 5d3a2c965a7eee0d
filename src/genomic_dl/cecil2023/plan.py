"""Cecil & Sugden (2023): settings, config cross-checks, targets, row specs and input functions of
workflow/rules/cecil2023.smk."""

from __future__ import annotations

from typing import Any

from genomic_dl.cecil2023.models import complexity_ladder
from genomic_dl.cecil2023.statistics import STATISTIC_LABELS
from genomic_dl.cecil2023.tables import spec_paths
from genomic_dl.cecil2023.training import MODEL_LABELS, STRATEGIES, model_kwargs
from genomic_dl.cecil2023.widths import WIDTH_METHODS
from genomic_dl.plan import CorePlan, config_error

#: Training jobs: Imagene and mini-CNN together (mini-CNN costs seconds), DeepSet alone, and the
#: ladder steps that are not one of these models together; every model keeps its own seed and
#: output files, so the grouping changes no result.
CNNS = ["imagene", "mini_cnn"]
TABLE_TITLES = {
    "table1_accuracy": "Cecil & Sugden Table 1: test accuracy (95% CI), resized row-sorted images",
    "tableC_all_methods": "Cecil & Sugden Table C: every model and statistic by width standardisation",
    "tableA_complexity": "Cecil & Sugden Table A: from Imagene to one dense unit, row-sorted images",
    "tableB_complexity_unsorted": "Cecil & Sugden Table B: from Imagene to one dense unit, unsorted images",
    "tableD_1000_haplotypes": "Cecil & Sugden Table D: test accuracy (95% CI) with 1,000 haplotypes, resized row-sorted images",
}
FIGURES = (
    "fig1c_minicnn_vs_imagene",
    "fig2_minicnn_weights_and_shap",
    "fig3_correlation_with_statistics",
    "fig4_zero_padding",
    "figP_sample_complexity",
    "figQR_training_strategies",
    "figNO_hard_vs_soft",
)
# wildcard patterns of the rules
DATASET_WILDCARDS = ("dataset", "width", "sorting")
WIDTH_PATTERN = "|".join(WIDTH_METHODS)
SORTING_PATTERN = "rows|none"
TRAINING_PATTERN = "|".join(STRATEGIES) + r"|n\d+"


def strategy(training: str) -> str:
    """Training strategy of a {training} wildcard (`n<size>`: fixed epochs on a subset)."""
    return training if training in STRATEGIES else "fixed_epochs"


def n_train(training: str) -> int | None:
    """Training-set size of a {training} wildcard `n<size>`; None for the full training split."""
    return int(training[1:]) if training.startswith("n") else None


class CecilPlan:
    def __init__(self, core: CorePlan) -> None:
        self.core = core
        #: This paper's results (data sets, models, tables, figures) in the run's results tree.
        self.dir = f"{core.results}/cecil2023"
        self.settings = settings = core.config["cecil2023"]
        self.datasets: dict[str, dict] = settings["datasets"]
        self.dataset_pattern = "|".join(self.datasets)
        self._check_datasets()

        # The ladder steps that are the same network as a Table 1 model are trained once.
        shape = settings["preprocessing"]["resize"]
        self.ladder = complexity_ladder(shape)
        self.ladder_steps = range(1, len(self.ladder) + 1)
        self.ladder_reuse = {
            f"ladder{step:02d}": model
            for step in self.ladder_steps
            for model in MODEL_LABELS
            if model_kwargs(f"ladder{step:02d}", shape, settings["models"])
            == model_kwargs(model, shape, settings["models"])
        }
        self.ladder_trained = [
            f"ladder{step:02d}" for step in self.ladder_steps if f"ladder{step:02d}" not in self.ladder_reuse
        ]
        self._check_figures()
        self._check_figF()
        self._build_targets()

    # ---------------------------------------------------------------- paths
    def data_dir(self, dataset: str, width: str, sorting: str) -> str:
        return f"{self.dir}/data/{dataset}/{width}/{sorting}"

    def model_dir(self, dataset: str, width: str, sorting: str, model: str, training: str) -> str:
        return f"{self.dir}/models/{dataset}/{width}/{sorting}/{model}/{training}"

    def statistics_dir(self, dataset: str) -> str:
        return f"{self.dir}/statistics/{dataset}"

    def model_outputs(self, models: list[str], name: str, training: str = "{training}") -> list[str]:
        """Output files `name` of the models trained by one job (wildcards dataset, width, sorting)."""
        return [f"{self.dir}/models/{{dataset}}/{{width}}/{{sorting}}/{model}/{training}/{name}" for model in models]

    def training_outputs(self, models: list[str], training: str = "{training}") -> dict[str, list[str]]:
        """Named outputs of a training job: models, restarts, predictions, summaries."""
        return {
            "models": self.model_outputs(models, "model.pt", training),
            "restarts": self.model_outputs(models, "restarts.csv", training),
            "predictions": self.model_outputs(models, "predictions.csv", training),
            "summaries": self.model_outputs(models, "summary.json", training),
        }

    # ---------------------------------------------------------------- config cross-checks
    def _check_datasets(self) -> None:
        core, settings = self.core, self.settings
        for key in ("three_population_scenario", "single_population_scenario"):
            core.check_scenario_name(f"cecil2023.figF_sfs.{key}", settings["figF_sfs"][key])
        for name, dataset in self.datasets.items():
            for index, class_ in enumerate(dataset["classes"]):
                core.check_scenario_name(f"cecil2023.datasets.{name}.classes[{index}].scenario", class_["scenario"])
                model = core.scenarios[class_["scenario"]]["model"]
                if (model == "gravel2011") != (dataset["population"] is not None):
                    config_error(
                        f"cecil2023.datasets.{name}.population",
                        f"scenario '{class_['scenario']}' (model {model}) needs "
                        + ("a focal population (YRI, CEU or CHB)" if model == "gravel2011" else "population: null"),
                    )
                if class_["S"] > 0 and "selection" not in core.scenarios[class_["scenario"]]:
                    config_error(
                        f"cecil2023.datasets.{name}.classes[{index}].S",
                        f"scenario '{class_['scenario']}' has no selection; use S: 0",
                    )

    def check_datasets(self, key: str, names: list[str], runnable: bool = False, neutral: bool = False) -> None:
        """config_error unless every name is a data set (that runs / whose class 0 is neutral)."""
        for name in names:
            if name not in self.datasets:
                config_error(key, f"'{name}' is not one of cecil2023.datasets {sorted(self.datasets)}")
            if runnable and not self.runs(name):
                config_error(key, f"data set '{name}' needs SLiM, which this run skips ({self.core.slim_note})")
            if neutral and self.datasets[name]["classes"][0]["S"] != 0:
                config_error(key, f"data set '{name}': its class 0 must be neutral (S: 0) for the statistics")

    def _check_figures(self) -> None:
        settings = self.settings
        check = self.check_datasets
        check("cecil2023.table1.datasets", settings["table1"]["datasets"], neutral=True)
        check("cecil2023.tableC.datasets", settings["tableC"]["datasets"], neutral=True)
        check("cecil2023.tableD.datasets", settings["tableD"]["datasets"], neutral=True)
        for statistic in settings["tableD"]["statistics"]:
            if statistic not in settings["statistics"]:
                config_error("cecil2023.tableD.statistics", f"'{statistic}' is not in cecil2023.statistics")
        check("cecil2023.complexity.dataset", [settings["complexity"]["dataset"]], True)
        check("cecil2023.fig2.dataset", [settings["fig2"]["dataset"]], runnable=True)
        check("cecil2023.fig3.datasets", settings["fig3"]["datasets"], neutral=True)
        check("cecil2023.fig4.datasets", settings["fig4"]["datasets"], neutral=True)
        check("cecil2023.figP.dataset", [settings["figP"]["dataset"]], runnable=True)
        check("cecil2023.figQR.datasets", settings["figQR"]["datasets"])
        check("cecil2023.figNO.datasets", settings["figNO"]["datasets"])
        if not any(self.runs(name) for name in settings["fig4"]["datasets"]):
            config_error("cecil2023.fig4.datasets", f"no data set runs without SLiM ({self.core.slim_note})")
        if abs(sum(settings["split"]) - 1.0) > 1e-9:
            config_error("cecil2023.split", f"fractions must sum to 1, got {settings['split']}")
        for method in settings["fig3"]["methods"]:
            if method in STATISTIC_LABELS and method not in settings["statistics"]:
                config_error("cecil2023.fig3.methods", f"'{method}' is not in cecil2023.statistics")
        for statistic in settings["table1"]["statistics"]:
            if statistic not in settings["statistics"]:
                config_error("cecil2023.table1.statistics", f"'{statistic}' is not in cecil2023.statistics")
        for statistic in ("segregating_sites", "h1"):
            if statistic not in settings["statistics"]:
                config_error("cecil2023.statistics", f"Fig 4 needs '{statistic}'")
        figP = self.datasets[settings["figP"]["dataset"]]
        per_class = figP["shards"] * self.core.config["simulation"]["replicates_per_shard"]
        train_per_class = int(settings["split"][0] * per_class)
        for size in settings["figP"]["train_sizes"]:
            if size - size // 2 > train_per_class:
                config_error(
                    "cecil2023.figP.train_sizes",
                    f"{size} regions need {size - size // 2} per class, but the training split of "
                    f"'{settings['figP']['dataset']}' has {train_per_class} per class",
                )

    # ---------------------------------------------------------------- data sets and input functions
    def preprocessing(self, dataset: str) -> dict[str, Any]:
        """Preprocessing settings of a data set: ``preprocessing`` with its own ``resize``, if any."""
        spec = self.datasets[dataset]
        return {**self.settings["preprocessing"], **({"resize": spec["resize"]} if "resize" in spec else {})}

    def scenarios(self, dataset: str) -> list[str]:
        return [c["scenario"] for c in self.datasets[dataset]["classes"]]

    def runs(self, dataset: str) -> bool:
        """Whether a data set is built in this run (sweeps under the Gravel model need SLiM)."""
        return self.core.slim_available or not self.core.needs_slim(self.scenarios(dataset))

    def class_shards(self, dataset: str, first: int) -> dict[str, list[str]]:
        """Shard paths of both classes: shards first ... first + shards - 1 of each."""
        spec = self.datasets[dataset]
        return {
            f"class{label}": [
                self.core.simulation_shard(c["scenario"], c["S"], shard)
                for shard in range(first, first + spec["shards"])
            ]
            for label, c in enumerate(spec["classes"])
        }

    def dataset_shards(self, w) -> dict[str, list[str]]:
        return self.class_shards(w.dataset, 0)

    def epoch_shards(self, w) -> dict[str, list[str]]:
        """Fresh shards of training epoch {epoch} (simulation on the fly)."""
        shards = self.datasets[w.dataset]["shards"]
        return self.class_shards(w.dataset, shards * (1 + int(w.epoch)))

    def train_inputs(self, w) -> dict[str, Any]:
        data = self.data_dir(w.dataset, w.width, w.sorting)
        inputs: dict[str, Any] = {"images": f"{data}/images.npz"}
        if w.training == "on_the_fly":
            inputs["epochs"] = [f"{data}/epoch{epoch}.npz" for epoch in range(self.settings["training"]["epochs"])]
        return inputs

    def train_seeds(self, models: list[str], training: str | None = None):
        """Per-model seeds of a training job (independent of how models are grouped into jobs)."""
        return lambda w: [
            self.core.job_seed("cecil2023_train", w.dataset, w.width, w.sorting, model, training or w.training)
            for model in models
        ]

    def subset_seed(self, w) -> int:
        return self.core.job_seed("cecil2023_subset", w.dataset, w.training)

    def split_seed(self, w) -> int:
        return self.core.job_seed("cecil2023_split", w.dataset)

    # ---------------------------------------------------------------- row specs (cecil2023.tables)
    def label(self, dataset: str) -> dict:
        spec = self.datasets[dataset]
        return {
            "dataset": dataset,
            "dataset_label": spec["label"],
            "population": spec["population"] or "single population",
            "s": spec["s"],
        }

    def class_names(self, dataset: str) -> list[str]:
        return [c["name"] for c in self.datasets[dataset]["classes"]]

    def model_spec(
        self,
        dataset: str,
        model: str,
        width: str = "resize",
        sorting: str = "rows",
        training: str = "fixed_epochs",
        **extra: Any,
    ) -> dict:
        """Row spec of a trained model (genomic_dl.cecil2023.tables)."""
        spec = {
            **self.label(dataset),
            "method": model,
            "method_label": MODEL_LABELS.get(model, model),
            "kind": "model",
            "width": width,
            "sorting": sorting,
            "training": training,
            **extra,
        }
        if not self.runs(dataset):
            return {**spec, "note": self.core.slim_note}
        path = self.model_dir(dataset, width, sorting, self.ladder_reuse.get(model, model), training)
        return {**spec, "predictions": f"{path}/predictions.csv", "summary": f"{path}/summary.json"}

    def statistic_spec(self, dataset: str, statistic: str, **extra: Any) -> dict:
        """Row spec of a summary-statistic classifier."""
        spec = {
            **self.label(dataset),
            "method": statistic,
            "method_label": STATISTIC_LABELS[statistic],
            "kind": "statistic",
            "width": "raw haplotypes",
            "sorting": "-",
            "training": "threshold",
            **extra,
        }
        if not self.runs(dataset):
            return {**spec, "note": self.core.slim_note}
        path = self.statistics_dir(dataset)
        return {**spec, "scores": f"{path}/scores.csv", "classifiers": f"{path}/classifiers.json"}

    def method_spec(self, dataset: str, method: str, **extra: Any) -> dict:
        if method in STATISTIC_LABELS:
            return self.statistic_spec(dataset, method, **extra)
        return self.model_spec(dataset, method, **extra)

    def interpretation(self, dataset: str, model: str, width: str = "resize", sorting: str = "rows") -> str:
        trained = self.ladder_reuse.get(model, model)
        return f"{self.model_dir(dataset, width, sorting, trained, 'fixed_epochs')}/interpretation.npz"

    def ladder_spec(self, step: int, sorting: str, **extra: Any) -> dict:
        """Row spec of complexity-ladder step `step` (1-based) on the complexity data set."""
        return self.model_spec(
            self.settings["complexity"]["dataset"],
            f"ladder{step:02d}",
            sorting=sorting,
            step=step,
            architecture=self.ladder[step - 1].label,
            **extra,
        )

    @staticmethod
    def spec_inputs(specs: list[dict]) -> list[str]:
        """Input files named by row specs and their references (genomic_dl.cecil2023.tables)."""
        return spec_paths(specs)

    def table_inputs(self, w) -> list[str]:
        return spec_paths(self.tables[w.table])

    # ---------------------------------------------------------------- tables and figures
    def _build_targets(self) -> None:
        settings = self.settings
        self.tables = {
            "table1_accuracy": [
                self.method_spec(dataset, method)
                for dataset in settings["table1"]["datasets"]
                for method in [*settings["table1"]["models"], *settings["table1"]["statistics"]]
            ],
            "tableC_all_methods": [
                spec
                for dataset in settings["tableC"]["datasets"]
                for spec in [
                    *[
                        self.model_spec(dataset, model, width=width)
                        for width in settings["tableC"]["widths"]
                        for model in settings["tableC"]["models"]
                    ],
                    *[self.statistic_spec(dataset, s) for s in settings["statistics"]],
                ]
            ],
            "tableA_complexity": [self.ladder_spec(step, "rows") for step in self.ladder_steps],
            "tableD_1000_haplotypes": [
                self.method_spec(dataset, method)
                for dataset in settings["tableD"]["datasets"]
                for method in [*settings["tableD"]["models"], *settings["tableD"]["statistics"]]
            ],
            # Table B with the row-sorted accuracy of the same network (Table A) as a reference column
            "tableB_complexity_unsorted": [
                self.ladder_spec(
                    step, "none", reference={**self.ladder_spec(step, "rows"), "label": "row-sorted images"}
                )
                for step in self.ladder_steps
            ],
        }
        self.fig3 = [
            self.method_spec(dataset, method)
            for dataset in settings["fig3"]["datasets"]
            for method in settings["fig3"]["methods"]
        ]
        self.fig4_example = next(d for d in settings["fig4"]["datasets"] if self.runs(d))
        self.fig4 = [
            *[
                self.model_spec(dataset, model, width=width)
                for dataset in settings["fig4"]["datasets"]
                for model in settings["fig4"]["models"]
                for width in ("zero_pad", "resize")
            ],
            *[
                self.statistic_spec(dataset, statistic)
                for dataset in settings["fig4"]["datasets"]
                for statistic in ("segregating_sites", "h1")
            ],
        ]
        self.fig4_maps = {
            model: self.interpretation(self.fig4_example, model, width="zero_pad") for model in ("mini_cnn", "imagene")
        }
        self.figP = [
            self.model_spec(settings["figP"]["dataset"], model, training=training)
            for model in settings["figP"]["models"]
            for training in [*(f"n{n}" for n in settings["figP"]["train_sizes"]), "fixed_epochs"]
        ]
        self.figQR = [
            self.model_spec(dataset, model, training=strategy)
            for dataset in settings["figQR"]["datasets"]
            for model in settings["figQR"]["models"]
            for strategy in settings["figQR"]["strategies"]
        ]
        self.figNO = [
            self.model_spec(dataset, model)
            for dataset in settings["figNO"]["datasets"]
            for model in settings["figNO"]["models"]
        ]
        self.figNO_maps = {
            dataset: {model: self.interpretation(dataset, model) for model in ("mini_cnn", "imagene")}
            for dataset in settings["figNO"]["datasets"]
            if self.runs(dataset)
        }
        self.figures = [
            f"{self.dir}/figF_sfs.pdf",
            f"{self.dir}/figF_sfs.csv",
            *[
                f"{self.dir}/{table}.{extension}"
                for table, rows in self.tables.items()
                if rows
                for extension in ("csv", "md")
            ],
            *[f"{self.dir}/{name}.{extension}" for name in FIGURES for extension in ("pdf", "csv")],
        ]

    def figF_shards(self, population: str) -> list[str]:
        """Fig F inputs: the neutral shards of the three- or single-population scenario."""
        figF = self.settings["figF_sfs"]
        return [self.core.simulation_shard(figF[f"{population}_scenario"], 0, i) for i in range(figF["shards"])]

    def figF_inputs(self, w=None) -> dict[str, Any]:
        """Fig F inputs by name; ``thousand_genomes``: the 1000 Genomes region of ImaGene Fig 1."""
        inputs: dict[str, Any] = {
            "three_population": self.figF_shards("three_population"),
            "single_population": self.figF_shards("single_population"),
        }
        if self.settings["figF_sfs"]["thousand_genomes"]:
            inputs["thousand_genomes"] = self.core.thousand_genomes_region
        return inputs

    def figF_region_label(self) -> str:
        """The 1000 Genomes region of Fig F as chrom:start-end (GRCh37), or '' without one."""
        if not self.settings["figF_sfs"]["thousand_genomes"]:
            return ""
        vcf = self.core.config["imagene"]["fig1"]["vcf"]
        return f"chr{vcf['chrom']}:{vcf['start']}-{vcf['end']}"

    def _check_figF(self) -> None:
        """Fig F's 1000 Genomes panel reads the region ImaGene Fig 1 downloads (imagene.fig1.source: vcf)."""
        if not self.settings["figF_sfs"]["thousand_genomes"]:
            return
        fig1 = self.core.config["imagene"]["fig1"]
        if fig1["source"] != "vcf":
            config_error(
                "cecil2023.figF_sfs.thousand_genomes",
                f"needs the 1000 Genomes region of ImaGene Fig 1 (imagene.fig1.source: vcf), got source '{fig1['source']}'",
            )
        missing = sorted(set(self.settings["figF_sfs"]["populations"]) - set(fig1["populations"]))
        if missing:
            config_error(
                "cecil2023.figF_sfs.thousand_genomes",
                f"populations {missing} are not in imagene.fig1.populations, which the region is read for",
            )
