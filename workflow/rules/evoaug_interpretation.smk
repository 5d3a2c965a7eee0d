# EvoAug (Lee et al. 2023) interpretation: Figs 1c, 1d and S6.

EVOAUG_INTERPRETATION_FIGURES = [
    f"results/evoaug2023/{name}.{extension}"
    for name in (
        "fig1c_filter_jaspar",
        *[f"fig1c_filter_logos_{label}" for label in INTERP_LABELS],
        "fig1d_variant_effects",
        "figS6_attribution_logos",
    )
    for extension in ("pdf", "csv")
]


# ---------------------------------------------------------------- Fig 1c: filters vs JASPAR


rule evoaug_interp_filters:
    input:
        model=evoaug_model("{dataset}", "{setting}", "{stage}", "{seed}"),
        data=evoaug_data("{dataset}"),
    output:
        pwms=interp_path(
            "filters", "{dataset}", "{setting}", "{stage}", "{seed}", "npz"
        ),
        meme=interp_path(
            "filters", "{dataset}", "{setting}", "{stage}", "{seed}", "meme"
        ),
    log:
        "logs/evoaug2023/interpretation/filters/{dataset}/{setting}/seed{seed}/{stage}.log",
    wildcard_constraints:
        dataset=r"[A-Za-z0-9_]+",
        setting=r"[a-z0-9_]+",
        stage="standard|pretrained|finetuned",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: config["training_threads"]
    params:
        settings=INTERP_FILTERS,
        device=config["device"],
        seed=lambda w: job_seed(
            "evoaug_interp_filters", w.dataset, w.setting, w.stage, w.seed
        ),
    script:
        "../../scripts/evoaug2023/interpret_filters.py"


# One job for every model: numba compiles Tomtom once per process and JASPAR is read once.
rule evoaug_interp_tomtom:
    input:
        pwms=interp_outputs("filters", INTERP_FILTERS["dataset"], "npz"),
        meme=interp_outputs("filters", INTERP_FILTERS["dataset"], "meme"),
    output:
        matches=interp_outputs("filters", INTERP_FILTERS["dataset"], "csv"),
        summary=interp_outputs("filters", INTERP_FILTERS["dataset"], "json"),
    log:
        "logs/evoaug2023/interpretation/tomtom.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        settings=INTERP_FILTERS,
    script:
        "../../scripts/evoaug2023/interpret_tomtom.py"


rule evoaug_fig1c_filters:
    input:
        interp_outputs("filters", INTERP_FILTERS["dataset"], "json"),
    output:
        pdf=report(
            "results/evoaug2023/fig1c_filter_jaspar.pdf",
            caption="../report/fig1c_filter_jaspar.rst",
            category="EvoAug 2023",
        ),
        csv="results/evoaug2023/fig1c_filter_jaspar.csv",
    log:
        "logs/evoaug2023/interpretation/fig1c_filter_jaspar.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        models=INTERP_MODELS,
        dataset=INTERP_FILTERS["dataset"],
    script:
        "../../scripts/evoaug2023/interpret_fig1c.py"


rule evoaug_fig1c_filter_logos:
    input:
        unpack(filter_logo_inputs),
    output:
        pdf=report(
            "results/evoaug2023/fig1c_filter_logos_{model}.pdf",
            caption="../report/fig1c_filter_logos.rst",
            category="EvoAug 2023",
        ),
        csv="results/evoaug2023/fig1c_filter_logos_{model}.csv",
    log:
        "logs/evoaug2023/interpretation/fig1c_filter_logos_{model}.log",
    wildcard_constraints:
        model="|".join(INTERP_LABELS),
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        dataset=INTERP_FILTERS["dataset"],
        seed=logo_seed(INTERP_FILTERS),
        max_filters=INTERP_FILTERS["logo_sheet_filters"],
    script:
        "../../scripts/evoaug2023/interpret_filter_logos.py"


# ---------------------------------------------------------------- Fig 1d: variant effects


rule evoaug_interp_synthetic_variants:
    input:
        evoaug_data("{dataset}"),
    output:
        f"{INTERP_DIR}/variant_effects/synthetic/{{dataset}}/variants.npz",
    log:
        "logs/evoaug2023/interpretation/variant_effects/synthetic/{dataset}/variants.log",
    wildcard_constraints:
        dataset=r"[A-Za-z0-9_]+",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        settings=INTERP_VARIANTS["synthetic"],
        seed=lambda w: job_seed("evoaug_interp_synthetic_variants", w.dataset),
    script:
        "../../scripts/evoaug2023/interpret_synthetic_variants.py"


rule evoaug_cagi5_download:
    output:
        f"{INTERP_DOWNLOADS}/cagi5/{{element}}.tsv",
    log:
        "logs/evoaug2023/downloads/cagi5/{element}.log",
    wildcard_constraints:
        element="|".join(INTERP_CAGI5["elements"]) or "^$",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        url=lambda w: (
            INTERP_CAGI5["url_template"].format(element=w.element)
            if INTERP_CAGI5["url_template"]
            else None
        ),
        md5=lambda w: INTERP_CAGI5["md5"].get(w.element),
        setting="evoaug_interpretation.variant_effects.cagi5.url_template",
    script:
        "../../scripts/evoaug2023/interpret_download.py"


rule evoaug_hg19_checksums:
    output:
        f"{INTERP_DOWNLOADS}/hg19/md5sum.txt",
    log:
        "logs/evoaug2023/downloads/hg19/md5sum.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        url=INTERP_CAGI5["genome_md5_url"],
        md5=None,
        setting="evoaug_interpretation.variant_effects.cagi5.genome_md5_url",
    script:
        "../../scripts/evoaug2023/interpret_download.py"


rule evoaug_hg19_chromosome:
    input:
        checksums=rules.evoaug_hg19_checksums.output[0],
    output:
        f"{INTERP_DOWNLOADS}/hg19/chr{{chromosome}}.fa.gz",
    log:
        "logs/evoaug2023/downloads/hg19/chr{chromosome}.log",
    wildcard_constraints:
        chromosome=r"[0-9XY]+",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        url=lambda w: INTERP_CAGI5["genome_url_template"].format(
            chromosome=w.chromosome
        ),
        md5=None,
        setting="evoaug_interpretation.variant_effects.cagi5.genome_url_template",
    script:
        "../../scripts/evoaug2023/interpret_download.py"


rule evoaug_interp_cagi5_variants:
    input:
        **cagi5_inputs(),
    output:
        f"{INTERP_DIR}/variant_effects/cagi5/variants.npz",
    log:
        "logs/evoaug2023/interpretation/variant_effects/cagi5/variants.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        elements=INTERP_CAGI5["elements"],
    script:
        "../../scripts/evoaug2023/interpret_cagi5_variants.py"


rule evoaug_interp_variant_scores:
    input:
        variants=variant_set_path(),
        model=evoaug_model("{dataset}", "{setting}", "{stage}", "{seed}"),
    output:
        interp_path(
            f"variant_effects/{INTERP_SOURCE}",
            "{dataset}",
            "{setting}",
            "{stage}",
            "{seed}",
            "csv",
        ),
    log:
        f"logs/evoaug2023/interpretation/variant_effects/{INTERP_SOURCE}/{{dataset}}/{{setting}}/seed{{seed}}/{{stage}}.log",
    wildcard_constraints:
        dataset=INTERP_VARIANTS["dataset"],
        setting=r"[a-z0-9_]+",
        stage="standard|pretrained|finetuned",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: config["training_threads"]
    params:
        batch_size=INTERP_VARIANTS["batch_size"],
        device=config["device"],
        seed=lambda w: job_seed("evoaug_interp_variant_scores", w.dataset),
    script:
        "../../scripts/evoaug2023/interpret_variant_scores.py"


rule evoaug_fig1d_variant_effects:
    input:
        variants=variant_set_path(),
        scores=interp_outputs(
            f"variant_effects/{INTERP_SOURCE}", INTERP_VARIANTS["dataset"], "csv"
        ),
    output:
        pdf=report(
            "results/evoaug2023/fig1d_variant_effects.pdf",
            caption="../report/fig1d_variant_effects.rst",
            category="EvoAug 2023",
        ),
        csv="results/evoaug2023/fig1d_variant_effects.csv",
    log:
        "logs/evoaug2023/interpretation/fig1d_variant_effects.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        models=INTERP_MODELS,
        source=INTERP_SOURCE,
    script:
        "../../scripts/evoaug2023/interpret_fig1d.py"


# ---------------------------------------------------------------- Fig S6: attribution


rule evoaug_interp_attribution:
    input:
        model=evoaug_model("{dataset}", "{setting}", "{stage}", "{seed}"),
        data=evoaug_data("{dataset}"),
    output:
        maps=interp_path(
            "attribution", "{dataset}", "{setting}", "{stage}", "{seed}", "npz"
        ),
        scores=interp_path(
            "attribution", "{dataset}", "{setting}", "{stage}", "{seed}", "csv"
        ),
    log:
        "logs/evoaug2023/interpretation/attribution/{dataset}/{setting}/seed{seed}/{stage}.log",
    wildcard_constraints:
        dataset=r"[A-Za-z0-9_]+",
        setting=r"[a-z0-9_]+",
        stage="standard|pretrained|finetuned",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: config["training_threads"]
    params:
        settings=INTERP_ATTRIBUTION,
        device=config["device"],
        # one seed per dataset: every model gets the same references and padding
        seed=lambda w: job_seed("evoaug_interp_attribution", w.dataset),
    script:
        "../../scripts/evoaug2023/interpret_attribution.py"


rule evoaug_figS6_attribution:
    input:
        scores=interp_outputs("attribution", INTERP_ATTRIBUTION["dataset"], "csv"),
        logos=attribution_logo_inputs(),
        data=evoaug_data(INTERP_ATTRIBUTION["dataset"]),
    output:
        pdf=report(
            "results/evoaug2023/figS6_attribution_logos.pdf",
            caption="../report/figS6_attribution_logos.rst",
            category="EvoAug 2023",
        ),
        csv="results/evoaug2023/figS6_attribution_logos.csv",
    log:
        "logs/evoaug2023/interpretation/figS6_attribution_logos.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    params:
        models=INTERP_MODELS,
        labels=INTERP_LABELS,
        settings=INTERP_ATTRIBUTION,
    script:
        "../../scripts/evoaug2023/interpret_figS6.py"
