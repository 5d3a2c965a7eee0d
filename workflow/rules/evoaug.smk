# EvoAug (Lee et al. 2023): data, training, performance figures.

EVOAUG_FIGURES = [
    f"{EVOAUG_DIR}/{name}.{extension}"
    for name in (
        "fig1b_basset_aupr",
        "fig2a_deepstarr_pearson",
        "fig2b_chip_auroc",
        "fig2c_downsampling",
        "figS7_training_curves",
        "figS1_S5_sweeps",
    )
    for extension in ("pdf", "csv")
] + [f"{EVOAUG_DIR}/tableS2_compute_cost.csv"]


rule evoaug_download:
    output:
        "resources/evoaug2023/{filename}",
    log:
        "logs/evoaug2023/download/{filename}.log",
    wildcard_constraints:
        filename=EVOAUG_DOWNLOAD_NAMES,
    conda:
        "../../envs/plotting.yaml"
    params:
        file=evoaug_download_spec,
    script:
        "../../scripts/core/download_file.py"


rule evoaug_data:
    input:
        evoaug_data_input,
    output:
        evoaug_data("{dataset}"),
    log:
        "logs/evoaug2023/data/{dataset}.log",
    wildcard_constraints:
        dataset=EVOAUG_DATASET_RE,
    conda:
        "../../envs/evoaug.yaml"
    threads: 1
    params:
        source=EVOAUG_DATA["source"],
        options=lambda w: EVOAUG_DATA["synthetic"][dataset_kind(w.dataset)],
        split=EVOAUG_DATA["synthetic"]["split"],
        seed=lambda w: job_seed("evoaug_data", w.dataset),
    script:
        "../../scripts/evoaug2023/data.py"


rule evoaug_train_standard:
    input:
        evoaug_data("{dataset}"),
    output:
        **evoaug_stage_outputs(
            evoaug_run_dir("{dataset}", "standard", "{seed}"), ["standard"]
        ),
    log:
        "logs/evoaug2023/models/{dataset}/standard/seed{seed}.log",
    benchmark:
        evoaug_benchmark(evoaug_run_dir("{dataset}", "standard", "{seed}"))
    wildcard_constraints:
        dataset=EVOAUG_DATASET_RE,
    conda:
        "../../envs/evoaug.yaml"
    threads: config["training_threads"]
    params:
        setting="standard",
        resolved=lambda w: evoaug_resolved(w.dataset, "standard"),
        model=lambda w: EVOAUG["models"][dataset_kind(w.dataset)],
        training=EVOAUG["training"],
        finetuning=EVOAUG["finetuning"],
        n_train=None,
        subset_seed=None,
        device=config["device"],
        seed=lambda w: job_seed("evoaug_train", w.dataset, "standard", w.seed),
    script:
        "../../scripts/evoaug2023/train.py"


rule evoaug_train_augmented:
    input:
        evoaug_data("{dataset}"),
    output:
        **evoaug_stage_outputs(
            evoaug_run_dir("{dataset}", "{setting}", "{seed}"),
            EVOAUG_AUGMENTED_STAGES,
        ),
    log:
        "logs/evoaug2023/models/{dataset}/{setting}/seed{seed}.log",
    benchmark:
        evoaug_benchmark(evoaug_run_dir("{dataset}", "{setting}", "{seed}"))
    wildcard_constraints:
        dataset=EVOAUG_DATASET_RE,
        setting=EVOAUG_AUGMENTED_RE,
    conda:
        "../../envs/evoaug.yaml"
    threads: config["training_threads"]
    params:
        setting=lambda w: w.setting,
        resolved=lambda w: evoaug_resolved(w.dataset, w.setting),
        model=lambda w: EVOAUG["models"][dataset_kind(w.dataset)],
        training=EVOAUG["training"],
        finetuning=EVOAUG["finetuning"],
        n_train=None,
        subset_seed=None,
        device=config["device"],
        seed=lambda w: job_seed("evoaug_train", w.dataset, w.setting, w.seed),
    script:
        "../../scripts/evoaug2023/train.py"


rule evoaug_downsample_standard:
    input:
        evoaug_data("{dataset}"),
    output:
        **evoaug_stage_outputs(
            evoaug_downsample_dir("{dataset}", "{size}", "standard", "{seed}"),
            ["standard"],
        ),
    log:
        "logs/evoaug2023/downsampling/{dataset}/n{size}/standard/seed{seed}.log",
    benchmark:
        evoaug_benchmark(
            evoaug_downsample_dir("{dataset}", "{size}", "standard", "{seed}")
        )
    wildcard_constraints:
        dataset=EVOAUG_DATASET_RE,
        size=r"\d+",
    conda:
        "../../envs/evoaug.yaml"
    threads: config["training_threads"]
    params:
        setting="standard",
        resolved=lambda w: evoaug_resolved(w.dataset, "standard"),
        model=lambda w: EVOAUG["models"][dataset_kind(w.dataset)],
        training=FIG2C_TRAINING,
        finetuning=EVOAUG["finetuning"],
        n_train=lambda w: int(w.size),
        # the same training subset for standard and EvoAug models of a size and seed
        subset_seed=lambda w: job_seed("evoaug_subset", w.dataset, w.size, w.seed),
        device=config["device"],
        seed=lambda w: job_seed(
            "evoaug_downsample", w.dataset, w.size, "standard", w.seed
        ),
    script:
        "../../scripts/evoaug2023/train.py"


rule evoaug_downsample_augmented:
    input:
        evoaug_data("{dataset}"),
    output:
        **evoaug_stage_outputs(
            evoaug_downsample_dir("{dataset}", "{size}", "{setting}", "{seed}"),
            EVOAUG_AUGMENTED_STAGES,
        ),
    log:
        "logs/evoaug2023/downsampling/{dataset}/n{size}/{setting}/seed{seed}.log",
    benchmark:
        evoaug_benchmark(
            evoaug_downsample_dir("{dataset}", "{size}", "{setting}", "{seed}")
        )
    wildcard_constraints:
        dataset=EVOAUG_DATASET_RE,
        setting=EVOAUG_AUGMENTED_RE,
        size=r"\d+",
    conda:
        "../../envs/evoaug.yaml"
    threads: config["training_threads"]
    params:
        setting=lambda w: w.setting,
        resolved=lambda w: evoaug_resolved(w.dataset, w.setting),
        model=lambda w: EVOAUG["models"][dataset_kind(w.dataset)],
        training=FIG2C_TRAINING,
        finetuning=EVOAUG["finetuning"],
        n_train=lambda w: int(w.size),
        subset_seed=lambda w: job_seed("evoaug_subset", w.dataset, w.size, w.seed),
        device=config["device"],
        seed=lambda w: job_seed(
            "evoaug_downsample", w.dataset, w.size, w.setting, w.seed
        ),
    script:
        "../../scripts/evoaug2023/train.py"


rule evoaug_sweep:
    input:
        evoaug_data("{dataset}"),
    output:
        **evoaug_stage_outputs(
            evoaug_sweep_dir("{dataset}", "{point}", "{seed}"),
            EVOAUG_AUGMENTED_STAGES,
        ),
    log:
        "logs/evoaug2023/sweeps/{dataset}/{point}/seed{seed}.log",
    benchmark:
        evoaug_benchmark(evoaug_sweep_dir("{dataset}", "{point}", "{seed}"))
    wildcard_constraints:
        dataset=EVOAUG_DATASET_RE,
        point=EVOAUG_POINT_RE,
    conda:
        "../../envs/evoaug.yaml"
    threads: config["training_threads"]
    params:
        setting=lambda w: SWEEP_POINTS[w.dataset][w.point]["setting"],
        resolved=lambda w: sweep_resolved(w.dataset, w.point),
        model=lambda w: EVOAUG["models"][dataset_kind(w.dataset)],
        training=EVOAUG["training"],
        finetuning=EVOAUG["finetuning"],
        n_train=None,
        subset_seed=None,
        device=config["device"],
        seed=lambda w: job_seed("evoaug_sweep", w.dataset, w.point, w.seed),
    script:
        "../../scripts/evoaug2023/train.py"


rule evoaug_fig1b:
    input:
        evoaug_paths(EVOAUG_RECORDS["basset"], "_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig1b_basset_aupr.pdf",
            caption="../report/fig1b_basset_aupr.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig1b_basset_aupr.csv",
    log:
        "logs/evoaug2023/fig1b.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        records=EVOAUG_RECORDS["basset"],
        singles=EVOAUG["settings"]["basset"]["singles"],
    script:
        "../../scripts/evoaug2023/fig1b.py"


rule evoaug_fig2a:
    input:
        evoaug_paths(EVOAUG_RECORDS["deepstarr"], "_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig2a_deepstarr_pearson.pdf",
            caption="../report/fig2a_deepstarr_pearson.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig2a_deepstarr_pearson.csv",
    log:
        "logs/evoaug2023/fig2a.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        records=EVOAUG_RECORDS["deepstarr"],
        singles=EVOAUG["settings"]["deepstarr"]["singles"],
    script:
        "../../scripts/evoaug2023/fig2a.py"


rule evoaug_fig2b:
    input:
        evoaug_paths(EVOAUG_RECORDS["chip"], "_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig2b_chip_auroc.pdf",
            caption="../report/fig2b_chip_auroc.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig2b_chip_auroc.csv",
    log:
        "logs/evoaug2023/fig2b.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        records=EVOAUG_RECORDS["chip"],
    script:
        "../../scripts/evoaug2023/fig2b.py"


rule evoaug_fig2c:
    input:
        fig2c_paths("_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig2c_downsampling.pdf",
            caption="../report/fig2c_downsampling.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig2c_downsampling.csv",
    log:
        "logs/evoaug2023/fig2c.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        records=FIG2C_RECORDS,
    script:
        "../../scripts/evoaug2023/fig2c.py"


rule evoaug_figS7:
    input:
        evoaug_paths(FIGS7_RECORDS, "_history.csv"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/figS7_training_curves.pdf",
            caption="../report/figS7_training_curves.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/figS7_training_curves.csv",
    log:
        "logs/evoaug2023/figS7.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        records=FIGS7_RECORDS,
    script:
        "../../scripts/evoaug2023/figS7.py"


rule evoaug_tableS2:
    input:
        **tables2_inputs(),
    output:
        f"{EVOAUG_DIR}/tableS2_compute_cost.csv",
    log:
        "logs/evoaug2023/tableS2.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        jobs=TABLES2_JOBS,
    script:
        "../../scripts/evoaug2023/tableS2.py"


rule evoaug_figS1_S5:
    input:
        sweeps=sweep_paths(),
        reference=evoaug_paths(SWEEP_REFERENCE_RECORDS, "_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/figS1_S5_sweeps.pdf",
            caption="../report/figS1_S5_sweeps.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/figS1_S5_sweeps.csv",
    log:
        "logs/evoaug2023/figS1_S5.log",
    conda:
        "../../envs/plotting.yaml"
    params:
        records=SWEEP_RECORDS,
        reference_records=SWEEP_REFERENCE_RECORDS,
    script:
        "../../scripts/evoaug2023/figS1_S5.py"
