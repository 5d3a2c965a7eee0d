# ImaGene (Torada et al. 2019): quantification with multiclass CNNs, Figs 4 (misspecification),
# 5 (label distributions) and 6 (posterior of two test cases).

from genomic_dl.inference.labels import class_values

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

IMAGENE_FIGURES += [
    f"{MULTICLASS_DIR}/{name}.{extension}"
    for name in (
        "fig4_misspecification",
        "fig5_label_distributions",
        "fig6_posterior",
    )
    for extension in ("pdf", "csv")
]


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


rule imagene_multiclass_train:
    input:
        lambda w: [shard for batch in multiclass_train_batches(w) for shard in batch],
    output:
        model=f"{MULTICLASS_DIR}/{{experiment}}/{{variant}}/seed{{seed}}/model.pt",
        history=f"{MULTICLASS_DIR}/{{experiment}}/{{variant}}/seed{{seed}}/history.csv",
    log:
        "logs/imagene2019/{experiment}/{variant}/seed{seed}/train.log",
    wildcard_constraints:
        experiment="fig4|fig5",
        variant=r"[a-z0-9_]+",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    params:
        spec=lambda w: multiclass_spec(w.experiment, w.variant),
        train_batches=multiclass_train_batches,
        preprocessing=IMAGENE["preprocessing"],
        training=IMAGENE["training"],
        device=config["device"],
        seed=lambda w: job_seed(
            "imagene_multiclass_train", w.experiment, w.variant, w.seed
        ),
    script:
        "../../scripts/train_imagene_multiclass.py"


rule imagene_multiclass_evaluate:
    input:
        model=rules.imagene_multiclass_train.output.model,
        test=multiclass_test_shards,
    output:
        summary=f"{MULTICLASS_DIR}/{{experiment}}/{{variant}}/seed{{seed}}/evaluation.json",
        predictions=f"{MULTICLASS_DIR}/{{experiment}}/{{variant}}/seed{{seed}}/predictions.npz",
    log:
        "logs/imagene2019/{experiment}/{variant}/seed{seed}/evaluate.log",
    wildcard_constraints:
        experiment="fig4|fig5",
        variant=r"[a-z0-9_]+",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    params:
        spec=lambda w: multiclass_spec(w.experiment, w.variant),
        invert=IMAGENE["preprocessing"]["invert"],
        device=config["device"],
    script:
        "../../scripts/evaluate_imagene_multiclass.py"


rule imagene_fig4_misspecification:
    input:
        multiclass_outputs("fig4", "evaluation.json"),
    output:
        pdf=f"{MULTICLASS_DIR}/fig4_misspecification.pdf",
        csv=f"{MULTICLASS_DIR}/fig4_misspecification.csv",
    log:
        "logs/imagene2019/fig4_misspecification.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        networks=MULTICLASS_NETWORKS["fig4"],
        settings=FIG4,
    script:
        "../../scripts/plot_imagene_fig4.py"


rule imagene_fig5_label_distributions:
    input:
        multiclass_outputs("fig5", "evaluation.json"),
    output:
        pdf=f"{MULTICLASS_DIR}/fig5_label_distributions.pdf",
        csv=f"{MULTICLASS_DIR}/fig5_label_distributions.csv",
    log:
        "logs/imagene2019/fig5_label_distributions.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        networks=MULTICLASS_NETWORKS["fig5"],
    script:
        "../../scripts/plot_imagene_fig5.py"


rule imagene_fig6_posterior:
    input:
        f"{MULTICLASS_DIR}/fig5/{FIG6['label_distribution']}/seed{FIG6['seed']}/predictions.npz",
    output:
        pdf=f"{MULTICLASS_DIR}/fig6_posterior.pdf",
        csv=f"{MULTICLASS_DIR}/fig6_posterior.csv",
    log:
        "logs/imagene2019/fig6_posterior.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        settings=FIG6,
        seed=job_seed("imagene_fig6_posterior"),
    script:
        "../../scripts/plot_imagene_fig6.py"
