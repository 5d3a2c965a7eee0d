# ImaGene (Torada et al. 2019): haplotype images, binary detection CNNs, Fig 3.

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


IMAGENE_FIGURES = [
    "results/imagene2019/fig1_image_representations.pdf",
    "results/imagene2019/fig1_image_representations.csv",
    "results/imagene2019/fig2_sorting_examples.pdf",
    "results/imagene2019/fig2_sorting_examples.csv",
    "results/imagene2019/fig3_sorting_accuracy.pdf",
    "results/imagene2019/fig3_sorting_accuracy.csv",
    "results/imagene2019/fig3_ablations.pdf",
    "results/imagene2019/fig3_ablations.csv",
]


rule imagene_images:
    input:
        simulation_shard("{scenario}", "{S}", "{shard}"),
    output:
        imagene_image_shard("{scenario}", "{sorting}", "{S}", "{shard}"),
    log:
        "logs/imagene_images/{scenario}/{sorting}/S{S}/shard{shard}.log",
    conda:
        "../../envs/images.yaml"
    threads: 1
    params:
        preprocessing=IMAGENE["preprocessing"],
    script:
        "../../scripts/make_haplotype_images.py"


rule imagene_fig1_encodings:
    input:
        simulation_shard(IMAGENE["fig1"]["scenario"], 0, 0),
    output:
        pdf="results/imagene2019/fig1_image_representations.pdf",
        csv="results/imagene2019/fig1_image_representations.csv",
    log:
        "logs/imagene2019/fig1_encodings.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        settings=IMAGENE["fig1"],
        seed=job_seed("imagene_fig1_encodings"),
    script:
        "../../scripts/plot_imagene_fig1.py"


rule imagene_fig2_sorting:
    input:
        simulation_shard(IMAGENE["fig2"]["scenario"], IMAGENE["fig2"]["S"], 0),
    output:
        pdf="results/imagene2019/fig2_sorting_examples.pdf",
        csv="results/imagene2019/fig2_sorting_examples.csv",
    log:
        "logs/imagene2019/fig2_sorting.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        settings=IMAGENE["fig2"],
        preprocessing=IMAGENE["preprocessing"],
    script:
        "../../scripts/plot_imagene_fig2.py"


rule imagene_fig3_train:
    input:
        neutral=imagene_image_shards(FIG3["scenario"], 0, FIG3_TRAIN_SHARDS),
        selected=imagene_image_shards(FIG3["scenario"], None, FIG3_TRAIN_SHARDS),
    output:
        model=f"{FIG3_DIR}/{{architecture}}/{{sorting}}/S{{S}}/seed{{seed}}/model.pt",
        history=f"{FIG3_DIR}/{{architecture}}/{{sorting}}/S{{S}}/seed{{seed}}/history.csv",
    log:
        "logs/imagene2019/fig3/{architecture}/{sorting}/S{S}/seed{seed}/train.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    params:
        model=lambda w: binary_cnn(w.architecture),
        input_shape=IMAGENE["preprocessing"]["image_size"],
        invert=IMAGENE["preprocessing"]["invert"],
        training=IMAGENE["training"],
        device=config["device"],
        seed=lambda w: job_seed(
            "imagene_fig3_train", w.architecture, w.sorting, w.S, w.seed
        ),
    script:
        "../../scripts/train_imagene_binary.py"


rule imagene_fig3_evaluate:
    input:
        model=rules.imagene_fig3_train.output.model,
        neutral=imagene_image_shards(FIG3["scenario"], 0, FIG3_TEST_SHARDS),
        selected=imagene_image_shards(FIG3["scenario"], None, FIG3_TEST_SHARDS),
    output:
        f"{FIG3_DIR}/{{architecture}}/{{sorting}}/S{{S}}/seed{{seed}}/evaluation.json",
    log:
        "logs/imagene2019/fig3/{architecture}/{sorting}/S{S}/seed{seed}/evaluate.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    params:
        invert=IMAGENE["preprocessing"]["invert"],
        device=config["device"],
    script:
        "../../scripts/evaluate_imagene_binary.py"


rule imagene_fig3_figure:
    input:
        fig3_evaluations(FIG3_NETWORKS),
    output:
        pdf="results/imagene2019/fig3_sorting_accuracy.pdf",
        csv="results/imagene2019/fig3_sorting_accuracy.csv",
    log:
        "logs/imagene2019/fig3_figure.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        networks=FIG3_NETWORKS,
        sortings=FIG3["sortings"],
        strengths=FIG3["selection_strengths"],
    script:
        "../../scripts/plot_imagene_fig3.py"


rule imagene_fig3_ablations:
    input:
        fig3_evaluations(ABLATION_NETWORKS),
    output:
        pdf="results/imagene2019/fig3_ablations.pdf",
        csv="results/imagene2019/fig3_ablations.csv",
    log:
        "logs/imagene2019/fig3_ablations.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        networks=ABLATION_NETWORKS,
        architectures={
            name: binary_cnn(name)
            for name in ["standard", *ABLATIONS["architectures"]]
        },
    script:
        "../../scripts/plot_imagene_fig3_ablations.py"
