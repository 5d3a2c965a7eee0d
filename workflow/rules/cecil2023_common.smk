# Cecil & Sugden (2023): settings, config cross-checks and input functions shared by the
# rule files of this paper.

from genomic_dl.cecil2023.statistics import STATISTIC_LABELS
from genomic_dl.cecil2023.tables import spec_paths
from genomic_dl.cecil2023.training import (
    MODEL_LABELS,
    STRATEGIES as CECIL_STRATEGIES,
    model_kwargs as cecil_model_kwargs,
)
from genomic_dl.cecil2023.models import complexity_ladder
from genomic_dl.cecil2023.widths import WIDTH_METHODS as CECIL_WIDTHS

CECIL = config["cecil2023"]
CECIL_DIR = "results/cecil2023"
CECIL_DATASETS = CECIL["datasets"]

for _key in ("three_population_scenario", "single_population_scenario"):
    if CECIL["figF_sfs"][_key] not in SCENARIOS:
        config_error(
            f"cecil2023.figF_sfs.{_key}",
            f"'{CECIL['figF_sfs'][_key]}' is not one of simulation.scenarios {sorted(SCENARIOS)}",
        )

for _name, _dataset in CECIL_DATASETS.items():
    for _index, _class in enumerate(_dataset["classes"]):
        _where = f"cecil2023.datasets.{_name}.classes[{_index}].scenario"
        if _class["scenario"] not in SCENARIOS:
            config_error(
                _where,
                f"'{_class['scenario']}' is not one of simulation.scenarios {sorted(SCENARIOS)}",
            )
        _model = SCENARIOS[_class["scenario"]]["model"]
        if (_model == "gravel2011") != (_dataset["population"] is not None):
            config_error(
                f"cecil2023.datasets.{_name}.population",
                f"scenario '{_class['scenario']}' (model {_model}) needs "
                + (
                    "a focal population (YRI, CEU or CHB)"
                    if _model == "gravel2011"
                    else "population: null"
                ),
            )
        if _class["S"] > 0 and "selection" not in SCENARIOS[_class["scenario"]]:
            config_error(
                f"cecil2023.datasets.{_name}.classes[{_index}].S",
                f"scenario '{_class['scenario']}' has no selection; use S: 0",
            )

# The ladder steps that are the same network as a Table 1 model are trained once.
_SHAPE = CECIL["preprocessing"]["resize"]
CECIL_LADDER = complexity_ladder(_SHAPE)
CECIL_LADDER_REUSE = {
    f"ladder{_step:02d}": _model
    for _step in range(1, len(CECIL_LADDER) + 1)
    for _model in MODEL_LABELS
    if cecil_model_kwargs(f"ladder{_step:02d}", _SHAPE, CECIL["models"])
    == cecil_model_kwargs(_model, _SHAPE, CECIL["models"])
}

# Training jobs: Imagene and mini-CNN together (mini-CNN costs seconds), DeepSet alone, and the
# ladder steps that are not one of these models together; every model keeps its own seed
# and output files, so the grouping changes no result.
CECIL_CNNS = ["imagene", "mini_cnn"]
CECIL_LADDER_TRAINED = [
    f"ladder{_step:02d}"
    for _step in range(1, len(CECIL_LADDER) + 1)
    if f"ladder{_step:02d}" not in CECIL_LADDER_REUSE
]

# wildcard patterns of the rules of this part
CECIL_DATASET_PATTERN = "|".join(CECIL_DATASETS)
CECIL_WIDTH_PATTERN = "|".join(CECIL_WIDTHS)
CECIL_SORTING_PATTERN = "rows|none"
CECIL_TRAINING_PATTERN = "|".join(CECIL_STRATEGIES) + r"|n\d+"


def cecil_scenarios(dataset):
    return [c["scenario"] for c in CECIL_DATASETS[dataset]["classes"]]


def cecil_runs(dataset):
    """Whether a data set is built in this run (sweeps under the Gravel model need SLiM)."""
    return SLIM_AVAILABLE or not needs_slim(cecil_scenarios(dataset))


def cecil_check_datasets(key, names, runnable=False, neutral=False):
    """config_error unless every name is a data set (that runs / whose class 0 is neutral)."""
    for name in names:
        if name not in CECIL_DATASETS:
            config_error(
                key,
                f"'{name}' is not one of cecil2023.datasets {sorted(CECIL_DATASETS)}",
            )
        if runnable and not cecil_runs(name):
            config_error(
                key, f"data set '{name}' needs SLiM, which this run skips ({SLIM_NOTE})"
            )
        if neutral and CECIL_DATASETS[name]["classes"][0]["S"] != 0:
            config_error(
                key,
                f"data set '{name}': its class 0 must be neutral (S: 0) for the statistics",
            )


cecil_check_datasets(
    "cecil2023.table1.datasets", CECIL["table1"]["datasets"], neutral=True
)
cecil_check_datasets(
    "cecil2023.tableC.datasets", CECIL["tableC"]["datasets"], neutral=True
)
cecil_check_datasets(
    "cecil2023.complexity.dataset", [CECIL["complexity"]["dataset"]], True
)
cecil_check_datasets(
    "cecil2023.fig2.dataset", [CECIL["fig2"]["dataset"]], runnable=True
)
cecil_check_datasets("cecil2023.fig3.datasets", CECIL["fig3"]["datasets"], neutral=True)
cecil_check_datasets("cecil2023.fig4.datasets", CECIL["fig4"]["datasets"], neutral=True)
cecil_check_datasets(
    "cecil2023.figP.dataset", [CECIL["figP"]["dataset"]], runnable=True
)
cecil_check_datasets("cecil2023.figQR.datasets", CECIL["figQR"]["datasets"])
cecil_check_datasets("cecil2023.figNO.datasets", CECIL["figNO"]["datasets"])
if not any(cecil_runs(name) for name in CECIL["fig4"]["datasets"]):
    config_error(
        "cecil2023.fig4.datasets", f"no data set runs without SLiM ({SLIM_NOTE})"
    )
if abs(sum(CECIL["split"]) - 1.0) > 1e-9:
    config_error("cecil2023.split", f"fractions must sum to 1, got {CECIL['split']}")
for _method in CECIL["fig3"]["methods"]:
    if _method in STATISTIC_LABELS and _method not in CECIL["statistics"]:
        config_error(
            "cecil2023.fig3.methods", f"'{_method}' is not in cecil2023.statistics"
        )
for _statistic in CECIL["table1"]["statistics"]:
    if _statistic not in CECIL["statistics"]:
        config_error(
            "cecil2023.table1.statistics",
            f"'{_statistic}' is not in cecil2023.statistics",
        )
for _statistic in ("segregating_sites", "h1"):
    if _statistic not in CECIL["statistics"]:
        config_error("cecil2023.statistics", f"Fig 4 needs '{_statistic}'")
_figP = CECIL_DATASETS[CECIL["figP"]["dataset"]]
_per_class = _figP["shards"] * config["simulation"]["replicates_per_shard"]
_train_per_class = int(CECIL["split"][0] * _per_class)
for _size in CECIL["figP"]["train_sizes"]:
    if _size - _size // 2 > _train_per_class:
        config_error(
            "cecil2023.figP.train_sizes",
            f"{_size} regions need {_size - _size // 2} per class, but the training split of "
            f"'{CECIL['figP']['dataset']}' has {_train_per_class} per class",
        )


# ------------------------------------------------------------------ paths and input functions


def cecil_data_dir(dataset, width, sorting):
    return f"{CECIL_DIR}/data/{dataset}/{width}/{sorting}"


def cecil_model_dir(dataset, width, sorting, model, training):
    return f"{CECIL_DIR}/models/{dataset}/{width}/{sorting}/{model}/{training}"


def cecil_statistics_dir(dataset):
    return f"{CECIL_DIR}/statistics/{dataset}"


def cecil_class_shards(dataset, first):
    """Shard paths of both classes: shards first ... first + shards - 1 of each."""
    spec = CECIL_DATASETS[dataset]
    return {
        f"class{label}": [
            simulation_shard(c["scenario"], c["S"], shard)
            for shard in range(first, first + spec["shards"])
        ]
        for label, c in enumerate(spec["classes"])
    }


def cecil_dataset_shards(w):
    return cecil_class_shards(w.dataset, 0)


def cecil_epoch_shards(w):
    """Fresh shards of training epoch {epoch} (simulation on the fly)."""
    shards = CECIL_DATASETS[w.dataset]["shards"]
    return cecil_class_shards(w.dataset, shards * (1 + int(w.epoch)))


def cecil_strategy(training):
    """Training strategy of a {training} wildcard (`n<size>`: fixed epochs on a subset)."""
    return training if training in CECIL_STRATEGIES else "fixed_epochs"


def cecil_train_inputs(w):
    data = cecil_data_dir(w.dataset, w.width, w.sorting)
    inputs = {"images": f"{data}/images.npz"}
    if w.training == "on_the_fly":
        inputs["epochs"] = [
            f"{data}/epoch{epoch}.npz" for epoch in range(CECIL["training"]["epochs"])
        ]
    return inputs


def cecil_model_outputs(models, name, training="{training}"):
    """Output files `name` of the models trained by one job (wildcards dataset, width, sorting)."""
    return [
        f"{CECIL_DIR}/models/{{dataset}}/{{width}}/{{sorting}}/{model}/{training}/{name}"
        for model in models
    ]


def cecil_train_seeds(models, training=None):
    """Per-model seeds of a training job (independent of how models are grouped into jobs)."""
    return lambda w: [
        job_seed(
            "cecil2023_train",
            w.dataset,
            w.width,
            w.sorting,
            model,
            training or w.training,
        )
        for model in models
    ]


def cecil_label(dataset):
    spec = CECIL_DATASETS[dataset]
    return {
        "dataset": dataset,
        "dataset_label": spec["label"],
        "population": spec["population"] or "single population",
        "s": spec["s"],
    }


def cecil_model_spec(
    dataset, model, width="resize", sorting="rows", training="fixed_epochs", **extra
):
    """Row spec of a trained model (genomic_dl.cecil2023.tables)."""
    spec = {
        **cecil_label(dataset),
        "method": model,
        "method_label": MODEL_LABELS.get(model, model),
        "kind": "model",
        "width": width,
        "sorting": sorting,
        "training": training,
        **extra,
    }
    if not cecil_runs(dataset):
        return {**spec, "note": SLIM_NOTE}
    trained = CECIL_LADDER_REUSE.get(model, model)
    path = cecil_model_dir(dataset, width, sorting, trained, training)
    return {
        **spec,
        "predictions": f"{path}/predictions.csv",
        "summary": f"{path}/summary.json",
    }


def cecil_statistic_spec(dataset, statistic, **extra):
    """Row spec of a summary-statistic classifier."""
    spec = {
        **cecil_label(dataset),
        "method": statistic,
        "method_label": STATISTIC_LABELS[statistic],
        "kind": "statistic",
        "width": "raw haplotypes",
        "sorting": "-",
        "training": "threshold",
        **extra,
    }
    if not cecil_runs(dataset):
        return {**spec, "note": SLIM_NOTE}
    path = cecil_statistics_dir(dataset)
    return {
        **spec,
        "scores": f"{path}/scores.csv",
        "classifiers": f"{path}/classifiers.json",
    }


def cecil_method_spec(dataset, method, **extra):
    if method in STATISTIC_LABELS:
        return cecil_statistic_spec(dataset, method, **extra)
    return cecil_model_spec(dataset, method, **extra)


def cecil_interpretation(dataset, model, width="resize", sorting="rows"):
    trained = CECIL_LADDER_REUSE.get(model, model)
    return f"{cecil_model_dir(dataset, width, sorting, trained, 'fixed_epochs')}/interpretation.npz"


def cecil_spec_inputs(specs):
    """Input files named by row specs and their references (genomic_dl.cecil2023.tables)."""
    return spec_paths(specs)


# ------------------------------------------------------------------ tables and figures

CECIL_LADDER_STEPS = range(1, len(CECIL_LADDER) + 1)


def cecil_ladder_spec(step, sorting, **extra):
    """Row spec of complexity-ladder step `step` (1-based) on the complexity data set."""
    return cecil_model_spec(
        CECIL["complexity"]["dataset"],
        f"ladder{step:02d}",
        sorting=sorting,
        step=step,
        architecture=CECIL_LADDER[step - 1].label,
        **extra,
    )


CECIL_TABLES = {
    "table1_accuracy": [
        cecil_method_spec(dataset, method)
        for dataset in CECIL["table1"]["datasets"]
        for method in [*CECIL["table1"]["models"], *CECIL["table1"]["statistics"]]
    ],
    "tableC_all_methods": [
        *[
            spec
            for dataset in CECIL["tableC"]["datasets"]
            for spec in [
                *[
                    cecil_model_spec(dataset, model, width=width)
                    for width in CECIL["tableC"]["widths"]
                    for model in CECIL["tableC"]["models"]
                ],
                *[cecil_statistic_spec(dataset, s) for s in CECIL["statistics"]],
            ]
        ]
    ],
    "tableA_complexity": [
        cecil_ladder_spec(step, "rows") for step in CECIL_LADDER_STEPS
    ],
    # Table B with the row-sorted accuracy of the same network (Table A) as a reference column
    "tableB_complexity_unsorted": [
        cecil_ladder_spec(
            step,
            "none",
            reference={**cecil_ladder_spec(step, "rows"), "label": "row-sorted images"},
        )
        for step in CECIL_LADDER_STEPS
    ],
}
CECIL_TABLE_TITLES = {
    "table1_accuracy": "Cecil & Sugden Table 1: test accuracy (95% CI), resized row-sorted images",
    "tableC_all_methods": "Cecil & Sugden Table C: every model and statistic by width standardisation",
    "tableA_complexity": "Cecil & Sugden Table A: from Imagene to one dense unit, row-sorted images",
    "tableB_complexity_unsorted": "Cecil & Sugden Table B: from Imagene to one dense unit, unsorted images",
}


def cecil_table_inputs(w):
    return cecil_spec_inputs(CECIL_TABLES[w.table])


CECIL_FIG3 = [
    cecil_method_spec(dataset, method)
    for dataset in CECIL["fig3"]["datasets"]
    for method in CECIL["fig3"]["methods"]
]
CECIL_FIG4_EXAMPLE = next(d for d in CECIL["fig4"]["datasets"] if cecil_runs(d))
CECIL_FIG4 = [
    *[
        cecil_model_spec(dataset, model, width=width)
        for dataset in CECIL["fig4"]["datasets"]
        for model in CECIL["fig4"]["models"]
        for width in ("zero_pad", "resize")
    ],
    *[
        cecil_statistic_spec(dataset, statistic)
        for dataset in CECIL["fig4"]["datasets"]
        for statistic in ("segregating_sites", "h1")
    ],
]
CECIL_FIG4_MAPS = {
    model: cecil_interpretation(CECIL_FIG4_EXAMPLE, model, width="zero_pad")
    for model in ("mini_cnn", "imagene")
}
CECIL_FIGP = [
    cecil_model_spec(CECIL["figP"]["dataset"], model, training=training)
    for model in CECIL["figP"]["models"]
    for training in [*(f"n{n}" for n in CECIL["figP"]["train_sizes"]), "fixed_epochs"]
]
CECIL_FIGQR = [
    cecil_model_spec(dataset, model, training=strategy)
    for dataset in CECIL["figQR"]["datasets"]
    for model in CECIL["figQR"]["models"]
    for strategy in CECIL["figQR"]["strategies"]
]
CECIL_FIGNO = [
    cecil_model_spec(dataset, model)
    for dataset in CECIL["figNO"]["datasets"]
    for model in CECIL["figNO"]["models"]
]
CECIL_FIGNO_MAPS = {
    dataset: {
        model: cecil_interpretation(dataset, model) for model in ("mini_cnn", "imagene")
    }
    for dataset in CECIL["figNO"]["datasets"]
    if cecil_runs(dataset)
}
