# ImaGene (Torada et al. 2019): quantification with multiclass CNNs, Figs 4 (misspecification),
# 5 (label distributions) and 6 (posterior of two test cases).

IMAGENE_FIGURES += [
    f"{MULTICLASS_DIR}/{name}.{extension}"
    for name in (
        "fig4_misspecification",
        "fig5_label_distributions",
        "fig6_posterior",
    )
    for extension in ("pdf", "csv")
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
        "../../scripts/imagene2019/multiclass_train.py"


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
        "../../scripts/imagene2019/multiclass_evaluate.py"


rule imagene_fig4_misspecification:
    input:
        multiclass_outputs("fig4", "evaluation.json"),
    output:
        pdf=report(
            f"{MULTICLASS_DIR}/fig4_misspecification.pdf",
            caption="../report/fig4_misspecification.rst",
            category="ImaGene 2019",
        ),
        csv=f"{MULTICLASS_DIR}/fig4_misspecification.csv",
    log:
        "logs/imagene2019/fig4_misspecification.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        networks=MULTICLASS_NETWORKS["fig4"],
        settings=FIG4,
    script:
        "../../scripts/imagene2019/fig4.py"


rule imagene_fig5_label_distributions:
    input:
        multiclass_outputs("fig5", "evaluation.json"),
    output:
        pdf=report(
            f"{MULTICLASS_DIR}/fig5_label_distributions.pdf",
            caption="../report/fig5_label_distributions.rst",
            category="ImaGene 2019",
        ),
        csv=f"{MULTICLASS_DIR}/fig5_label_distributions.csv",
    log:
        "logs/imagene2019/fig5_label_distributions.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        networks=MULTICLASS_NETWORKS["fig5"],
    script:
        "../../scripts/imagene2019/fig5.py"


rule imagene_fig6_posterior:
    input:
        f"{MULTICLASS_DIR}/fig5/{FIG6['label_distribution']}/seed{FIG6['seed']}/predictions.npz",
    output:
        pdf=report(
            f"{MULTICLASS_DIR}/fig6_posterior.pdf",
            caption="../report/fig6_posterior.rst",
            category="ImaGene 2019",
        ),
        csv=f"{MULTICLASS_DIR}/fig6_posterior.csv",
    log:
        "logs/imagene2019/fig6_posterior.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        settings=FIG6,
        seed=job_seed("imagene_fig6_posterior"),
    script:
        "../../scripts/imagene2019/fig6.py"
