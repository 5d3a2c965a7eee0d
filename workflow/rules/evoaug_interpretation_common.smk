# EvoAug (Lee et al. 2023) interpretation: settings and input functions.
# Figs 1c (filters vs JASPAR), 1d (variant effects) and S6 (attribution) of the models trained
# by evoaug.smk (results/evoaug2023/models/{dataset}/{setting}/seed{seed}/{stage}.pt).

from genomic_dl.evoaug2023.labels import model_label

EVOAUG_INTERPRETATION = config["evoaug_interpretation"]
INTERP = EVOAUG_INTERPRETATION
INTERP_DIR = "results/evoaug2023/interpretation"
INTERP_DOWNLOADS = "results/evoaug2023/downloads"
INTERP_FILTERS = INTERP["filters"]
INTERP_VARIANTS = INTERP["variant_effects"]
INTERP_ATTRIBUTION = INTERP["attribution"]
INTERP_STAGES = {"standard": ["standard"], "evoaug": ["pretrained", "finetuned"]}

if "seeds" not in config["evoaug"]:
    config_error(
        "evoaug.seeds", "missing (the interpretation analyses every trained seed)"
    )
INTERP_SEEDS = list(config["evoaug"]["seeds"])
for _setting, _stages in INTERP["models"].items():
    for _stage in _stages:
        if _stage not in INTERP_STAGES[_setting]:
            config_error(
                f"evoaug_interpretation.models.{_setting}",
                f"stage '{_stage}' is not one of {INTERP_STAGES[_setting]}",
            )
for _analysis, _settings in (
    ("filters", INTERP_FILTERS),
    ("attribution", INTERP_ATTRIBUTION),
):
    if (
        _settings["logo_seed"] is not None
        and _settings["logo_seed"] not in INTERP_SEEDS
    ):
        config_error(
            f"evoaug_interpretation.{_analysis}.logo_seed",
            f"{_settings['logo_seed']} is not one of evoaug.seeds {INTERP_SEEDS}",
        )
if not (
    INTERP_VARIANTS["dataset"] == "basset"
    or INTERP_VARIANTS["dataset"].startswith("chip_")
):
    config_error(
        "evoaug_interpretation.variant_effects.dataset",
        "the log(alt / ref) score needs a binary-task model: basset or chip_<TF>",
    )
if INTERP_ATTRIBUTION["dataset"] == "deepstarr" and INTERP_ATTRIBUTION["task"] > 1:
    config_error(
        "evoaug_interpretation.attribution.task",
        "DeepSTARR has two tasks (0 developmental, 1 housekeeping)",
    )
if INTERP_ATTRIBUTION["n_logos"] > INTERP_ATTRIBUTION["n_sequences"]:
    config_error(
        "evoaug_interpretation.attribution.n_logos",
        "cannot draw more logos than the n_sequences analysed",
    )
INTERP_CAGI5 = INTERP_VARIANTS["cagi5"]
INTERP_SOURCE = INTERP_VARIANTS["source"]

#: Every trained model analysed: setting, stage, seed and the label used in tables.
INTERP_MODELS = [
    {
        "model": model_label(setting, stage),
        "setting": setting,
        "stage": stage,
        "seed": seed,
    }
    for setting, stages in INTERP["models"].items()
    for stage in stages
    for seed in INTERP_SEEDS
]
INTERP_LABELS = list(dict.fromkeys(record["model"] for record in INTERP_MODELS))
INTERP_LABEL_MODEL = {
    record["model"]: (record["setting"], record["stage"]) for record in INTERP_MODELS
}


def evoaug_model(dataset, setting, stage, seed):
    """A trained model of the EvoAug training part (the contract with evoaug.smk)."""
    return f"results/evoaug2023/models/{dataset}/{setting}/seed{seed}/{stage}.pt"


def evoaug_data(dataset):
    """An EvoAug data file (synthetic offline, the Zenodo file in the paper preset)."""
    return f"results/evoaug2023/data/{dataset}.h5"


def interp_path(analysis, dataset, setting, stage, seed, extension):
    return f"{INTERP_DIR}/{analysis}/{dataset}/{setting}/seed{seed}/{stage}.{extension}"


def interp_outputs(analysis, dataset, extension):
    """The per-model outputs of one analysis, in the order of INTERP_MODELS."""
    return [
        interp_path(analysis, dataset, m["setting"], m["stage"], m["seed"], extension)
        for m in INTERP_MODELS
    ]


def logo_seed(settings):
    """The seed whose models are drawn as logos (default: the first of evoaug.seeds)."""
    return INTERP_SEEDS[0] if settings["logo_seed"] is None else settings["logo_seed"]


def filter_logo_inputs(w):
    setting, stage = INTERP_LABEL_MODEL[w.model]
    dataset, seed = INTERP_FILTERS["dataset"], logo_seed(INTERP_FILTERS)
    return {
        "pwms": interp_path("filters", dataset, setting, stage, seed, "npz"),
        "matches": interp_path("filters", dataset, setting, stage, seed, "csv"),
    }


def variant_set_path():
    """The elements and variants scored for Fig 1d (synthetic analog or CAGI5)."""
    if INTERP_SOURCE == "cagi5":
        return f"{INTERP_DIR}/variant_effects/cagi5/variants.npz"
    return f"{INTERP_DIR}/variant_effects/synthetic/{INTERP_VARIANTS['dataset']}/variants.npz"


def cagi5_inputs():
    """The CAGI5 element files and the hg19 chromosomes they lie on."""
    elements = INTERP_CAGI5["elements"]
    return {
        "tables": [f"{INTERP_DOWNLOADS}/cagi5/{element}.tsv" for element in elements],
        "chromosomes": [
            f"{INTERP_DOWNLOADS}/hg19/chr{chromosome}.fa.gz"
            for chromosome in sorted(set(map(str, elements.values())))
        ],
    }


def attribution_logo_inputs():
    """Per-model attribution maps of the logo seed, in the order of INTERP_LABELS."""
    dataset, seed = INTERP_ATTRIBUTION["dataset"], logo_seed(INTERP_ATTRIBUTION)
    return [
        interp_path("attribution", dataset, *INTERP_LABEL_MODEL[label], seed, "npz")
        for label in INTERP_LABELS
    ]
