"""ImaGene (Torada et al. 2019): settings, config cross-checks, network lists, targets and input
functions of workflow/rules/imagene2019.smk (Figs 1-3) and imagene2019_quantification.smk (Figs 4-6)."""

from __future__ import annotations

from typing import Any

from genomic_dl.imagene2019.labels import class_values
from genomic_dl.plan import CorePlan, config_error

MULTICLASS_EXPERIMENTS = ("fig4", "fig5")


class ImagenePlan:
    def __init__(self, core: CorePlan) -> None:
        self.core = core
        #: This paper's results (figures, networks) and its image shards, in the run's results tree.
        self.dir = f"{core.results}/imagene2019"
        self.fig3_dir = f"{self.dir}/fig3"
        self.images_dir = f"{core.results}/images/imagene"
        self.settings = settings = core.config["imagene"]
        self.preprocessing = settings["preprocessing"]
        self.fig1, self.fig3 = settings["fig1"], settings["fig3"]
        self.fig4, self.fig5, self.fig6 = settings["fig4"], settings["fig5"], settings["fig6"]
        self.ablations = settings["fig3_ablations"]
        self._check()

        if self.fig1["source"] == "vcf":
            self.fig1_region = core.thousand_genomes_region
        else:
            self.fig1_region = core.simulation_shard(self.fig1["scenario"], 0, 0)
        fig3 = self.fig3
        self.fig3_train_shards = list(range(fig3["train_shards"]))
        self.fig3_test_shards = list(range(fig3["train_shards"], fig3["train_shards"] + fig3["test_shards"]))
        self.fig3_networks = [
            {"architecture": "standard", "sorting": sorting, "S": S, "seed": seed}
            for S in fig3["selection_strengths"]
            for sorting in fig3["sortings"]
            for seed in fig3["seeds"]
        ]
        self.ablation_networks = [
            {"architecture": architecture, "sorting": self.ablations["sorting"], "S": self.ablations["S"], "seed": seed}
            for architecture in ["standard", *self.ablations["architectures"]]
            for seed in fig3["seeds"]
        ]
        self.fig5_class_values = class_values(**self.fig5["classes"]).tolist()
        self.multiclass_networks = {
            "fig4": [
                {"variant": scenario, "seed": seed}
                for scenario in self.fig4["train_scenarios"]
                for seed in self.fig4["seeds"]
            ],
            "fig5": [
                {"variant": labels, "seed": seed}
                for labels in self.fig5["label_distributions"]
                for seed in self.fig5["seeds"]
            ],
        }
        self.figures = [
            f"{self.dir}/{name}.{extension}"
            for name in (
                "fig1_image_representations",
                "fig2_sorting_examples",
                "fig3_sorting_accuracy",
                "fig3_ablations",
                "fig4_misspecification",
                "fig5_label_distributions",
                "fig6_posterior",
            )
            for extension in ("pdf", "csv")
        ]

    def _check(self) -> None:
        core, settings = self.core, self.settings
        core.check_scenario_name("imagene.fig3.scenario", self.fig3["scenario"])
        for figure in ("fig1", "fig2"):
            core.check_scenario_name(f"imagene.{figure}.scenario", settings[figure]["scenario"])
        if self.fig1["focal_population"] not in self.fig1["populations"]:
            config_error(
                "imagene.fig1.focal_population",
                f"'{self.fig1['focal_population']}' is not one of imagene.fig1.populations",
            )
        if core.scenarios[self.fig1["scenario"]]["model"] != "gravel2011":
            config_error("imagene.fig1.scenario", "Fig 1 needs a multi-population (gravel2011) scenario")
        for key, name in [
            ("fig4.test_scenario", self.fig4["test_scenario"]),
            *[("fig4.train_scenarios", name) for name in self.fig4["train_scenarios"]],
            ("fig5.scenario", self.fig5["scenario"]),
        ]:
            core.check_scenario_name(f"imagene.{key}", name)
        if self.fig6["label_distribution"] not in self.fig5["label_distributions"]:
            config_error(
                "imagene.fig6.label_distribution",
                f"'{self.fig6['label_distribution']}' is not one of imagene.fig5.label_distributions",
            )
        if self.fig6["seed"] not in self.fig5["seeds"]:
            config_error("imagene.fig6.seed", f"{self.fig6['seed']} is not one of imagene.fig5.seeds")

    # ---------------------------------------------------------------- Figs 1-3: binary CNNs
    def image_shard(self, scenario: Any, sorting: Any, S: Any, shard: Any) -> str:
        """One shard of haplotype images (a preprocessed simulation shard)."""
        return f"{self.images_dir}/{scenario}/{sorting}/S{S}/shard{shard}.npz"

    def image_shards(self, scenario: str, S: Any, shards: list[int]):
        """Input function: image shards of class S (None = the job's {S} wildcard) in the job's {sorting}."""
        return lambda w: [self.image_shard(scenario, w.sorting, w.S if S is None else S, i) for i in shards]

    def binary_cnn(self, architecture: str) -> dict:
        """Settings of a Fig 3 network: binary_cnn, with an ablation's overrides."""
        if architecture == "standard":
            return self.settings["binary_cnn"]
        return {**self.settings["binary_cnn"], **self.ablations["architectures"][architecture]}

    def fig3_evaluations(self, networks: list[dict]) -> list[str]:
        return [
            f"{self.fig3_dir}/{n['architecture']}/{n['sorting']}/S{n['S']}/seed{n['seed']}/evaluation.json"
            for n in networks
        ]

    # ---------------------------------------------------------------- Figs 4-6: multiclass CNNs
    def multiclass_spec(self, experiment: str, variant: str) -> dict:
        """Training and test data, classes, network and labels of one multiclass experiment."""
        if experiment == "fig4":
            fig4 = self.fig4
            return {
                "train_scenario": variant,
                "test_scenario": fig4["test_scenario"],
                "strengths": fig4["class_values"],
                "class_values": fig4["class_values"],
                "model": self.settings["multiclass_cnn"],
                "labels": {"kind": "categorical"},
                "sorting": fig4["sorting"],
                "train_shards": fig4["train_shards"],
                "test_shards": fig4["test_shards"],
                "shards_per_batch": 1,
            }
        fig5 = self.fig5
        return {
            "train_scenario": fig5["scenario"],
            "test_scenario": fig5["scenario"],
            "strengths": [fig5["prior"]],
            "class_values": self.fig5_class_values,
            "model": self.settings["continuous_cnn"],
            "labels": fig5["label_distributions"][variant],
            "sorting": fig5["sorting"],
            "train_shards": fig5["train_shards"],
            "test_shards": fig5["test_shards"],
            "shards_per_batch": fig5["shards_per_batch"],
        }

    def multiclass_train_batches(self, w) -> list[list[str]]:
        """Image shards of each training simulation batch: [[class 1 shards of batch i, class 2 ...], ...].

        Batch ``i`` holds shards ``i * k ... i * k + k - 1`` of every class, ``k`` = ``shards_per_batch``.
        """
        spec = self.multiclass_spec(w.experiment, w.variant)
        k = spec["shards_per_batch"]
        return [
            [
                self.image_shard(spec["train_scenario"], spec["sorting"], S, i * k + j)
                for S in spec["strengths"]
                for j in range(k)
            ]
            for i in range(spec["train_shards"])
        ]

    def multiclass_train_shards(self, w) -> list[str]:
        """The training batches' shards, flattened (the rule's input)."""
        return [shard for batch in self.multiclass_train_batches(w) for shard in batch]

    def multiclass_test_shards(self, w) -> list[str]:
        spec = self.multiclass_spec(w.experiment, w.variant)
        k = spec["shards_per_batch"]
        first = spec["train_shards"] * k
        return [
            self.image_shard(spec["test_scenario"], spec["sorting"], S, i)
            for S in spec["strengths"]
            for i in range(first, first + spec["test_shards"] * k)
        ]

    def multiclass_outputs(self, experiment: str, name: str) -> list[str]:
        return [
            f"{self.dir}/{experiment}/{n['variant']}/seed{n['seed']}/{name}"
            for n in self.multiclass_networks[experiment]
        ]

    def fig6_predictions(self) -> str:
        return f"{self.dir}/fig5/{self.fig6['label_distribution']}/seed{self.fig6['seed']}/predictions.npz"
