# ImaGene (Torada et al. 2019): haplotype images, binary detection CNNs, Fig 3.

IMAGENE = config["imagene"]
FIG3 = IMAGENE["fig3"]
if FIG3["scenario"] not in SCENARIOS:
    config_error(
        "imagene.fig3.scenario",
        f"'{FIG3['scenario']}' is not one of simulation.scenarios {sorted(SCENARIOS)}",
    )

FIG3_DIR = "results/imagene2019/fig3"
FIG3_TRAIN_SHARDS = list(range(FIG3["train_shards"]))
FIG3_TEST_SHARDS = list(
    range(FIG3["train_shards"], FIG3["train_shards"] + FIG3["test_shards"])
)
FIG3_NETWORKS = [
    {"sorting": sorting, "S": S, "seed": seed}
    for S in FIG3["selection_strengths"]
    for sorting in FIG3["sortings"]
    for seed in FIG3["seeds"]
]

IMAGENE_FIGURES = [
    "results/imagene2019/fig3_sorting_accuracy.pdf",
    "results/imagene2019/fig3_sorting_accuracy.csv",
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


rule imagene_fig3_train:
    input:
        neutral=imagene_image_shards(FIG3["scenario"], 0, FIG3_TRAIN_SHARDS),
        selected=imagene_image_shards(FIG3["scenario"], None, FIG3_TRAIN_SHARDS),
    output:
        model=f"{FIG3_DIR}/{{sorting}}/S{{S}}/seed{{seed}}/model.pt",
        history=f"{FIG3_DIR}/{{sorting}}/S{{S}}/seed{{seed}}/history.csv",
    log:
        "logs/imagene2019/fig3/{sorting}/S{S}/seed{seed}/train.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    params:
        model=IMAGENE["binary_cnn"],
        input_shape=IMAGENE["preprocessing"]["image_size"],
        invert=IMAGENE["preprocessing"]["invert"],
        training=IMAGENE["training"],
        device=config["device"],
        seed=lambda w: job_seed("imagene_fig3_train", w.sorting, w.S, w.seed),
    script:
        "../../scripts/train_imagene_binary.py"


rule imagene_fig3_evaluate:
    input:
        model=rules.imagene_fig3_train.output.model,
        neutral=imagene_image_shards(FIG3["scenario"], 0, FIG3_TEST_SHARDS),
        selected=imagene_image_shards(FIG3["scenario"], None, FIG3_TEST_SHARDS),
    output:
        f"{FIG3_DIR}/{{sorting}}/S{{S}}/seed{{seed}}/evaluation.json",
    log:
        "logs/imagene2019/fig3/{sorting}/S{S}/seed{seed}/evaluate.log",
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
        [
            f"{FIG3_DIR}/{n['sorting']}/S{n['S']}/seed{n['seed']}/evaluation.json"
            for n in FIG3_NETWORKS
        ],
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
