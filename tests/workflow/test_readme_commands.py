"""Every command that README.md (and the docs/ pages it links) prints in a ```bash block runs, as printed.

How the test decides what to do with a command (first match wins):

* **set-up** (``make run``, ``make test``, ``pip install``): they build the virtual environment or
  run for hours, and the test suite itself runs inside ``make test``; they are listed in
  ``SETUP`` (a new set-up command must be added there deliberately) and not run.
* **after a run** (``snakemake --report``): needs a finished run; run as printed with
  ``--configfile config/presets/smoke.yaml --directory <the smoke run>`` appended (slow), its
  report path moved from the default preset's results tree to the smoke preset's (the run it
  reports on).
* **snakemake**: a real run takes minutes to hours; run as printed with ``-n`` appended (a dry
  run parses every argument, builds the DAG and fails on a target read as a config file).
* **paper scale** (``benchmarks/paper_scale/run.sh OUT SECONDS``): hours on a GPU machine; run
  as printed with ``SNAKEMAKE_ARGS=-n`` in the environment (the script's own dry-run switch: its
  snakemake command builds the DAG of the papers' sizes), and its OUT folder removed afterwards.
* **benchmarks** (``python benchmarks/...``): minutes each; run as printed with ``--help``
  appended (the script exists, imports, and parses its arguments); the one that needs the
  README's ``pip install -e '.[bench]'`` first is skipped, saying so, where evoaug is absent.

"As printed": each line is split as the shell would (``shlex``, comments dropped) and run with
the repository as working directory. The one substitution: ``.venv/bin/`` is the directory of the
interpreter running the tests when the repository has no ``.venv`` of its own (e.g. a worktree).

The static checks below the runs make sure that no snakemake command in the README, the Makefile
or the profiles names a target after ``--configfile``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, load_preset

COMMAND_LANGUAGES = {"bash", "sh", "shell", "console"}
SETUP = {("make", "run"), ("make", "test"), ("pip", "install")}
SMOKE = "config/presets/smoke.yaml"
#: Commands that need a README set-up command first (module it installs, the command): skipped,
#: with that reason, where the module is absent.
NEEDS_SETUP = {"benchmarks/bench_augmentations.py": ("evoaug", "pip install -e '.[bench]'")}


def command_blocks(text: str) -> list[list[tuple[int, str]]]:
    """The fenced blocks of ``text`` in a shell language: lists of (line number, line)."""
    blocks, current = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        fence = re.match(r"^\s*```(\w*)", line)
        if fence and current is None:
            current = [] if fence[1].lower() in COMMAND_LANGUAGES else "other"
        elif fence:
            if current != "other":
                blocks.append(current)
            current = None
        elif isinstance(current, list) and line.strip():
            current.append((number, line))
    return blocks


#: The README and the pages it sends readers to (results, choices, benchmarks per paper).
DOCUMENTS = ["README.md", *sorted(str(path.relative_to(REPO)) for path in (REPO / "docs").glob("*.md"))]


def readme_commands() -> list[tuple[str, list[str]]]:
    """Every command line of the documents' shell blocks, as ("file:line", argv)."""
    return [
        (f"{document}:{number}", argv)
        for document in DOCUMENTS
        for block in command_blocks((REPO / document).read_text())
        for number, line in block
        if (argv := shlex.split(line, comments=True))
    ]


def kind(argv: list[str]) -> str:
    program = Path(argv[0]).name
    if (program, argv[1] if len(argv) > 1 else "") in SETUP:
        return "setup"
    if program == "snakemake":
        return "after_run" if "--report" in argv else "dry_run"
    if program.startswith("python") and len(argv) > 1 and argv[1].startswith("benchmarks/"):
        return "benchmark"
    if argv[0] == "benchmarks/paper_scale/run.sh":
        return "paper_scale"
    return "unknown"


def resolve(argv: list[str]) -> list[str]:
    program = argv[0]
    if program.startswith(".venv/bin/") and not (REPO / ".venv").exists():
        program = str(Path(sys.executable).parent / program.removeprefix(".venv/bin/"))
    return [program, *argv[1:]]


COMMANDS = readme_commands()


def ids(commands):
    return [f"{number}:{' '.join(argv)[:60]}" for number, argv in commands]


def test_readme_has_commands_and_each_has_a_decision():
    assert len(COMMANDS) >= 10
    undecided = [f"{number}: {' '.join(argv)}" for number, argv in COMMANDS if kind(argv) == "unknown"]
    assert not undecided, f"README commands the test does not know how to run: {undecided}"


def test_setup_commands_are_the_listed_ones():
    found = {(Path(argv[0]).name, argv[1]) for _, argv in COMMANDS if kind(argv) == "setup"}
    assert found == SETUP


def run(argv: list[str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)


DRY = [(n, a) for n, a in COMMANDS if kind(a) == "dry_run"]
BENCH = [(n, a) for n, a in COMMANDS if kind(a) == "benchmark"]
AFTER = [(n, a) for n, a in COMMANDS if kind(a) == "after_run"]
PAPER_SCALE = [(n, a) for n, a in COMMANDS if kind(a) == "paper_scale"]


@pytest.mark.parametrize(("number", "argv"), DRY, ids=ids(DRY))
def test_snakemake_command_dry_runs_as_printed(number, argv):
    result = run([*resolve(argv), "-n"])
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"{number}: {' '.join(argv)} -n\n{log[-3000:]}"
    assert "This was a dry-run" in log or "Nothing to be done" in log, log[-2000:]


@pytest.mark.parametrize(("number", "argv"), BENCH, ids=ids(BENCH))
def test_benchmark_command_parses_as_printed(number, argv):
    needs = NEEDS_SETUP.get(argv[1])
    if needs and importlib.util.find_spec(needs[0]) is None:
        pytest.skip(f"{number} needs the set-up command before it: {needs[1]}")
    result = run([*resolve(argv), "--help"], timeout=180)
    assert result.returncode == 0, f"{number}: {' '.join(argv)} --help\n{result.stderr[-3000:]}"
    assert "usage:" in result.stdout


@pytest.mark.parametrize(("number", "argv"), PAPER_SCALE, ids=ids(PAPER_SCALE))
def test_paper_scale_command_dry_runs_as_printed(number, argv):
    out = REPO / argv[1]
    assert not out.exists(), f"{number}: {out} exists already; the test would remove it"
    env = {**os.environ, "SNAKEMAKE_ARGS": "-n", "PYTHON": sys.executable}
    try:
        result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=300, check=False, env=env)
        log = (out / "snakemake.log").read_text() if (out / "snakemake.log").exists() else ""
    finally:
        shutil.rmtree(out, ignore_errors=True)
    assert result.returncode == 0 and "snakemake exit status 0" in result.stdout, f"{number}\n{log[-3000:]}"
    assert "This was a dry-run" in log, log[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize(("number", "argv"), AFTER, ids=ids(AFTER))
def test_report_command_runs_after_the_smoke_run(number, argv, smoke_run):
    default, smoke = load_preset("default")["results_dir"], load_preset("smoke")["results_dir"]
    argv = [arg.replace(f"{default}/", f"{smoke}/", 1) if arg.startswith(f"{default}/") else arg for arg in argv]
    result = run([*resolve(argv), "--configfile", str(REPO / SMOKE), "--directory", str(smoke_run)], timeout=600)
    assert result.returncode == 0, f"{number}\n{(result.stdout + result.stderr)[-3000:]}"
    report = argv[argv.index("--report") + 1]
    assert report.startswith(f"{smoke}/") and (smoke_run / report).stat().st_size > 10_000


# --------------------------------------------------------------------------- static: target order


def snakemake_invocations(text: str) -> list[list[str]]:
    """Token lists of every snakemake command in ``text`` (code blocks, inline code, comments)."""
    found = []
    for line in text.splitlines():
        for chunk in re.split(r"`", line):
            match = re.search(r"(?:^|[\s/])snakemake(\s.*)$", chunk)
            if match and "--configfile" in match[1]:
                found.append(match[1].split("#", 1)[0].split())
    return found


def targets_after_configfile(tokens: list[str]) -> list[str]:
    """Words after the first value of ``--configfile`` that Snakemake 9 would read as config files."""
    tokens = [token.strip("[]") for token in tokens]  # usage lines: [--configfile FILE] [target]
    index = tokens.index("--configfile")
    rest = tokens[index + 2 :]
    swallowed = []
    for token in rest:
        if token.startswith("-"):
            break
        swallowed.append(token)
    return swallowed


def test_swallowing_is_detected():
    assert targets_after_configfile(["--cores", "2", "--configfile", "c.yaml", "results/x.pdf"]) == ["results/x.pdf"]
    assert targets_after_configfile(["--cores", "2", "results/x.pdf", "--configfile", "c.yaml"]) == []
    assert targets_after_configfile(["--configfile", "c.yaml", "--cores", "2", "results/x.pdf"]) == []


@pytest.mark.parametrize(
    "path", ["README.md", "Makefile", "profiles/slurm/config.yaml", "profiles/default/config.yaml"]
)
def test_no_target_follows_configfile(path):
    text = (REPO / path).read_text()
    bad = [" ".join(tokens) for tokens in snakemake_invocations(text) if targets_after_configfile(tokens)]
    assert not bad, f"{path}: targets after --configfile (read as config files in Snakemake 9): {bad}"
