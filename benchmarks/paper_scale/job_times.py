"""Per-job wall times from Snakemake's run logs (``.snakemake/log/*.snakemake.log``).

A job starts at the timestamp line before its ``rule NAME:`` block and ends at the timestamp
before ``Finished jobid: N``. Prints CSV: rule, wildcards, start, end, seconds, log (the run).

    python benchmarks/paper_scale/job_times.py .snakemake/log/*.snakemake.log > job_times.csv
"""

from __future__ import annotations

import csv
import re
import sys
from datetime import datetime
from pathlib import Path

STAMP = re.compile(r"^\[(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})\]$")
RULE = re.compile(r"^(?:local)?rule (\w+):$")
JOBID = re.compile(r"^\s+jobid: (\d+)$")
WILDCARDS = re.compile(r"^\s+wildcards: (.*)$")
FINISHED = re.compile(r"^Finished jobid: (\d+)")


def job_times(log: Path) -> list[dict]:
    """Finished jobs of one Snakemake log, in order of finishing."""
    now = None
    started: dict[str, dict] = {}
    pending: dict | None = None
    rows = []
    for line in log.read_text().splitlines():
        if match := STAMP.match(line):
            now = datetime.strptime(" ".join(match.group(1).split()), "%a %b %d %H:%M:%S %Y")
        elif match := RULE.match(line):
            pending = {"rule": match.group(1), "wildcards": "", "start": now}
        elif pending is not None and (match := WILDCARDS.match(line)):
            pending["wildcards"] = match.group(1)
        elif pending is not None and (match := JOBID.match(line)):
            started[match.group(1)] = pending
        elif (match := FINISHED.match(line)) and match.group(1) in started:
            job = started.pop(match.group(1))
            rows.append({**job, "end": now, "seconds": (now - job["start"]).total_seconds(), "log": log.name})
    return rows


def main(logs: list[str]) -> None:
    writer = csv.DictWriter(sys.stdout, ["rule", "wildcards", "start", "end", "seconds", "log"])
    writer.writeheader()
    for log in sorted(map(Path, logs)):
        for row in job_times(log):
            writer.writerow({**row, "start": row["start"].isoformat(), "end": row["end"].isoformat()})


if __name__ == "__main__":
    main(sys.argv[1:])
