# ImaGene (Torada et al. 2019): haplotype images, binary detection CNNs, Figs 1-3.
# Settings, checks, targets and input functions: genomic_dl.imagene2019.plan.

from genomic_dl.imagene2019.plan import ImagenePlan

imagene = ImagenePlan(CORE)
IMAGENE_DIR, IMAGENE_FIG3_DIR = imagene.dir, imagene.fig3_dir


rule imagene_images:
    input:
        simulation_shard("{scenario}", "{S}", "{shard}"),
    output:
        imagene.image_shard("{scenario}", "{sorting}", "{S}", "{shard}"),
    log:
        f"{LOGS}/imagene_images/{{scenario}}/{{sorting}}/S{{S}}/shard{{shard}}.log",
    conda:
        "../../envs/images.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("imagene_images"),
        runtime=RES.runtime("imagene_images"),
    params:
        preprocessing=imagene.preprocessing,
    script:
        "../../scripts/imagene2019/images.py"


rule imagene_fig1_download:
    output:
        "resources/imagene2019/fig1_{kind}",
    log:
        f"{LOGS}/imagene2019/fig1_download_{{kind}}.log",
    wildcard_constraints:
        kind="vcf|panel",
    conda:
        "../../envs/simulation.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig1_download"),
        runtime=RES.runtime("imagene_fig1_download"),
    params:
        file=lambda w: imagene.fig1["vcf"]["files"][w.kind],
    script:
        "../../scripts/core/download_file.py"


rule imagene_fig1_region:
    input:
        vcf="resources/imagene2019/fig1_vcf",
        panel="resources/imagene2019/fig1_panel",
    output:
        CORE.thousand_genomes_region,
    log:
        f"{LOGS}/imagene2019/fig1_region.log",
    conda:
        "../../envs/simulation.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig1_region"),
        runtime=RES.runtime("imagene_fig1_region"),
    params:
        region=imagene.fig1["vcf"],
        populations=imagene.fig1["populations"],
    script:
        "../../scripts/imagene2019/fig1_region.py"


rule imagene_fig1_encodings:
    input:
        imagene.fig1_region,
    output:
        pdf=report(
            f"{IMAGENE_DIR}/fig1_image_representations.pdf",
            caption="../report/fig1_image_representations.rst",
            category="ImaGene 2019",
        ),
        csv=f"{IMAGENE_DIR}/fig1_image_representations.csv",
    log:
        f"{LOGS}/imagene2019/fig1_encodings.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig1_encodings"),
        runtime=RES.runtime("imagene_fig1_encodings"),
    params:
        settings=imagene.fig1,
        seed=job_seed("imagene_fig1_encodings"),
    script:
        "../../scripts/imagene2019/fig1.py"


rule imagene_fig2_sorting:
    input:
        simulation_shard(
            imagene.settings["fig2"]["scenario"], imagene.settings["fig2"]["S"], 0
        ),
    output:
        pdf=report(
            f"{IMAGENE_DIR}/fig2_sorting_examples.pdf",
            caption="../report/fig2_sorting_examples.rst",
            category="ImaGene 2019",
        ),
        csv=f"{IMAGENE_DIR}/fig2_sorting_examples.csv",
    log:
        f"{LOGS}/imagene2019/fig2_sorting.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig2_sorting"),
        runtime=RES.runtime("imagene_fig2_sorting"),
    params:
        settings=imagene.settings["fig2"],
        preprocessing=imagene.preprocessing,
    script:
        "../../scripts/imagene2019/fig2.py"


rule imagene_fig3_train:
    input:
        neutral=imagene.image_shards(
            imagene.fig3["scenario"], 0, imagene.fig3_train_shards
        ),
        selected=imagene.image_shards(
            imagene.fig3["scenario"], None, imagene.fig3_train_shards
        ),
    output:
        model=f"{IMAGENE_FIG3_DIR}/{{architecture}}/{{sorting}}/S{{S}}/seed{{seed}}/model.pt",
        history=f"{IMAGENE_FIG3_DIR}/{{architecture}}/{{sorting}}/S{{S}}/seed{{seed}}/history.csv",
    log:
        f"{LOGS}/imagene2019/fig3/{{architecture}}/{{sorting}}/S{{S}}/seed{{seed}}/train.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("imagene_fig3_train"),
        runtime=RES.runtime("imagene_fig3_train"),
    params:
        model=lambda w: imagene.binary_cnn(w.architecture),
        input_shape=imagene.preprocessing["image_size"],
        invert=imagene.preprocessing["invert"],
        preprocessing=imagene.preprocessing,
        training=imagene.settings["training"],
        device=config["device"],
        seed=lambda w: job_seed(
            "imagene_fig3_train", w.architecture, w.sorting, w.S, w.seed
        ),
    script:
        "../../scripts/imagene2019/fig3_train.py"


rule imagene_fig3_evaluate:
    input:
        model=rules.imagene_fig3_train.output.model,
        neutral=imagene.image_shards(
            imagene.fig3["scenario"], 0, imagene.fig3_test_shards
        ),
        selected=imagene.image_shards(
            imagene.fig3["scenario"], None, imagene.fig3_test_shards
        ),
    output:
        f"{IMAGENE_FIG3_DIR}/{{architecture}}/{{sorting}}/S{{S}}/seed{{seed}}/evaluation.json",
    log:
        f"{LOGS}/imagene2019/fig3/{{architecture}}/{{sorting}}/S{{S}}/seed{{seed}}/evaluate.log",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("imagene_fig3_evaluate"),
        runtime=RES.runtime("imagene_fig3_evaluate"),
    params:
        invert=imagene.preprocessing["invert"],
        device=config["device"],
    script:
        "../../scripts/imagene2019/fig3_evaluate.py"


rule imagene_fig3_figure:
    input:
        imagene.fig3_evaluations(imagene.fig3_networks),
    output:
        pdf=report(
            f"{IMAGENE_DIR}/fig3_sorting_accuracy.pdf",
            caption="../report/fig3_sorting_accuracy.rst",
            category="ImaGene 2019",
        ),
        csv=f"{IMAGENE_DIR}/fig3_sorting_accuracy.csv",
    log:
        f"{LOGS}/imagene2019/fig3_figure.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig3_figure"),
        runtime=RES.runtime("imagene_fig3_figure"),
    params:
        networks=imagene.fig3_networks,
        sortings=imagene.fig3["sortings"],
        strengths=imagene.fig3["selection_strengths"],
    script:
        "../../scripts/imagene2019/fig3.py"


rule imagene_fig3_ablations:
    input:
        imagene.fig3_evaluations(imagene.ablation_networks),
    output:
        pdf=report(
            f"{IMAGENE_DIR}/fig3_ablations.pdf",
            caption="../report/fig3_ablations.rst",
            category="ImaGene 2019",
        ),
        csv=f"{IMAGENE_DIR}/fig3_ablations.csv",
    log:
        f"{LOGS}/imagene2019/fig3_ablations.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig3_ablations"),
        runtime=RES.runtime("imagene_fig3_ablations"),
    params:
        networks=imagene.ablation_networks,
        architectures={
            name: imagene.binary_cnn(name)
            for name in ["standard", *imagene.ablations["architectures"]]
        },
    script:
        "../../scripts/imagene2019/fig3_ablations.py"
