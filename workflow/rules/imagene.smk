# ImaGene (Torada et al. 2019): haplotype images, binary detection CNNs, Figs 1-3.

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
        "../../scripts/imagene2019/images.py"


rule imagene_fig1_download:
    output:
        "resources/imagene2019/fig1_{kind}",
    log:
        "logs/imagene2019/fig1_download_{kind}.log",
    wildcard_constraints:
        kind="vcf|panel",
    conda:
        "../../envs/simulation.yaml"
    params:
        file=lambda w: FIG1["vcf"]["files"][w.kind],
    script:
        "../../scripts/core/download_file.py"


rule imagene_fig1_region:
    input:
        vcf="resources/imagene2019/fig1_vcf",
        panel="resources/imagene2019/fig1_panel",
    output:
        "results/imagene2019/fig1_region.npz",
    log:
        "logs/imagene2019/fig1_region.log",
    conda:
        "../../envs/simulation.yaml"
    params:
        region=FIG1["vcf"],
        populations=FIG1["populations"],
    script:
        "../../scripts/imagene2019/fig1_region.py"


rule imagene_fig1_encodings:
    input:
        FIG1_REGION,
    output:
        pdf=report(
            "results/imagene2019/fig1_image_representations.pdf",
            caption="../report/fig1_image_representations.rst",
            category="ImaGene 2019",
        ),
        csv="results/imagene2019/fig1_image_representations.csv",
    log:
        "logs/imagene2019/fig1_encodings.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        settings=IMAGENE["fig1"],
        seed=job_seed("imagene_fig1_encodings"),
    script:
        "../../scripts/imagene2019/fig1.py"


rule imagene_fig2_sorting:
    input:
        simulation_shard(IMAGENE["fig2"]["scenario"], IMAGENE["fig2"]["S"], 0),
    output:
        pdf=report(
            "results/imagene2019/fig2_sorting_examples.pdf",
            caption="../report/fig2_sorting_examples.rst",
            category="ImaGene 2019",
        ),
        csv="results/imagene2019/fig2_sorting_examples.csv",
    log:
        "logs/imagene2019/fig2_sorting.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        settings=IMAGENE["fig2"],
        preprocessing=IMAGENE["preprocessing"],
    script:
        "../../scripts/imagene2019/fig2.py"


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
        preprocessing=IMAGENE["preprocessing"],
        training=IMAGENE["training"],
        device=config["device"],
        seed=lambda w: job_seed(
            "imagene_fig3_train", w.architecture, w.sorting, w.S, w.seed
        ),
    script:
        "../../scripts/imagene2019/fig3_train.py"


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
        "../../scripts/imagene2019/fig3_evaluate.py"


rule imagene_fig3_figure:
    input:
        fig3_evaluations(FIG3_NETWORKS),
    output:
        pdf=report(
            "results/imagene2019/fig3_sorting_accuracy.pdf",
            caption="../report/fig3_sorting_accuracy.rst",
            category="ImaGene 2019",
        ),
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
        "../../scripts/imagene2019/fig3.py"


rule imagene_fig3_ablations:
    input:
        fig3_evaluations(ABLATION_NETWORKS),
    output:
        pdf=report(
            "results/imagene2019/fig3_ablations.pdf",
            caption="../report/fig3_ablations.rst",
            category="ImaGene 2019",
        ),
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
        "../../scripts/imagene2019/fig3_ablations.py"
