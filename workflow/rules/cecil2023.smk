# Cecil & Sugden (2023): figures and tables.

CECIL_FIGURES = [
    "results/cecil2023/figF_sfs.pdf",
    "results/cecil2023/figF_sfs.csv",
    *[
        f"{CECIL_DIR}/{table}.{extension}"
        for table in CECIL_TABLES
        for extension in ("csv", "md")
    ],
    *[
        f"{CECIL_DIR}/{name}.{extension}"
        for name in (
            "fig1c_minicnn_vs_imagene",
            "fig2_minicnn_weights_and_shap",
            "fig3_correlation_with_statistics",
            "fig4_zero_padding",
            "figP_sample_complexity",
            "figQR_training_strategies",
            "figNO_hard_vs_soft",
        )
        for extension in ("pdf", "csv")
    ],
]


rule cecil2023_figF_sfs:
    input:
        three_population=[
            simulation_shard(CECIL["figF_sfs"]["three_population_scenario"], 0, i)
            for i in range(CECIL["figF_sfs"]["shards"])
        ],
        single_population=[
            simulation_shard(CECIL["figF_sfs"]["single_population_scenario"], 0, i)
            for i in range(CECIL["figF_sfs"]["shards"])
        ],
    output:
        pdf=report(
            "results/cecil2023/figF_sfs.pdf",
            caption="../report/figF_sfs.rst",
            category="Cecil & Sugden 2023",
        ),
        csv="results/cecil2023/figF_sfs.csv",
    log:
        "logs/cecil2023/figF_sfs.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        populations=CECIL["figF_sfs"]["populations"],
    script:
        "../../scripts/plot_cecil_figF_sfs.py"


rule cecil2023_images:
    input:
        unpack(cecil_dataset_shards),
    output:
        f"{CECIL_DIR}/data/{{dataset}}/{{width}}/{{sorting}}/images.npz",
    log:
        "logs/cecil2023/data/{dataset}/{width}/{sorting}/images.log",
    wildcard_constraints:
        dataset=CECIL_DATASET_PATTERN,
        width=CECIL_WIDTH_PATTERN,
        sorting=CECIL_SORTING_PATTERN,
    conda:
        "../../envs/cecil.yaml"
    threads: config["preprocessing_threads"]
    params:
        dataset=lambda w: CECIL_DATASETS[w.dataset],
        preprocessing=CECIL["preprocessing"],
        fractions=CECIL["split"],
        split_seed=lambda w: job_seed("cecil2023_split", w.dataset),
    script:
        "../../scripts/cecil_images.py"


rule cecil2023_epoch_images:
    input:
        unpack(cecil_epoch_shards),
        images=f"{CECIL_DIR}/data/{{dataset}}/{{width}}/{{sorting}}/images.npz",
    output:
        f"{CECIL_DIR}/data/{{dataset}}/{{width}}/{{sorting}}/epoch{{epoch}}.npz",
    log:
        "logs/cecil2023/data/{dataset}/{width}/{sorting}/epoch{epoch}.log",
    wildcard_constraints:
        dataset=CECIL_DATASET_PATTERN,
        width=CECIL_WIDTH_PATTERN,
        sorting=CECIL_SORTING_PATTERN,
        epoch=r"\d+",
    conda:
        "../../envs/cecil.yaml"
    threads: config["preprocessing_threads"]
    params:
        dataset=lambda w: CECIL_DATASETS[w.dataset],
        preprocessing=CECIL["preprocessing"],
    script:
        "../../scripts/cecil_epoch_images.py"


rule cecil2023_statistics:
    input:
        unpack(cecil_dataset_shards),
    output:
        scores=f"{CECIL_DIR}/statistics/{{dataset}}/scores.csv",
        classifiers=f"{CECIL_DIR}/statistics/{{dataset}}/classifiers.json",
        ihs=f"{CECIL_DIR}/statistics/{{dataset}}/ihs_standardisation.json",
    log:
        "logs/cecil2023/statistics/{dataset}.log",
    wildcard_constraints:
        dataset=CECIL_DATASET_PATTERN,
    conda:
        "../../envs/cecil.yaml"
    threads: config["preprocessing_threads"]
    params:
        dataset=lambda w: CECIL_DATASETS[w.dataset],
        preprocessing=CECIL["preprocessing"],
        statistics=CECIL["statistics"],
        fractions=CECIL["split"],
        split_seed=lambda w: job_seed("cecil2023_split", w.dataset),
    script:
        "../../scripts/cecil_statistics.py"


rule cecil2023_train_cnns:
    input:
        unpack(cecil_train_inputs),
    output:
        models=cecil_model_outputs(CECIL_CNNS, "model.pt"),
        restarts=cecil_model_outputs(CECIL_CNNS, "restarts.csv"),
        predictions=cecil_model_outputs(CECIL_CNNS, "predictions.csv"),
        summaries=cecil_model_outputs(CECIL_CNNS, "summary.json"),
    log:
        "logs/cecil2023/models/{dataset}/{width}/{sorting}/cnns_{training}.log",
    wildcard_constraints:
        dataset=CECIL_DATASET_PATTERN,
        width=CECIL_WIDTH_PATTERN,
        sorting=CECIL_SORTING_PATTERN,
        training=CECIL_TRAINING_PATTERN,
    conda:
        "../../envs/cecil.yaml"
    threads: config["training_threads"]
    params:
        names=CECIL_CNNS,
        seeds=cecil_train_seeds(CECIL_CNNS),
        models=CECIL["models"],
        training=CECIL["training"],
        strategy=lambda w: cecil_strategy(w.training),
        n_train=lambda w: int(w.training[1:]) if w.training.startswith("n") else None,
        subset_seed=lambda w: job_seed("cecil2023_subset", w.dataset, w.training),
        device=config["device"],
    script:
        "../../scripts/cecil_train.py"


rule cecil2023_train_deepset:
    input:
        unpack(cecil_train_inputs),
    output:
        models=cecil_model_outputs(["deepset"], "model.pt"),
        restarts=cecil_model_outputs(["deepset"], "restarts.csv"),
        predictions=cecil_model_outputs(["deepset"], "predictions.csv"),
        summaries=cecil_model_outputs(["deepset"], "summary.json"),
    log:
        "logs/cecil2023/models/{dataset}/{width}/{sorting}/deepset_{training}.log",
    wildcard_constraints:
        dataset=CECIL_DATASET_PATTERN,
        width=CECIL_WIDTH_PATTERN,
        sorting=CECIL_SORTING_PATTERN,
        training=CECIL_TRAINING_PATTERN,
    conda:
        "../../envs/cecil.yaml"
    threads: config["training_threads"]
    params:
        names=["deepset"],
        seeds=cecil_train_seeds(["deepset"]),
        models=CECIL["models"],
        training=CECIL["training"],
        strategy=lambda w: cecil_strategy(w.training),
        n_train=lambda w: int(w.training[1:]) if w.training.startswith("n") else None,
        subset_seed=lambda w: job_seed("cecil2023_subset", w.dataset, w.training),
        device=config["device"],
    script:
        "../../scripts/cecil_train.py"


rule cecil2023_train_ladder:
    input:
        images=f"{CECIL_DIR}/data/{{dataset}}/{{width}}/{{sorting}}/images.npz",
    output:
        models=cecil_model_outputs(CECIL_LADDER_TRAINED, "model.pt", "fixed_epochs"),
        restarts=cecil_model_outputs(
            CECIL_LADDER_TRAINED, "restarts.csv", "fixed_epochs"
        ),
        predictions=cecil_model_outputs(
            CECIL_LADDER_TRAINED, "predictions.csv", "fixed_epochs"
        ),
        summaries=cecil_model_outputs(
            CECIL_LADDER_TRAINED, "summary.json", "fixed_epochs"
        ),
    log:
        "logs/cecil2023/models/{dataset}/{width}/{sorting}/ladder_fixed_epochs.log",
    wildcard_constraints:
        dataset=CECIL_DATASET_PATTERN,
        width=CECIL_WIDTH_PATTERN,
        sorting=CECIL_SORTING_PATTERN,
    conda:
        "../../envs/cecil.yaml"
    threads: config["training_threads"]
    params:
        names=CECIL_LADDER_TRAINED,
        seeds=cecil_train_seeds(CECIL_LADDER_TRAINED, "fixed_epochs"),
        models=CECIL["models"],
        training=CECIL["training"],
        strategy="fixed_epochs",
        n_train=None,
        subset_seed=None,
        device=config["device"],
    script:
        "../../scripts/cecil_train.py"


rule cecil2023_interpret:
    input:
        models=cecil_model_outputs(CECIL_CNNS, "model.pt", "fixed_epochs"),
        images=f"{CECIL_DIR}/data/{{dataset}}/{{width}}/{{sorting}}/images.npz",
    output:
        cecil_model_outputs(CECIL_CNNS, "interpretation.npz", "fixed_epochs"),
    log:
        "logs/cecil2023/models/{dataset}/{width}/{sorting}/interpret.log",
    wildcard_constraints:
        dataset=CECIL_DATASET_PATTERN,
        width=CECIL_WIDTH_PATTERN,
        sorting=CECIL_SORTING_PATTERN,
    conda:
        "../../envs/cecil.yaml"
    threads: config["training_threads"]
    params:
        names=CECIL_CNNS,
        settings=CECIL["interpretation"],
        device=config["device"],
        seed=lambda w: job_seed("cecil2023_interpret", w.dataset, w.width, w.sorting),
    script:
        "../../scripts/cecil_interpret.py"


rule cecil2023_table:
    input:
        cecil_table_inputs,
    output:
        csv=f"{CECIL_DIR}/{{table}}.csv",
        md=f"{CECIL_DIR}/{{table}}.md",
    log:
        "logs/cecil2023/{table}.log",
    wildcard_constraints:
        table="|".join(CECIL_TABLES),
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    params:
        rows=lambda w: CECIL_TABLES[w.table],
        title=lambda w: CECIL_TABLE_TITLES[w.table],
    script:
        "../../scripts/cecil_table.py"


rule cecil2023_fig1c:
    input:
        f"{CECIL_DIR}/table1_accuracy.csv",
    output:
        pdf=report(
            f"{CECIL_DIR}/fig1c_minicnn_vs_imagene.pdf",
            caption="../report/fig1c_minicnn_vs_imagene.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/fig1c_minicnn_vs_imagene.csv",
    log:
        "logs/cecil2023/fig1c.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    params:
        datasets=CECIL["table1"]["datasets"],
    script:
        "../../scripts/plot_cecil_fig1c.py"


rule cecil2023_fig2:
    input:
        mini_cnn=cecil_interpretation(CECIL["fig2"]["dataset"], "mini_cnn"),
        imagene=cecil_interpretation(CECIL["fig2"]["dataset"], "imagene"),
    output:
        pdf=report(
            f"{CECIL_DIR}/fig2_minicnn_weights_and_shap.pdf",
            caption="../report/fig2_minicnn_weights_and_shap.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/fig2_minicnn_weights_and_shap.csv",
    log:
        "logs/cecil2023/fig2.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    params:
        dataset=cecil_label(CECIL["fig2"]["dataset"]),
        classes=[c["name"] for c in CECIL_DATASETS[CECIL["fig2"]["dataset"]]["classes"]],
    script:
        "../../scripts/plot_cecil_fig2.py"


rule cecil2023_fig3:
    input:
        cecil_spec_inputs(CECIL_FIG3),
    output:
        pdf=report(
            f"{CECIL_DIR}/fig3_correlation_with_statistics.pdf",
            caption="../report/fig3_correlation_with_statistics.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/fig3_correlation_with_statistics.csv",
    log:
        "logs/cecil2023/fig3.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    params:
        rows=CECIL_FIG3,
    script:
        "../../scripts/plot_cecil_fig3.py"


rule cecil2023_fig4:
    input:
        specs=cecil_spec_inputs(CECIL_FIG4),
        images=f"{cecil_data_dir(CECIL_FIG4_EXAMPLE, 'zero_pad', 'rows')}/images.npz",
        mini_cnn=CECIL_FIG4_MAPS["mini_cnn"],
        imagene=CECIL_FIG4_MAPS["imagene"],
    output:
        pdf=report(
            f"{CECIL_DIR}/fig4_zero_padding.pdf",
            caption="../report/fig4_zero_padding.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/fig4_zero_padding.csv",
    log:
        "logs/cecil2023/fig4.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    params:
        rows=CECIL_FIG4,
        example=cecil_label(CECIL_FIG4_EXAMPLE),
    script:
        "../../scripts/plot_cecil_fig4.py"


rule cecil2023_figP:
    input:
        cecil_spec_inputs(CECIL_FIGP),
    output:
        pdf=report(
            f"{CECIL_DIR}/figP_sample_complexity.pdf",
            caption="../report/figP_sample_complexity.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/figP_sample_complexity.csv",
    log:
        "logs/cecil2023/figP.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    params:
        rows=CECIL_FIGP,
    script:
        "../../scripts/plot_cecil_figP.py"


rule cecil2023_figQR:
    input:
        cecil_spec_inputs(CECIL_FIGQR),
    output:
        pdf=report(
            f"{CECIL_DIR}/figQR_training_strategies.pdf",
            caption="../report/figQR_training_strategies.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/figQR_training_strategies.csv",
    log:
        "logs/cecil2023/figQR.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    params:
        rows=CECIL_FIGQR,
    script:
        "../../scripts/plot_cecil_figQR.py"


rule cecil2023_figNO:
    input:
        specs=cecil_spec_inputs(CECIL_FIGNO),
        maps=[path for maps in CECIL_FIGNO_MAPS.values() for path in maps.values()],
    output:
        pdf=report(
            f"{CECIL_DIR}/figNO_hard_vs_soft.pdf",
            caption="../report/figNO_hard_vs_soft.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/figNO_hard_vs_soft.csv",
    log:
        "logs/cecil2023/figNO.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    params:
        rows=CECIL_FIGNO,
        maps=CECIL_FIGNO_MAPS,
        classes={
            dataset: [c["name"] for c in CECIL_DATASETS[dataset]["classes"]]
            for dataset in CECIL["figNO"]["datasets"]
        },
    script:
        "../../scripts/plot_cecil_figNO.py"
