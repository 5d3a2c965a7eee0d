# Reproduction scorecard: every claim of config/claims.yaml against this run's result tables.

import yaml
from jsonschema import Draft202012Validator

CLAIMS_FILE = Path(workflow.basedir) / config["claims"]
with open(CLAIMS_FILE) as _handle:
    CLAIMS = yaml.safe_load(_handle)
_errors = sorted(
    Draft202012Validator(
        yaml.safe_load(
            open(Path(workflow.basedir) / "workflow/schemas/claims.schema.yaml")
        )
    ).iter_errors(CLAIMS),
    key=str,
)
if _errors:
    _where = "/".join(map(str, _errors[0].absolute_path))
    raise ValueError(f"invalid {config['claims']}: at '{_where}': {_errors[0].message}")

# Claims name their tables relative to the results tree.
RESULT_TABLES = sorted(
    {path for path in ALL_FIGURES if path.endswith(".csv")}
    & {f"{RESULTS}/{claim['table']}" for claim in CLAIMS["claims"]}
)


rule scorecard:
    input:
        RESULT_TABLES,
    output:
        md=report(
            f"{RESULTS}/scorecard.md",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
        csv=f"{RESULTS}/scorecard.csv",
    log:
        f"{LOGS}/scorecard.log",
    conda:
        "../../envs/plotting.yaml"
    resources:
        mem_mb=RES.mem("scorecard"),
        runtime=RES.runtime("scorecard"),
    params:
        claims=CLAIMS["claims"],
        preset=config["preset"],
        config=config,
    script:
        "../../scripts/core/scorecard.py"
