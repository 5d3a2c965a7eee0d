#!/usr/bin/env bash
# Paper-scale run on one GPU machine: ImaGene Fig 3 and Cecil & Sugden Table 1 (single
# population) at the paper preset's sizes (config/presets/paper.yaml + paper_scale_gpu.yaml),
# through the workflow's own rules.
#
#   benchmarks/paper_scale/run.sh OUT_DIR SECONDS [EXTRA_CONFIG.yaml ...]
#
# snakemake runs with profiles/gpu on every core (simulations and images on the CPUs, training
# jobs sharing the GPU), ImaGene Fig 3 first. After SECONDS it is stopped; finished jobs stay,
# so calling the script again resumes. Result tables, logs, per-job times, GPU use and
# provenance are packed into OUT_DIR/paper_scale_results.tar.gz. EXTRA_CONFIG files override
# the sizes (benchmarks/paper_scale/rehearsal.yaml: the same command at a small size on a CPU).
# PYTHON (default python3) runs snakemake; COMMIT names the code's commit (else git's HEAD);
# SNAKEMAKE_ARGS are added to the snakemake command (e.g. -n for a dry run).
set -uo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 2 ]; then
    echo "usage: $0 OUT_DIR SECONDS [EXTRA_CONFIG.yaml ...]" >&2
    exit 2
fi
out=$(realpath -m "$1")
seconds=$2
shift 2
python=${PYTHON:-python3}
mkdir -p "$out"
configs=(config/presets/paper.yaml config/presets/paper_scale_gpu.yaml "$@")
# The results tree of the merged configs (config key results_dir).
tree=$(PYTHONPATH=src "$python" - config/config.yaml "${configs[@]}" <<'PY'
import sys
from snakemake.utils import update_config
from genomic_dl.config import load_config_file
config = {}
for path in sys.argv[1:]:
    update_config(config, load_config_file(path))
print(config["results_dir"])
PY
) || exit 2
targets=("$tree/imagene2019/fig3_sorting_accuracy.csv" "$tree/cecil2023/table1_accuracy.csv")
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
touch "$out/.started"

monitor=""
if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -l 5 \
        >"$out/gpu_usage.csv" 2>/dev/null &
    monitor=$!
fi
# The targets come before --configfile, which takes several values in Snakemake 9.
timeout --signal=TERM --kill-after=30 "$seconds" \
    "$python" -m snakemake "${targets[@]}" --workflow-profile profiles/gpu --cores "$(nproc)" \
    --prioritize "${targets[0]}" ${SNAKEMAKE_ARGS:-} --configfile "${configs[@]}" >"$out/snakemake.log" 2>&1
status=$?
[ -n "$monitor" ] && kill "$monitor" 2>/dev/null

# This call's Snakemake logs only (the folder also holds other runs').
find .snakemake/log -name '*.snakemake.log' -newer "$out/.started" -print0 2>/dev/null |
    xargs -0 "$python" benchmarks/paper_scale/job_times.py >"$out/job_times.csv"
"$python" - "$out/provenance.json" "$started" "$status" "$seconds" "${configs[@]}" <<'PY'
import json, os, platform, subprocess, sys
path, started, status, seconds, *configs = sys.argv[1:]
# COMMIT first: a copy of the work tree on another machine may carry stale git metadata.
commit = os.environ.get("COMMIT")
if not commit:
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
try:
    import torch
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    torch_version = torch.__version__
except ImportError:
    gpu, torch_version = None, None
record = {"commit": commit, "configfiles": configs, "started_utc": started, "seconds_allowed": int(seconds),
          "snakemake_exit_status": int(status), "host": platform.node(), "cpu_cores": os.cpu_count(),
          "gpu": gpu, "torch": torch_version, "python": platform.python_version()}
json.dump(record, open(path, "w"), indent=1)
PY
# Tables and small per-job outputs; no simulations, images or model weights.
find "$tree/imagene2019" "$tree/cecil2023" "$tree/logs" .snakemake/log -type f \
    \( -name '*.csv' -o -name '*.json' -o -name '*.md' -o -name '*.pdf' -o -name '*.log' \) \
    ! -path "$tree/cecil2023/statistics/*/scores.csv" 2>/dev/null >"$out/files.txt"
tar czf "$out/paper_scale_results.tar.gz" -T "$out/files.txt"
echo "snakemake exit status $status; $(grep -c . "$out/job_times.csv") job-time rows; packed $(wc -l <"$out/files.txt") files"
exit 0
