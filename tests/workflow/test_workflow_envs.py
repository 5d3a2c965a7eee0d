"""Every rule names a pinned conda env that declares every third-party package its script imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO
from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings, StorageSettings

from genomic_dl.resources import TARGET_RULES

# Import name -> conda-forge package name(s) that provide it.
CONDA_PACKAGES = {
    "numpy": {"numpy"},
    "scipy": {"scipy"},
    "pandas": {"pandas"},
    "matplotlib": {"matplotlib", "matplotlib-base"},
    "msprime": {"msprime"},
    "tskit": {"tskit"},
    "skimage": {"scikit-image"},
    "torch": {"pytorch", "pytorch-gpu", "pytorch-cpu"},
    "yaml": {"pyyaml"},
    "h5py": {"h5py"},
    "allel": {"scikit-allel"},
    "pyslim": {"pyslim"},
    "sklearn": {"scikit-learn"},
    "captum": {"captum"},
    "logomaker": {"logomaker"},
    "memelite": {"memelite"},
    "pyjaspar": {"pyjaspar"},
    "shap": {"shap"},
    "jsonschema": {"jsonschema"},
}
PACKAGE_ROOT = REPO / "src"
RULES_WITHOUT_JOBS = set(TARGET_RULES)  # inputs only


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    with SnakemakeApi(OutputSettings()) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(),
            storage_settings=StorageSettings(),
            snakefile=REPO / "Snakefile",
            workdir=tmp_path_factory.mktemp("workdir"),
        )
        return [(rule.name, rule.conda_env, rule.script, Path(rule.basedir)) for rule in workflow_api._workflow.rules]


def module_file(module: str) -> Path | None:
    """Source file of a genomic_dl module (package __init__ or module file)."""
    base = PACKAGE_ROOT.joinpath(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def third_party_imports(path: Path, seen: set[Path] | None = None) -> set[str]:
    """Top-level third-party import names reached from ``path`` through genomic_dl modules."""
    seen = set() if seen is None else seen
    if path in seen:
        return set()
    seen.add(path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            top = name.split(".")[0]
            if top == "genomic_dl":
                parts = name.split(".")
                for depth in range(1, len(parts) + 1):  # parent packages' __init__ run too
                    file = module_file(".".join(parts[:depth]))
                    if file is not None:
                        found |= third_party_imports(file, seen)
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.add(top)
    return found


def declared_packages(env_file: Path) -> set[str]:
    env = yaml.safe_load(env_file.read_text())
    assert "conda-forge" in env.get("channels", []), f"{env_file}: conda-forge channel missing"
    packages = set()
    for dependency in env["dependencies"]:
        assert isinstance(dependency, str) and "=" in dependency, f"{env_file}: '{dependency}' is not pinned"
        packages.add(dependency.split("=")[0].strip())
    return packages


def test_every_rule_with_a_job_has_an_existing_pinned_env_covering_its_imports(rules):
    checked = 0
    for name, conda_env, script, basedir in rules:
        if name in RULES_WITHOUT_JOBS:
            continue
        assert conda_env, f"rule {name} has no conda: directive"
        env_file = (basedir / conda_env).resolve()
        assert env_file.exists(), f"rule {name}: {env_file} does not exist"
        declared = declared_packages(env_file)
        assert "python" in declared
        assert script, f"rule {name} runs no script (scripts/ entry points are expected)"
        imports = third_party_imports((basedir / script).resolve())
        for module in sorted(imports):
            assert module in CONDA_PACKAGES, (
                f"rule {name}: no conda package known for import '{module}'; extend CONDA_PACKAGES"
            )
            assert CONDA_PACKAGES[module] & declared, (
                f"rule {name}: {env_file.name} lacks {CONDA_PACKAGES[module]} (imported as '{module}')"
            )
        checked += 1
    assert checked >= 5


def test_import_scan_follows_the_package(rules):
    # The training script imports only genomic_dl; torch must be found through the package.
    script = next((basedir / script).resolve() for name, _, script, basedir in rules if name == "imagene_fig3_train")
    assert {"torch", "numpy"} <= third_party_imports(script)


def test_snakemake_lint_is_clean(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--lint", "--directory", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "Lints for" not in output, output[-3000:]


def test_snakefmt_is_clean():
    files = [str(REPO / "Snakefile"), *map(str, sorted((REPO / "workflow" / "rules").glob("*.smk")))]
    result = subprocess.run(
        [str(Path(sys.executable).with_name("snakefmt")), "--check", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


#: conda-forge name -> PyPI name, where they differ.
PYPI_NAMES = {"pytorch": "torch", "matplotlib-base": "matplotlib"}


def test_env_pins_agree_with_pyproject():
    """Every package pinned in envs/*.yaml that pyproject.toml also requires is pinned to a version
    pyproject accepts (the venv and the conda environments run the same major.minor versions)."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    required = {(r := Requirement(spec)).name.lower(): r.specifier for spec in project["dependencies"]}
    checked = 0
    for env_file in sorted((REPO / "envs").glob("*.yaml")):
        for dependency in yaml.safe_load(env_file.read_text())["dependencies"]:
            name, version = (part.strip() for part in dependency.split("=", 1))
            name = PYPI_NAMES.get(name, name)
            if name not in required:
                continue
            specifier = required[name]
            candidates = [version, f"{version}.0", f"{version}.99"]
            assert any(specifier.contains(v) for v in candidates), (
                f"{env_file.name}: {name}={version} is outside pyproject's {name}{specifier}"
            )
            checked += 1
    assert checked >= 20
