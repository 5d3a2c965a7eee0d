# ImaGene (Torada et al. 2019): quantification with multiclass CNNs, Figs 4 (misspecification),
# 5 (label distributions) and 6 (posterior of two test cases).


rule imagene_multiclass_train:
    input:
        imagene.multiclass_train_shards,
    output:
        model=f"{IMAGENE_DIR}/{{experiment}}/{{variant}}/seed{{seed}}/model.pt",
        history=f"{IMAGENE_DIR}/{{experiment}}/{{variant}}/seed{{seed}}/history.csv",
    log:
        f"{LOGS}/imagene2019/{{experiment}}/{{variant}}/seed{{seed}}/train.log",
    wildcard_constraints:
        experiment="fig4|fig5",
        variant=r"[a-z0-9_]+",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("imagene_multiclass_train"),
        runtime=RES.runtime("imagene_multiclass_train"),
    params:
        spec=lambda w: imagene.multiclass_spec(w.experiment, w.variant),
        train_batches=imagene.multiclass_train_batches,
        preprocessing=imagene.preprocessing,
        training=imagene.settings["training"],
        device=config["device"],
        seed=lambda w: job_seed(
            "imagene_multiclass_train", w.experiment, w.variant, w.seed
        ),
    script:
        "../../scripts/imagene2019/multiclass_train.py"


rule imagene_multiclass_evaluate:
    input:
        model=rules.imagene_multiclass_train.output.model,
        test=imagene.multiclass_test_shards,
    output:
        summary=f"{IMAGENE_DIR}/{{experiment}}/{{variant}}/seed{{seed}}/evaluation.json",
        predictions=f"{IMAGENE_DIR}/{{experiment}}/{{variant}}/seed{{seed}}/predictions.npz",
    log:
        f"{LOGS}/imagene2019/{{experiment}}/{{variant}}/seed{{seed}}/evaluate.log",
    wildcard_constraints:
        experiment="fig4|fig5",
        variant=r"[a-z0-9_]+",
    conda:
        "../../envs/pytorch.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("imagene_multiclass_evaluate"),
        runtime=RES.runtime("imagene_multiclass_evaluate"),
    params:
        spec=lambda w: imagene.multiclass_spec(w.experiment, w.variant),
        invert=imagene.preprocessing["invert"],
        device=config["device"],
    script:
        "../../scripts/imagene2019/multiclass_evaluate.py"


rule imagene_fig4_misspecification:
    input:
        imagene.multiclass_outputs("fig4", "evaluation.json"),
    output:
        pdf=report(
            f"{IMAGENE_DIR}/fig4_misspecification.pdf",
            caption="../report/fig4_misspecification.rst",
            category="ImaGene 2019",
        ),
        csv=f"{IMAGENE_DIR}/fig4_misspecification.csv",
    log:
        f"{LOGS}/imagene2019/fig4_misspecification.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig4_misspecification"),
        runtime=RES.runtime("imagene_fig4_misspecification"),
    params:
        networks=imagene.multiclass_networks["fig4"],
        settings=imagene.fig4,
    script:
        "../../scripts/imagene2019/fig4.py"


rule imagene_fig5_label_distributions:
    input:
        imagene.multiclass_outputs("fig5", "evaluation.json"),
    output:
        pdf=report(
            f"{IMAGENE_DIR}/fig5_label_distributions.pdf",
            caption="../report/fig5_label_distributions.rst",
            category="ImaGene 2019",
        ),
        csv=f"{IMAGENE_DIR}/fig5_label_distributions.csv",
    log:
        f"{LOGS}/imagene2019/fig5_label_distributions.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig5_label_distributions"),
        runtime=RES.runtime("imagene_fig5_label_distributions"),
    params:
        networks=imagene.multiclass_networks["fig5"],
    script:
        "../../scripts/imagene2019/fig5.py"


rule imagene_fig6_posterior:
    input:
        imagene.fig6_predictions(),
    output:
        pdf=report(
            f"{IMAGENE_DIR}/fig6_posterior.pdf",
            caption="../report/fig6_posterior.rst",
            category="ImaGene 2019",
        ),
        csv=f"{IMAGENE_DIR}/fig6_posterior.csv",
    log:
        f"{LOGS}/imagene2019/fig6_posterior.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("imagene_fig6_posterior"),
        runtime=RES.runtime("imagene_fig6_posterior"),
    params:
        settings=imagene.fig6,
        seed=job_seed("imagene_fig6_posterior"),
    script:
        "../../scripts/imagene2019/fig6.py"
