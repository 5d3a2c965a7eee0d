# ImaGene (Torada et al. 2019): settings, config cross-checks, network lists and input
# functions shared by imagene.smk (Figs 1-3) and imagene_quantification.smk (Figs 4-6).

IMAGENE = config["imagene"]
FIG3 = IMAGENE["fig3"]
if FIG3["scenario"] not in SCENARIOS:
    config_error(
        "imagene.fig3.scenario",
        f"'{FIG3['scenario']}' is not one of simulation.scenarios {sorted(SCENARIOS)}",
    )

for _figure in ("fig1", "fig2"):
    if IMAGENE[_figure]["scenario"] not in SCENARIOS:
        config_error(
            f"imagene.{_figure}.scenario",
            f"'{IMAGENE[_figure]['scenario']}' is not one of simulation.scenarios {sorted(SCENARIOS)}",
        )
FIG1 = IMAGENE["fig1"]
if FIG1["focal_population"] not in FIG1["populations"]:
    config_error(
        "imagene.fig1.focal_population",
        f"'{FIG1['focal_population']}' is not one of imagene.fig1.populations",
    )
if FIG1["source"] == "vcf":
    FIG1_REGION = "results/imagene2019/fig1_region.npz"
else:
    FIG1_REGION = simulation_shard(FIG1["scenario"], 0, 0)
if SCENARIOS[IMAGENE["fig1"]["scenario"]]["model"] != "gravel2011":
    config_error(
        "imagene.fig1.scenario", "Fig 1 needs a multi-population (gravel2011) scenario"
    )

FIG3_DIR = "results/imagene2019/fig3"
FIG3_TRAIN_SHARDS = list(range(FIG3["train_shards"]))
FIG3_TEST_SHARDS = list(
    range(FIG3["train_shards"], FIG3["train_shards"] + FIG3["test_shards"])
)
FIG3_NETWORKS = [
    {"architecture": "standard", "sorting": sorting, "S": S, "seed": seed}
    for S in FIG3["selection_strengths"]
    for sorting in FIG3["sortings"]
    for seed in FIG3["seeds"]
]
ABLATIONS = IMAGENE["fig3_ablations"]
ABLATION_NETWORKS = [
    {
        "architecture": architecture,
        "sorting": ABLATIONS["sorting"],
        "S": ABLATIONS["S"],
        "seed": seed,
    }
    for architecture in ["standard", *ABLATIONS["architectures"]]
    for seed in FIG3["seeds"]
]


def binary_cnn(architecture):
    """Settings of a Fig 3 network: binary_cnn, with an ablation's overrides."""
    if architecture == "standard":
        return IMAGENE["binary_cnn"]
    return {**IMAGENE["binary_cnn"], **ABLATIONS["architectures"][architecture]}


def fig3_evaluations(networks):
    return [
        f"{FIG3_DIR}/{n['architecture']}/{n['sorting']}/S{n['S']}/seed{n['seed']}/evaluation.json"
        for n in networks
    ]


from genomic_dl.imagene2019.labels import class_values

FIG4, FIG5, FIG6 = IMAGENE["fig4"], IMAGENE["fig5"], IMAGENE["fig6"]
for _key, _name in [
    ("fig4.test_scenario", FIG4["test_scenario"]),
    *[(f"fig4.train_scenarios", name) for name in FIG4["train_scenarios"]],
    ("fig5.scenario", FIG5["scenario"]),
]:
    if _name not in SCENARIOS:
        config_error(
            f"imagene.{_key}",
            f"'{_name}' is not one of simulation.scenarios {sorted(SCENARIOS)}",
        )
if FIG6["label_distribution"] not in FIG5["label_distributions"]:
    config_error(
        "imagene.fig6.label_distribution",
        f"'{FIG6['label_distribution']}' is not one of imagene.fig5.label_distributions",
    )
if FIG6["seed"] not in FIG5["seeds"]:
    config_error(
        "imagene.fig6.seed", f"{FIG6['seed']} is not one of imagene.fig5.seeds"
    )

MULTICLASS_DIR = "results/imagene2019"
FIG5_CLASS_VALUES = class_values(**FIG5["classes"]).tolist()
MULTICLASS_NETWORKS = {
    "fig4": [
        {"variant": scenario, "seed": seed}
        for scenario in FIG4["train_scenarios"]
        for seed in FIG4["seeds"]
    ],
    "fig5": [
        {"variant": labels, "seed": seed}
        for labels in FIG5["label_distributions"]
        for seed in FIG5["seeds"]
    ],
}


def multiclass_spec(experiment, variant):
    """Training and test data, classes, network and labels of one multiclass experiment."""
    if experiment == "fig4":
        return {
            "train_scenario": variant,
            "test_scenario": FIG4["test_scenario"],
            "strengths": FIG4["class_values"],
            "class_values": FIG4["class_values"],
            "model": IMAGENE["multiclass_cnn"],
            "labels": {"kind": "categorical"},
            "sorting": FIG4["sorting"],
            "train_shards": FIG4["train_shards"],
            "test_shards": FIG4["test_shards"],
        }
    return {
        "train_scenario": FIG5["scenario"],
        "test_scenario": FIG5["scenario"],
        "strengths": [FIG5["prior"]],
        "class_values": FIG5_CLASS_VALUES,
        "model": IMAGENE["continuous_cnn"],
        "labels": FIG5["label_distributions"][variant],
        "sorting": FIG5["sorting"],
        "train_shards": FIG5["train_shards"],
        "test_shards": FIG5["test_shards"],
    }


def multiclass_train_batches(w):
    """Image shards of each training simulation batch: [[class 1 shard i, class 2 shard i, ...], ...]."""
    spec = multiclass_spec(w.experiment, w.variant)
    return [
        [
            imagene_image_shard(spec["train_scenario"], spec["sorting"], S, i)
            for S in spec["strengths"]
        ]
        for i in range(spec["train_shards"])
    ]


def multiclass_test_shards(w):
    spec = multiclass_spec(w.experiment, w.variant)
    first = spec["train_shards"]
    return [
        imagene_image_shard(spec["test_scenario"], spec["sorting"], S, i)
        for S in spec["strengths"]
        for i in range(first, first + spec["test_shards"])
    ]


def multiclass_outputs(experiment, name):
    return [
        f"{MULTICLASS_DIR}/{experiment}/{n['variant']}/seed{n['seed']}/{name}"
        for n in MULTICLASS_NETWORKS[experiment]
    ]
