# EvoAug (Lee et al. 2023): settings, config cross-checks and input functions.
# Contract with the interpretation part: data results/evoaug2023/data/{dataset}.h5, models
# results/evoaug2023/models/{dataset}/{setting}/seed{seed}/{stage}.pt (+ {stage}_evaluation.json).

import re

from genomic_dl.evoaug2023.experiment import resolve_setting
from genomic_dl.evoaug2023.grid import KINDS, dataset_kind, stages_of

EVOAUG = config["evoaug"]
EVOAUG_DIR = "results/evoaug2023"
EVOAUG_SEEDS = EVOAUG["seeds"]
EVOAUG_DATA = EVOAUG["data"]
EVOAUG_DATASETS = ["basset", "deepstarr", *(f"chip_{tf}" for tf in EVOAUG["chip_tfs"])]
EVOAUG_AUGMENTED_STAGES = ["pretrained", "finetuned"]


def evoaug_settings(dataset):
    """Settings trained on a dataset: standard, each augmentation alone, the combinations."""
    kind_settings = EVOAUG["settings"][dataset_kind(dataset)]
    return ["standard", *kind_settings["singles"], *kind_settings["combinations"]]


def evoaug_stages(setting):
    return list(stages_of(setting))


def evoaug_resolved(dataset, setting, override=None):
    """Augmentations and augmenter options of a setting (see genomic_dl.evoaug2023.experiment)."""
    kind = dataset_kind(dataset)
    return resolve_setting(
        setting,
        EVOAUG["settings"][kind],
        EVOAUG["augmentations"][kind],
        override=override,
    )


# ---- config cross-checks (stop at parse time, naming the key)
for _kind in KINDS:
    if "evoaug" not in EVOAUG["settings"][_kind]["combinations"]:
        config_error(
            f"evoaug.settings.{_kind}.combinations",
            "needs the paper's combination under the name 'evoaug'",
        )
    for _setting in evoaug_settings("chip_X" if _kind == "chip" else _kind)[1:]:
        try:
            evoaug_resolved("chip_X" if _kind == "chip" else _kind, _setting)
        except (ValueError, TypeError) as error:
            config_error(f"evoaug.settings.{_kind}", f"setting '{_setting}': {error}")
    if _kind != "chip" and (
        set(EVOAUG["settings"][_kind]["singles"])
        & set(EVOAUG["settings"][_kind]["combinations"])
    ):
        config_error(
            f"evoaug.settings.{_kind}.combinations",
            "a combination must not be named after an augmentation",
        )
_split = EVOAUG_DATA["synthetic"]["split"]
if abs(sum(_split) - 1) > 1e-6:
    config_error(
        "evoaug.data.synthetic.split", f"fractions must sum to 1, got {sum(_split)}"
    )
if EVOAUG_DATA["source"] == "synthetic":
    for _kind in KINDS:
        _length = EVOAUG_DATA["synthetic"][_kind]["length"]
        for _name, _params in EVOAUG["augmentations"][_kind].items():
            for _key, _value in _params.items():
                if _key.endswith("_max") and _key != "shift_max" and _value > _length:
                    config_error(
                        f"evoaug.augmentations.{_kind}.{_name}.{_key}",
                        f"{_value} exceeds the sequence length {_length} of evoaug.data.synthetic.{_kind}",
                    )
else:
    _missing = sorted(set(EVOAUG_DATASETS) - set(EVOAUG_DATA["zenodo"]["files"]))
    if _missing:
        config_error("evoaug.data.zenodo.files", f"no file for dataset(s) {_missing}")


def evoaug_n_train(dataset):
    """Training-split size of a synthetic dataset (None for downloaded data: unknown here)."""
    if EVOAUG_DATA["source"] != "synthetic":
        return None
    options = EVOAUG_DATA["synthetic"][dataset_kind(dataset)]
    return int(round(_split[0] * options["n_sequences"]))


FIG2C = EVOAUG["fig2c"]
FIG2C_TRAINING = {**EVOAUG["training"], "max_epochs": FIG2C["max_epochs"]}
for _dataset in FIG2C["datasets"]:
    if _dataset not in EVOAUG_DATASETS:
        config_error(
            "evoaug.fig2c.datasets",
            f"'{_dataset}' is not one of the datasets {EVOAUG_DATASETS} (evoaug.chip_tfs)",
        )
    if FIG2C["setting"] not in evoaug_settings(_dataset)[1:]:
        config_error(
            "evoaug.fig2c.setting",
            f"'{FIG2C['setting']}' is not an augmented setting of {_dataset}",
        )
    _n_train = evoaug_n_train(_dataset)
    if _n_train is not None and max(FIG2C["train_sizes"]) > _n_train:
        config_error(
            "evoaug.fig2c.train_sizes",
            f"{max(FIG2C['train_sizes'])} exceeds the {_n_train} training sequences of {_dataset}",
        )
FIGS7 = EVOAUG["figS7"]
for _dataset in FIGS7["datasets"]:
    if _dataset not in EVOAUG_DATASETS:
        config_error(
            "evoaug.figS7.datasets",
            f"'{_dataset}' is not one of the datasets {EVOAUG_DATASETS}",
        )
    if FIGS7["setting"] not in evoaug_settings(_dataset)[1:]:
        config_error(
            "evoaug.figS7.setting",
            f"'{FIGS7['setting']}' is not an augmented setting of {_dataset}",
        )


# ---- paths
def evoaug_data(dataset):
    return f"{EVOAUG_DIR}/data/{dataset}.h5"


def evoaug_run_dir(dataset, setting, seed):
    return f"{EVOAUG_DIR}/models/{dataset}/{setting}/seed{seed}"


def evoaug_downsample_dir(dataset, size, setting, seed):
    return f"{EVOAUG_DIR}/downsampling/{dataset}/n{size}/{setting}/seed{seed}"


def evoaug_sweep_dir(dataset, point, seed):
    return f"{EVOAUG_DIR}/sweeps/{dataset}/{point}/seed{seed}"


def evoaug_benchmark(run_dir):
    """Snakemake benchmark file of the training job writing run_dir."""
    return run_dir.replace(f"{EVOAUG_DIR}/", f"{EVOAUG_DIR}/benchmarks/", 1) + ".tsv"


def evoaug_stage_outputs(run_dir, stages):
    """Named outputs of a training rule: <stage>_model, <stage>_history, <stage>_evaluation."""
    outputs = {}
    for stage in stages:
        outputs[f"{stage}_model"] = f"{run_dir}/{stage}.pt"
        outputs[f"{stage}_history"] = f"{run_dir}/{stage}_history.csv"
        outputs[f"{stage}_evaluation"] = f"{run_dir}/{stage}_evaluation.json"
    return outputs


def evoaug_data_input(w):
    """Downloaded file behind a dataset (paper preset); nothing for synthetic data."""
    if EVOAUG_DATA["source"] != "zenodo":
        return []
    return f"resources/evoaug2023/{EVOAUG_DATA['zenodo']['files'][w.dataset]['name']}"


def evoaug_download_spec(w):
    """{url, md5, size} of a Zenodo file named by the {filename} wildcard."""
    zenodo = EVOAUG_DATA["zenodo"]
    entry = next(e for e in zenodo["files"].values() if e["name"] == w.filename)
    return {
        "url": zenodo["url"].format(name=entry["name"]),
        "md5": entry["md5"],
        "size": entry.get("size"),
    }


EVOAUG_DOWNLOAD_NAMES = "|".join(
    re.escape(entry["name"]) for entry in EVOAUG_DATA["zenodo"]["files"].values()
)


# ---- the experiment grid (records feed the figure rules: one input per record, same order)
def evoaug_grid(datasets, seeds=None):
    """One record per trained stage: dataset, setting, stage, seed."""
    return [
        {"dataset": dataset, "setting": setting, "stage": stage, "seed": seed}
        for dataset in datasets
        for setting in evoaug_settings(dataset)
        for stage in evoaug_stages(setting)
        for seed in (EVOAUG_SEEDS if seeds is None else seeds)
    ]


def evoaug_paths(records, suffix):
    """Files of records: suffix "_evaluation.json", "_history.csv" or ".pt"."""
    return [
        f"{evoaug_run_dir(r['dataset'], r['setting'], r['seed'])}/{r['stage']}{suffix}"
        for r in records
    ]


EVOAUG_CHIP = [f"chip_{tf}" for tf in EVOAUG["chip_tfs"]]
EVOAUG_RECORDS = {
    "basset": evoaug_grid(["basset"]),
    "deepstarr": evoaug_grid(["deepstarr"]),
    "chip": evoaug_grid(EVOAUG_CHIP),
}

FIG2C_RECORDS = [
    {
        "dataset": dataset,
        "n_train": size,
        "setting": setting,
        "stage": stage,
        "seed": seed,
    }
    for dataset in FIG2C["datasets"]
    for size in FIG2C["train_sizes"]
    for setting in ("standard", FIG2C["setting"])
    for stage in evoaug_stages(setting)
    for seed in EVOAUG_SEEDS
]


def fig2c_paths(suffix):
    return [
        f"{evoaug_downsample_dir(r['dataset'], r['n_train'], r['setting'], r['seed'])}/{r['stage']}{suffix}"
        for r in FIG2C_RECORDS
    ]


FIGS7_RECORDS = [
    record
    for record in evoaug_grid(FIGS7["datasets"])
    if record["setting"] in ("standard", FIGS7["setting"])
]

# Table S2: one row per training job of the main grid (benchmark + histories of its stages).
TABLES2_JOBS = [
    {"dataset": dataset, "setting": setting, "seed": seed}
    for dataset in EVOAUG_DATASETS
    for setting in evoaug_settings(dataset)
    for seed in EVOAUG_SEEDS
]


def tables2_inputs():
    benchmarks, histories = [], []
    for job in TABLES2_JOBS:
        run_dir = evoaug_run_dir(job["dataset"], job["setting"], job["seed"])
        benchmarks.append(evoaug_benchmark(run_dir))
        histories += [
            f"{run_dir}/{stage}_history.csv" for stage in evoaug_stages(job["setting"])
        ]
    return {"benchmarks": benchmarks, "histories": histories}


# ---- hyperparameter sweeps (Figs S1-S5): points named <augmentation>-<parameter>-<value>
def _sweep_value(value):
    return f"{value:g}"


SWEEP_POINTS = {}
for _dataset, _sweep in EVOAUG["sweeps"]["datasets"].items():
    _points = {}
    for _augmentation, _parameters in (_sweep.get("points") or {}).items():
        for _parameter, _values in _parameters.items():
            for _value in _values:
                _point = {
                    "augmentation": _augmentation,
                    "parameter": _parameter,
                    "value": _value,
                    "setting": _augmentation,
                    "override": {"parameters": {_parameter: _value}},
                }
                _points[f"{_augmentation}-{_parameter}-{_sweep_value(_value)}"] = _point
    for _k in _sweep.get("max_augs_per_seq") or []:
        _points[f"evoaug-max_augs_per_seq-{_k}"] = {
            "augmentation": "evoaug",
            "parameter": "max_augs_per_seq",
            "value": _k,
            "setting": "evoaug",
            "override": {"max_augs_per_seq": _k},
        }
    if not _points:
        config_error(f"evoaug.sweeps.datasets.{_dataset}", "no sweep points")
    SWEEP_POINTS[_dataset] = _points


def sweep_resolved(dataset, point):
    """Resolved setting of a sweep point (an augmentation alone, or evoaug with another k)."""
    spec = SWEEP_POINTS[dataset][point]
    kind = dataset_kind(dataset)
    settings = dict(EVOAUG["settings"][kind])
    if spec["setting"] != "evoaug":
        settings["singles"] = [spec["setting"]]
    return resolve_setting(
        spec["setting"],
        settings,
        EVOAUG["augmentations"][kind],
        override=spec["override"],
    )


for _dataset, _points in SWEEP_POINTS.items():
    for _point in _points:
        try:
            sweep_resolved(_dataset, _point)
        except (ValueError, TypeError) as error:
            config_error(f"evoaug.sweeps.datasets.{_dataset}", f"{_point}: {error}")

SWEEP_RECORDS = [
    {
        "dataset": dataset,
        "point": point,
        **{key: spec[key] for key in ("augmentation", "parameter", "value")},
        "stage": stage,
        "seed": seed,
    }
    for dataset, points in SWEEP_POINTS.items()
    for point, spec in points.items()
    for stage in EVOAUG_AUGMENTED_STAGES
    for seed in EVOAUG["sweeps"]["seeds"]
]
SWEEP_REFERENCE_RECORDS = [
    {"dataset": dataset, "setting": "standard", "stage": "standard", "seed": seed}
    for dataset in SWEEP_POINTS
    for seed in EVOAUG_SEEDS
]


def sweep_paths():
    return [
        f"{evoaug_sweep_dir(r['dataset'], r['point'], r['seed'])}/{r['stage']}_evaluation.json"
        for r in SWEEP_RECORDS
    ]


# Per-rule wildcard constraints (the interpretation part names wildcards alike).
EVOAUG_DATASET_RE = r"basset|deepstarr|chip_[A-Za-z0-9]+"
EVOAUG_AUGMENTED_RE = "|".join(
    sorted(
        {
            setting
            for kind in KINDS
            for setting in evoaug_settings("chip_X" if kind == "chip" else kind)[1:]
        }
    )
)
EVOAUG_POINT_RE = r"[a-z_]+-[a-z_]+-[0-9.e+-]+"
