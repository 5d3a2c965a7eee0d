"""Style gate: ruff (format and check) over the Python code of src, scripts, tests and benchmarks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PYTHON_TREES = ["src", "scripts", "tests", "benchmarks"]


def tool(name: str) -> str:
    """The tool beside this interpreter (the virtual environment's), else on PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[dev]'"
    return found


@pytest.mark.parametrize("command", [["format", "--check"], ["check"]], ids=["format", "check"])
def test_ruff_is_clean(command):
    result = subprocess.run(
        [tool("ruff"), *command, *PYTHON_TREES], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


# snakefmt and snakemake --lint: tests/workflow/test_workflow_envs.py.
