# EvoAug (Lee et al. 2023) interpretation: Figs 1c, 1d and S6 of the models trained by
# evoaug2023.smk. Settings, checks and input functions: genomic_dl.evoaug2023.plan.

from genomic_dl.evoaug2023.plan import InterpretationPlan

interp = InterpretationPlan(CORE)
INTERPRETATION_DIR = evoaug_paths.interpretation_dir
DOWNLOADS_DIR = evoaug_paths.downloads_dir


# ---------------------------------------------------------------- Fig 1c: filters vs JASPAR


rule evoaug_interp_filters:
    input:
        model=evoaug_paths.model("{dataset}", "{setting}", "{stage}", "{seed}"),
        data=evoaug_paths.data("{dataset}"),
    output:
        pwms=evoaug_paths.interpretation_path(
            "filters", "{dataset}", "{setting}", "{stage}", "{seed}", "npz"
        ),
        meme=evoaug_paths.interpretation_path(
            "filters", "{dataset}", "{setting}", "{stage}", "{seed}", "meme"
        ),
    log:
        f"{LOGS}/evoaug2023/interpretation/filters/{{dataset}}/{{setting}}/seed{{seed}}/{{stage}}.log",
    wildcard_constraints:
        dataset=r"[A-Za-z0-9_]+",
        setting=r"[a-z0-9_]+",
        stage="standard|pretrained|finetuned",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("evoaug_interp_filters"),
        runtime=RES.runtime("evoaug_interp_filters"),
    params:
        settings=interp.filters,
        device=config["device"],
        seed=lambda w: job_seed(
            "evoaug_interp_filters", w.dataset, w.setting, w.stage, w.seed
        ),
    script:
        "../../scripts/evoaug2023/interpret_filters.py"


# One job for every model: numba compiles Tomtom once per process and JASPAR is read once.
rule evoaug_interp_tomtom:
    input:
        pwms=interp.outputs("filters", interp.filters["dataset"], "npz"),
        meme=interp.outputs("filters", interp.filters["dataset"], "meme"),
    output:
        matches=interp.outputs("filters", interp.filters["dataset"], "csv"),
        summary=interp.outputs("filters", interp.filters["dataset"], "json"),
    log:
        f"{LOGS}/evoaug2023/interpretation/tomtom.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_interp_tomtom"),
        runtime=RES.runtime("evoaug_interp_tomtom"),
    params:
        settings=interp.filters,
    script:
        "../../scripts/evoaug2023/interpret_tomtom.py"


rule evoaug_fig1c_filters:
    input:
        interp.outputs("filters", interp.filters["dataset"], "json"),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig1c_filter_jaspar.pdf",
            caption="../report/fig1c_filter_jaspar.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig1c_filter_jaspar.csv",
    log:
        f"{LOGS}/evoaug2023/interpretation/fig1c_filter_jaspar.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_fig1c_filters"),
        runtime=RES.runtime("evoaug_fig1c_filters"),
    params:
        models=interp.models,
        dataset=interp.filters["dataset"],
    script:
        "../../scripts/evoaug2023/interpret_fig1c.py"


rule evoaug_fig1c_filter_logos:
    input:
        unpack(interp.filter_logo_inputs),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig1c_filter_logos_{{model}}.pdf",
            caption="../report/fig1c_filter_logos.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig1c_filter_logos_{{model}}.csv",
    log:
        f"{LOGS}/evoaug2023/interpretation/fig1c_filter_logos_{{model}}.log",
    wildcard_constraints:
        model="|".join(interp.labels),
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_fig1c_filter_logos"),
        runtime=RES.runtime("evoaug_fig1c_filter_logos"),
    params:
        dataset=interp.filters["dataset"],
        logo_seed=interp.logo_seed(interp.filters),
        max_filters=interp.filters["logo_sheet_filters"],
    script:
        "../../scripts/evoaug2023/interpret_filter_logos.py"


# ---------------------------------------------------------------- Fig 1d: variant effects


rule evoaug_interp_synthetic_variants:
    input:
        evoaug_paths.data("{dataset}"),
    output:
        f"{INTERPRETATION_DIR}/variant_effects/synthetic/{{dataset}}/variants.npz",
    log:
        f"{LOGS}/evoaug2023/interpretation/variant_effects/synthetic/{{dataset}}/variants.log",
    wildcard_constraints:
        dataset=r"[A-Za-z0-9_]+",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_interp_synthetic_variants"),
        runtime=RES.runtime("evoaug_interp_synthetic_variants"),
    params:
        settings=interp.variants["synthetic"],
        seed=lambda w: job_seed("evoaug_interp_synthetic_variants", w.dataset),
    script:
        "../../scripts/evoaug2023/interpret_synthetic_variants.py"


rule evoaug_cagi5_download:
    output:
        f"{DOWNLOADS_DIR}/cagi5/{{element}}.tsv",
    log:
        f"{LOGS}/evoaug2023/downloads/cagi5/{{element}}.log",
    wildcard_constraints:
        element="|".join(interp.cagi5["elements"]) or "^$",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_cagi5_download"),
        runtime=RES.runtime("evoaug_cagi5_download"),
    params:
        url=interp.cagi5_url,
        md5=lambda w: interp.cagi5["md5"].get(w.element),
        setting="evoaug_interpretation.variant_effects.cagi5.url_template",
    script:
        "../../scripts/evoaug2023/interpret_download.py"


rule evoaug_hg19_checksums:
    output:
        f"{DOWNLOADS_DIR}/hg19/md5sum.txt",
    log:
        f"{LOGS}/evoaug2023/downloads/hg19/md5sum.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_hg19_checksums"),
        runtime=RES.runtime("evoaug_hg19_checksums"),
    params:
        url=interp.cagi5["genome_md5_url"],
        md5=None,
        setting="evoaug_interpretation.variant_effects.cagi5.genome_md5_url",
    script:
        "../../scripts/evoaug2023/interpret_download.py"


rule evoaug_hg19_chromosome:
    input:
        checksums=rules.evoaug_hg19_checksums.output[0],
    output:
        f"{DOWNLOADS_DIR}/hg19/chr{{chromosome}}.fa.gz",
    log:
        f"{LOGS}/evoaug2023/downloads/hg19/chr{{chromosome}}.log",
    wildcard_constraints:
        chromosome=r"[0-9XY]+",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_hg19_chromosome"),
        runtime=RES.runtime("evoaug_hg19_chromosome"),
    params:
        url=lambda w: interp.cagi5["genome_url_template"].format(
            chromosome=w.chromosome
        ),
        md5=None,
        setting="evoaug_interpretation.variant_effects.cagi5.genome_url_template",
    script:
        "../../scripts/evoaug2023/interpret_download.py"


rule evoaug_interp_cagi5_variants:
    input:
        **interp.cagi5_inputs(),
    output:
        f"{INTERPRETATION_DIR}/variant_effects/cagi5/variants.npz",
    log:
        f"{LOGS}/evoaug2023/interpretation/variant_effects/cagi5/variants.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_interp_cagi5_variants"),
        runtime=RES.runtime("evoaug_interp_cagi5_variants"),
    params:
        elements=interp.cagi5["elements"],
    script:
        "../../scripts/evoaug2023/interpret_cagi5_variants.py"


rule evoaug_interp_variant_scores:
    input:
        variants=interp.variant_set_path(),
        model=evoaug_paths.model("{dataset}", "{setting}", "{stage}", "{seed}"),
    output:
        evoaug_paths.interpretation_path(
            f"variant_effects/{interp.source}",
            "{dataset}",
            "{setting}",
            "{stage}",
            "{seed}",
            "csv",
        ),
    log:
        f"{LOGS}/evoaug2023/interpretation/variant_effects/{interp.source}/{{dataset}}/{{setting}}/seed{{seed}}/{{stage}}.log",
    wildcard_constraints:
        dataset=interp.variants["dataset"],
        setting=r"[a-z0-9_]+",
        stage="standard|pretrained|finetuned",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("evoaug_interp_variant_scores"),
        runtime=RES.runtime("evoaug_interp_variant_scores"),
    params:
        batch_size=interp.variants["batch_size"],
        device=config["device"],
        seed=lambda w: job_seed("evoaug_interp_variant_scores", w.dataset),
    script:
        "../../scripts/evoaug2023/interpret_variant_scores.py"


rule evoaug_fig1d_variant_effects:
    input:
        variants=interp.variant_set_path(),
        scores=interp.outputs(
            f"variant_effects/{interp.source}", interp.variants["dataset"], "csv"
        ),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/fig1d_variant_effects.pdf",
            caption="../report/fig1d_variant_effects.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/fig1d_variant_effects.csv",
    log:
        f"{LOGS}/evoaug2023/interpretation/fig1d_variant_effects.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_fig1d_variant_effects"),
        runtime=RES.runtime("evoaug_fig1d_variant_effects"),
    params:
        models=interp.models,
        source=interp.source,
    script:
        "../../scripts/evoaug2023/interpret_fig1d.py"


# ---------------------------------------------------------------- Fig S6: attribution


rule evoaug_interp_attribution:
    input:
        model=evoaug_paths.model("{dataset}", "{setting}", "{stage}", "{seed}"),
        data=evoaug_paths.data("{dataset}"),
    output:
        maps=evoaug_paths.interpretation_path(
            "attribution", "{dataset}", "{setting}", "{stage}", "{seed}", "npz"
        ),
        scores=evoaug_paths.interpretation_path(
            "attribution", "{dataset}", "{setting}", "{stage}", "{seed}", "csv"
        ),
    log:
        f"{LOGS}/evoaug2023/interpretation/attribution/{{dataset}}/{{setting}}/seed{{seed}}/{{stage}}.log",
    wildcard_constraints:
        dataset=r"[A-Za-z0-9_]+",
        setting=r"[a-z0-9_]+",
        stage="standard|pretrained|finetuned",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: config["training_threads"]
    resources:
        mem_mb=RES.mem("evoaug_interp_attribution"),
        runtime=RES.runtime("evoaug_interp_attribution"),
    params:
        settings=interp.attribution,
        device=config["device"],
        # one seed per dataset: every model gets the same references and padding
        seed=lambda w: job_seed("evoaug_interp_attribution", w.dataset),
    script:
        "../../scripts/evoaug2023/interpret_attribution.py"


rule evoaug_figS6_attribution:
    input:
        scores=interp.outputs("attribution", interp.attribution["dataset"], "csv"),
        logos=interp.attribution_logo_inputs(),
        data=evoaug_paths.data(interp.attribution["dataset"]),
    output:
        pdf=report(
            f"{EVOAUG_DIR}/figS6_attribution_logos.pdf",
            caption="../report/figS6_attribution_logos.rst",
            category="EvoAug 2023",
        ),
        csv=f"{EVOAUG_DIR}/figS6_attribution_logos.csv",
    log:
        f"{LOGS}/evoaug2023/interpretation/figS6_attribution_logos.log",
    conda:
        "../../envs/evoaug_interpretation.yaml"
    threads: 1
    resources:
        mem_mb=RES.mem("evoaug_figS6_attribution"),
        runtime=RES.runtime("evoaug_figS6_attribution"),
    params:
        models=interp.models,
        labels=interp.labels,
        settings=interp.attribution,
    script:
        "../../scripts/evoaug2023/interpret_figS6.py"
