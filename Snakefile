# Reproducibility workflow for EvoAug (Lee et al. 2023), ImaGene (Torada et al. 2019) and
# Cecil & Sugden (2023). Run `snakemake --cores N` (default preset), add
# `--configfile config/presets/smoke.yaml` or `.../paper.yaml` for the other presets, or name one
# figure file to build only that figure.

import os
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")

# The library lives in src/genomic_dl; make it importable here and in every job's Python,
# also inside per-rule conda environments that do not have it installed.
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))
)
# numba (memelite's Tomtom) compiles on first use; cache it inside the work tree.
os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(workflow.basedir) / ".numba_cache"))


from genomic_dl.config import check_config, config_sources, load_config_file, source_of
from genomic_dl.results_tree import check_owner, record_config

BASE_CONFIG = Path(workflow.basedir) / "config" / "config.yaml"
# A malformed config.yaml: file, line and column (Snakemake's own message names neither).
load_config_file(BASE_CONFIG)


configfile: BASE_CONFIG


# At most ~20 lines: key path, value, what was expected and the config file that sets it.
CONFIG_SOURCES = config_sources([BASE_CONFIG], workflow.overwrite_configfiles)
check_config(
    config,
    Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml",
    CONFIG_SOURCES,
)
# One results tree per preset (config results_dir): stop before a run writes into another
# preset's tree; a run that executes jobs records its config there.
check_owner(config, source_of(["results_dir"], CONFIG_SOURCES))


onstart:
    record_config(config)


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/simulation.smk"
include: "workflow/rules/imagene2019.smk"
include: "workflow/rules/imagene2019_quantification.smk"
include: "workflow/rules/cecil2023.smk"
include: "workflow/rules/evoaug2023.smk"
include: "workflow/rules/evoaug2023_interpretation.smk"


ALL_FIGURES = imagene.figures + cecil.figures + evoaug.figures + interp.figures


include: "workflow/rules/scorecard.smk"


localrules:
    all,
    scorecard,
    imagene2019,
    cecil2023,
    evoaug2023,


rule all:
    default_target: True
    input:
        ALL_FIGURES,
        rules.scorecard.output,


# One paper's figures and tables: `snakemake --cores N evoaug2023` (or imagene2019, cecil2023).
rule imagene2019:
    input:
        imagene.figures,


rule cecil2023:
    input:
        cecil.figures,


rule evoaug2023:
    input:
        evoaug.figures + interp.figures,
