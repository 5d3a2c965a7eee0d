# EvoAug (Lee et al. 2023): data, training, performance figures. Settings, config cross-checks,
# the experiment grid and input functions: genomic_dl.evoaug2023.plan (this file only declares rules).

import genomic_dl.evoaug2023.plan as evoaug_plan
from genomic_dl.evoaug2023.plan import EvoAugPlan

evoaug = EvoAugPlan(CORE)
evoaug_paths = evoaug.paths
EVOAUG_DIR = evoaug_paths.dir
EVOAUG = evoaug.settings


rule evoaug_download:
    output:
        "resources/evoaug2023/{filename}",
    log:
        f"{LOGS}/evoaug2023/download/{{filename}}.log",
    wildcard_constraints:
        filename=evoaug.download_names,
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("evoaug_download"),
        runtime=RES.runtime("evoaug_download"),
    params:
        file=evoaug.download_spec,
    script:
        "../../scripts/core/download_file.py"


rule evoaug_data:
    input:
        evoaug.data_input,
    output:
        evoaug_paths.data("{dataset}"),
    log:
        f"{LOGS}/evoaug2023/data/{{dataset}}.log",
    wildcard_constraints:
        dataset=evoaug_plan.DATASET_RE,
    conda:
        "../../envs/evoaug.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_data"),
        runtime=RES.runtime("evoaug_data"),
    params:
        source=evoaug.data["source"],
        options=evoaug.synthetic_options,
        split=evoaug.data["synthetic"]["split"],
        seed=lambda w: job_seed("evoaug_data", w.dataset),
    script:
        "../../scripts/evoaug2023/data.py"


# Five training rules, one script: the main grid (standard; augmented = pretrained + finetuned),
# the downsampled training sets of Fig 2c and the hyperparameter sweeps of Figs S1-S5. They differ
# in their output directory, stages and params (genomic_dl.evoaug2023.plan.EvoAugPlan.train_params).
rule evoaug_train_standard:
    input:
        evoaug_paths.data("{dataset}"),
    output:
        **evoaug_plan.stage_outputs(
            evoaug_paths.run_dir("{dataset}", "standard", "{seed}"), ["standard"]
        ),
    log:
        f"{LOGS}/evoaug2023/models/{{dataset}}/standard/seed{{seed}}.log",
    benchmark:
        evoaug_paths.benchmark(evoaug_paths.run_dir("{dataset}", "standard", "{seed}"))
    wildcard_constraints:
        dataset=evoaug_plan.DATASET_RE,
    conda:
        "../../envs/evoaug.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("evoaug_train_standard"),
        runtime=RES.runtime("evoaug_train_standard"),
    params:
        **evoaug.train_params("train", "standard"),
    script:
        "../../scripts/evoaug2023/train.py"


use rule evoaug_train_standard as evoaug_train_augmented with:
    output:
        **evoaug_plan.stage_outputs(
            evoaug_paths.run_dir("{dataset}", "{setting}", "{seed}"),
            evoaug_plan.AUGMENTED_STAGES,
        ),
    log:
        f"{LOGS}/evoaug2023/models/{{dataset}}/{{setting}}/seed{{seed}}.log",
    benchmark:
        evoaug_paths.benchmark(evoaug_paths.run_dir("{dataset}", "{setting}", "{seed}"))
    wildcard_constraints:
        dataset=evoaug_plan.DATASET_RE,
        setting=evoaug.augmented_re,
    resources:
        mem_mb=RES.mem("evoaug_train_augmented"),
        runtime=RES.runtime("evoaug_train_augmented"),
    params:
        **evoaug.train_params("train"),


use rule evoaug_train_standard as evoaug_downsample_standard with:
    output:
        **evoaug_plan.stage_outputs(
            evoaug_paths.downsample_dir("{dataset}", "{size}", "standard", "{seed}"),
            ["standard"],
        ),
    log:
        f"{LOGS}/evoaug2023/downsampling/{{dataset}}/n{{size}}/standard/seed{{seed}}.log",
    benchmark:
        evoaug_paths.benchmark(
            evoaug_paths.downsample_dir("{dataset}", "{size}", "standard", "{seed}")
        )
    wildcard_constraints:
        dataset=evoaug_plan.DATASET_RE,
        size=r"\d+",
    resources:
        mem_mb=RES.mem("evoaug_downsample_standard"),
        runtime=RES.runtime("evoaug_downsample_standard"),
    params:
        **evoaug.train_params("downsample", "standard"),


use rule evoaug_train_standard as evoaug_downsample_augmented with:
    output:
        **evoaug_plan.stage_outputs(
            evoaug_paths.downsample_dir("{dataset}", "{size}", "{setting}", "{seed}"),
            evoaug_plan.AUGMENTED_STAGES,
        ),
    log:
        f"{LOGS}/evoaug2023/downsampling/{{dataset}}/n{{size}}/{{setting}}/seed{{seed}}.log",
    benchmark:
        evoaug_paths.benchmark(
            evoaug_paths.downsample_dir("{dataset}", "{size}", "{setting}", "{seed}")
        )
    wildcard_constraints:
        dataset=evoaug_plan.DATASET_RE,
        setting=evoaug.augmented_re,
        size=r"\d+",
    resources:
        mem_mb=RES.mem("evoaug_downsample_augmented"),
        runtime=RES.runtime("evoaug_downsample_augmented"),
    params:
        **evoaug.train_params("downsample"),


use rule evoaug_train_standard as evoaug_sweep with:
    output:
        **evoaug_plan.stage_outputs(
            evoaug_paths.sweep_dir("{dataset}", "{point}", "{seed}"),
            evoaug_plan.AUGMENTED_STAGES,
        ),
    log:
        f"{LOGS}/evoaug2023/sweeps/{{dataset}}/{{point}}/seed{{seed}}.log",
    benchmark:
        evoaug_paths.benchmark(evoaug_paths.sweep_dir("{dataset}", "{point}", "{seed}"))
    wildcard_constraints:
        dataset=evoaug_plan.DATASET_RE,
        point=evoaug_plan.POINT_RE,
    resources:
        mem_mb=RES.mem("evoaug_sweep"),
        runtime=RES.runtime("evoaug_sweep"),
    params:
        **evoaug.train_params("sweep"),


rule evoaug_fig1b:
    input:
        evoaug_paths.paths(evoaug.records["basset"], "_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig1b_basset_aupr.pdf",
            caption="../report/fig1b_basset_aupr.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig1b_basset_aupr.csv",
    log:
        f"{LOGS}/evoaug2023/fig1b.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("evoaug_fig1b"),
        runtime=RES.runtime("evoaug_fig1b"),
    params:
        records=evoaug.records["basset"],
        singles=EVOAUG["settings"]["basset"]["singles"],
    script:
        "../../scripts/evoaug2023/fig1b.py"


rule evoaug_fig2a:
    input:
        evoaug_paths.paths(evoaug.records["deepstarr"], "_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig2a_deepstarr_pearson.pdf",
            caption="../report/fig2a_deepstarr_pearson.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig2a_deepstarr_pearson.csv",
    log:
        f"{LOGS}/evoaug2023/fig2a.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("evoaug_fig2a"),
        runtime=RES.runtime("evoaug_fig2a"),
    params:
        records=evoaug.records["deepstarr"],
        singles=EVOAUG["settings"]["deepstarr"]["singles"],
    script:
        "../../scripts/evoaug2023/fig2a.py"


rule evoaug_fig2b:
    input:
        evoaug_paths.paths(evoaug.records["chip"], "_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig2b_chip_auroc.pdf",
            caption="../report/fig2b_chip_auroc.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig2b_chip_auroc.csv",
    log:
        f"{LOGS}/evoaug2023/fig2b.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("evoaug_fig2b"),
        runtime=RES.runtime("evoaug_fig2b"),
    params:
        records=evoaug.records["chip"],
    script:
        "../../scripts/evoaug2023/fig2b.py"


rule evoaug_fig2c:
    input:
        evoaug.fig2c_paths("_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig2c_downsampling.pdf",
            caption="../report/fig2c_downsampling.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig2c_downsampling.csv",
    log:
        f"{LOGS}/evoaug2023/fig2c.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("evoaug_fig2c"),
        runtime=RES.runtime("evoaug_fig2c"),
    params:
        records=evoaug.fig2c_records,
    script:
        "../../scripts/evoaug2023/fig2c.py"


rule evoaug_figS7:
    input:
        evoaug_paths.paths(evoaug.figS7_records, "_history.csv"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/figS7_training_curves.pdf",
            caption="../report/figS7_training_curves.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/figS7_training_curves.csv",
    log:
        f"{LOGS}/evoaug2023/figS7.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("evoaug_figS7"),
        runtime=RES.runtime("evoaug_figS7"),
    params:
        records=evoaug.figS7_records,
    script:
        "../../scripts/evoaug2023/figS7.py"


rule evoaug_tableS2:
    input:
        **evoaug.tableS2_inputs(),
    output:
        f"{EVOAUG_DIR}/tableS2_compute_cost.csv",
    log:
        f"{LOGS}/evoaug2023/tableS2.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("evoaug_tableS2"),
        runtime=RES.runtime("evoaug_tableS2"),
    params:
        jobs=evoaug.tableS2_jobs,
    script:
        "../../scripts/evoaug2023/tableS2.py"


rule evoaug_figS1_S5:
    input:
        sweeps=evoaug.sweep_paths(),
        reference=evoaug_paths.paths(evoaug.sweep_reference_records, "_evaluation.json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/figS1_S5_sweeps.pdf",
            caption="../report/figS1_S5_sweeps.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/figS1_S5_sweeps.csv",
    log:
        f"{LOGS}/evoaug2023/figS1_S5.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("evoaug_figS1_S5"),
        runtime=RES.runtime("evoaug_figS1_S5"),
    params:
        records=evoaug.sweep_records,
        reference_records=evoaug.sweep_reference_records,
    script:
        "../../scripts/evoaug2023/figS1_S5.py"
