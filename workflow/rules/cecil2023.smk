# Cecil & Sugden (2023): figures and tables. Settings, config cross-checks, row specs and input
# functions: genomic_dl.cecil2023.plan (this file only declares rules).

import genomic_dl.cecil2023.plan as cecil_plan
from genomic_dl.cecil2023.plan import CNNS as CECIL_CNNS
from genomic_dl.cecil2023.plan import CecilPlan

cecil = CecilPlan(CORE)
CECIL_DIR = cecil.dir
CECIL = cecil.settings
CECIL_IMAGES = f"{CECIL_DIR}/data/{{dataset}}/{{width}}/{{sorting}}/images.npz"
CECIL_WILDCARDS = {
    "dataset": cecil.dataset_pattern,
    "width": cecil_plan.WIDTH_PATTERN,
    "sorting": cecil_plan.SORTING_PATTERN,
}


rule cecil2023_figF_sfs:
    input:
        unpack(cecil.figF_inputs),
    output:
        pdf=report(
            f"{CECIL_DIR}/figF_sfs.pdf",
            caption="../report/figF_sfs.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/figF_sfs.csv",
    log:
        f"{LOGS}/cecil2023/figF_sfs.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("cecil2023_figF_sfs"),
        runtime=RES.runtime("cecil2023_figF_sfs"),
    params:
        populations=CECIL["figF_sfs"]["populations"],
        region=cecil.figF_region_label(),
    script:
        "../../scripts/cecil2023/figF_sfs.py"


rule cecil2023_images:
    input:
        unpack(cecil.dataset_shards),
    output:
        CECIL_IMAGES,
    log:
        f"{LOGS}/cecil2023/data/{{dataset}}/{{width}}/{{sorting}}/images.log",
    wildcard_constraints:
        **CECIL_WILDCARDS,
    conda:
        "../../envs/cecil.yaml"
    threads: config["preprocessing_threads"]
    resources:
        mem_mb=RES.mem("cecil2023_images"),
        runtime=RES.runtime("cecil2023_images"),
    params:
        dataset=lambda w: cecil.datasets[w.dataset],
        preprocessing=lambda w: cecil.preprocessing(w.dataset),
        split=CECIL["split"],
        split_seed=cecil.split_seed,
    script:
        "../../scripts/cecil2023/images.py"


rule cecil2023_epoch_images:
    input:
        unpack(cecil.epoch_shards),
        images=CECIL_IMAGES,
    output:
        f"{CECIL_DIR}/data/{{dataset}}/{{width}}/{{sorting}}/epoch{{epoch}}.npz",
    log:
        f"{LOGS}/cecil2023/data/{{dataset}}/{{width}}/{{sorting}}/epoch{{epoch}}.log",
    wildcard_constraints:
        **CECIL_WILDCARDS,
        epoch=r"\d+",
    conda:
        "../../envs/cecil.yaml"
    threads: config["preprocessing_threads"]
    resources:
        mem_mb=RES.mem("cecil2023_epoch_images"),
        runtime=RES.runtime("cecil2023_epoch_images"),
    params:
        dataset=lambda w: cecil.datasets[w.dataset],
        preprocessing=lambda w: cecil.preprocessing(w.dataset),
    script:
        "../../scripts/cecil2023/epoch_images.py"


rule cecil2023_statistics:
    input:
        unpack(cecil.dataset_shards),
    output:
        scores=f"{CECIL_DIR}/statistics/{{dataset}}/scores.csv",
        classifiers=f"{CECIL_DIR}/statistics/{{dataset}}/classifiers.json",
        ihs=f"{CECIL_DIR}/statistics/{{dataset}}/ihs_standardisation.json",
    log:
        f"{LOGS}/cecil2023/statistics/{{dataset}}.log",
    wildcard_constraints:
        dataset=cecil.dataset_pattern,
    conda:
        "../../envs/cecil.yaml"
    threads: config["preprocessing_threads"]
    resources:
        mem_mb=RES.mem("cecil2023_statistics"),
        runtime=RES.runtime("cecil2023_statistics"),
    params:
        dataset=lambda w: cecil.datasets[w.dataset],
        preprocessing=lambda w: cecil.preprocessing(w.dataset),
        statistics=CECIL["statistics"],
        split=CECIL["split"],
        split_seed=cecil.split_seed,
    script:
        "../../scripts/cecil2023/statistics.py"


# One training job per group of models on one prepared data set; the DeepSet and the complexity
# ladder differ from the CNN job only in their models (and the ladder in its fixed strategy).
rule cecil2023_train_cnns:
    input:
        unpack(cecil.train_inputs),
    output:
        **cecil.training_outputs(CECIL_CNNS),
    log:
        f"{LOGS}/cecil2023/models/{{dataset}}/{{width}}/{{sorting}}/cnns_{{training}}.log",
    wildcard_constraints:
        **CECIL_WILDCARDS,
        training=cecil_plan.TRAINING_PATTERN,
    conda:
        "../../envs/cecil.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("cecil2023_train_cnns"),
        runtime=RES.runtime("cecil2023_train_cnns"),
    params:
        names=CECIL_CNNS,
        seeds=cecil.train_seeds(CECIL_CNNS),
        models=CECIL["models"],
        training=CECIL["training"],
        strategy=lambda w: cecil_plan.strategy(w.training),
        n_train=lambda w: cecil_plan.n_train(w.training),
        subset_seed=cecil.subset_seed,
        device=config["device"],
    script:
        "../../scripts/cecil2023/train.py"


use rule cecil2023_train_cnns as cecil2023_train_deepset with:
    output:
        **cecil.training_outputs(["deepset"]),
    log:
        f"{LOGS}/cecil2023/models/{{dataset}}/{{width}}/{{sorting}}/deepset_{{training}}.log",
    resources:
        mem_mb=RES.mem("cecil2023_train_deepset"),
        runtime=RES.runtime("cecil2023_train_deepset"),
    params:
        names=["deepset"],
        seeds=cecil.train_seeds(["deepset"]),


use rule cecil2023_train_cnns as cecil2023_train_ladder with:
    input:
        images=CECIL_IMAGES,
    output:
        **cecil.training_outputs(cecil.ladder_trained, "fixed_epochs"),
    log:
        f"{LOGS}/cecil2023/models/{{dataset}}/{{width}}/{{sorting}}/ladder_fixed_epochs.log",
    wildcard_constraints:
        **CECIL_WILDCARDS,
    resources:
        mem_mb=RES.mem("cecil2023_train_ladder"),
        runtime=RES.runtime("cecil2023_train_ladder"),
    params:
        names=cecil.ladder_trained,
        seeds=cecil.train_seeds(cecil.ladder_trained, "fixed_epochs"),
        strategy="fixed_epochs",
        n_train=None,
        subset_seed=None,


rule cecil2023_interpret:
    input:
        models=cecil.model_outputs(CECIL_CNNS, "model.pt", "fixed_epochs"),
        images=CECIL_IMAGES,
    output:
        cecil.model_outputs(CECIL_CNNS, "interpretation.npz", "fixed_epochs"),
    log:
        f"{LOGS}/cecil2023/models/{{dataset}}/{{width}}/{{sorting}}/interpret.log",
    wildcard_constraints:
        **CECIL_WILDCARDS,
    conda:
        "../../envs/cecil.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("cecil2023_interpret"),
        runtime=RES.runtime("cecil2023_interpret"),
    params:
        names=CECIL_CNNS,
        settings=CECIL["interpretation"],
        device=config["device"],
        seed=lambda w: job_seed("cecil2023_interpret", w.dataset, w.width, w.sorting),
    script:
        "../../scripts/cecil2023/interpret.py"


rule cecil2023_table:
    input:
        cecil.table_inputs,
    output:
        csv=f"{CECIL_DIR}/{{table}}.csv",
        md=f"{CECIL_DIR}/{{table}}.md",
    log:
        f"{LOGS}/cecil2023/{{table}}.log",
    wildcard_constraints:
        table="|".join(cecil.tables),
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("cecil2023_table"),
        runtime=RES.runtime("cecil2023_table"),
    params:
        rows=lambda w: cecil.tables[w.table],
        title=lambda w: cecil_plan.TABLE_TITLES[w.table],
    script:
        "../../scripts/cecil2023/table.py"


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
        f"{LOGS}/cecil2023/fig1c.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("cecil2023_fig1c"),
        runtime=RES.runtime("cecil2023_fig1c"),
    params:
        datasets=CECIL["table1"]["datasets"],
    script:
        "../../scripts/cecil2023/fig1c.py"


rule cecil2023_fig2:
    input:
        mini_cnn=cecil.interpretation(CECIL["fig2"]["dataset"], "mini_cnn"),
        imagene=cecil.interpretation(CECIL["fig2"]["dataset"], "imagene"),
    output:
        pdf=report(
            f"{CECIL_DIR}/fig2_minicnn_weights_and_shap.pdf",
            caption="../report/fig2_minicnn_weights_and_shap.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/fig2_minicnn_weights_and_shap.csv",
    log:
        f"{LOGS}/cecil2023/fig2.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("cecil2023_fig2"),
        runtime=RES.runtime("cecil2023_fig2"),
    params:
        dataset=cecil.label(CECIL["fig2"]["dataset"]),
        classes=cecil.class_names(CECIL["fig2"]["dataset"]),
    script:
        "../../scripts/cecil2023/fig2.py"


rule cecil2023_fig3:
    input:
        cecil.spec_inputs(cecil.fig3),
    output:
        pdf=report(
            f"{CECIL_DIR}/fig3_correlation_with_statistics.pdf",
            caption="../report/fig3_correlation_with_statistics.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/fig3_correlation_with_statistics.csv",
    log:
        f"{LOGS}/cecil2023/fig3.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("cecil2023_fig3"),
        runtime=RES.runtime("cecil2023_fig3"),
    params:
        rows=cecil.fig3,
    script:
        "../../scripts/cecil2023/fig3.py"


rule cecil2023_fig4:
    input:
        specs=cecil.spec_inputs(cecil.fig4),
        images=f"{cecil.data_dir(cecil.fig4_example, 'zero_pad', 'rows')}/images.npz",
        mini_cnn=cecil.fig4_maps["mini_cnn"],
        imagene=cecil.fig4_maps["imagene"],
    output:
        pdf=report(
            f"{CECIL_DIR}/fig4_zero_padding.pdf",
            caption="../report/fig4_zero_padding.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/fig4_zero_padding.csv",
    log:
        f"{LOGS}/cecil2023/fig4.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("cecil2023_fig4"),
        runtime=RES.runtime("cecil2023_fig4"),
    params:
        rows=cecil.fig4,
        example=cecil.label(cecil.fig4_example),
    script:
        "../../scripts/cecil2023/fig4.py"


rule cecil2023_figP:
    input:
        cecil.spec_inputs(cecil.figP),
    output:
        pdf=report(
            f"{CECIL_DIR}/figP_sample_complexity.pdf",
            caption="../report/figP_sample_complexity.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/figP_sample_complexity.csv",
    log:
        f"{LOGS}/cecil2023/figP.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("cecil2023_figP"),
        runtime=RES.runtime("cecil2023_figP"),
    params:
        rows=cecil.figP,
    script:
        "../../scripts/cecil2023/figP.py"


rule cecil2023_figQR:
    input:
        cecil.spec_inputs(cecil.figQR),
    output:
        pdf=report(
            f"{CECIL_DIR}/figQR_training_strategies.pdf",
            caption="../report/figQR_training_strategies.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/figQR_training_strategies.csv",
    log:
        f"{LOGS}/cecil2023/figQR.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("cecil2023_figQR"),
        runtime=RES.runtime("cecil2023_figQR"),
    params:
        rows=cecil.figQR,
    script:
        "../../scripts/cecil2023/figQR.py"


rule cecil2023_figNO:
    input:
        specs=cecil.spec_inputs(cecil.figNO),
        maps=[path for maps in cecil.figNO_maps.values() for path in maps.values()],
    output:
        pdf=report(
            f"{CECIL_DIR}/figNO_hard_vs_soft.pdf",
            caption="../report/figNO_hard_vs_soft.rst",
            category="Cecil & Sugden 2023",
        ),
        csv=f"{CECIL_DIR}/figNO_hard_vs_soft.csv",
    log:
        f"{LOGS}/cecil2023/figNO.log",
    conda:
        "../../envs/plotting.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("cecil2023_figNO"),
        runtime=RES.runtime("cecil2023_figNO"),
    params:
        rows=cecil.figNO,
        maps=cecil.figNO_maps,
        classes={
            dataset: cecil.class_names(dataset)
            for dataset in CECIL["figNO"]["datasets"]
        },
    script:
        "../../scripts/cecil2023/figNO.py"
