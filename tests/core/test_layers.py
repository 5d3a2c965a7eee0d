"""The package's layering: the shared core never imports a paper package, and a paper package
never imports another paper's (each paper's code is found in one place)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "genomic_dl"
PAPERS = ("imagene2019", "cecil2023", "evoaug2023")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in names if name.split(".")[0] == "genomic_dl"}


def paper_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in PAPERS else None


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(PACKAGE)) for p in MODULES])
def test_no_import_from_a_higher_or_sideways_layer(path):
    relative = path.relative_to(PACKAGE).parts
    own = relative[0] if relative[0] in PAPERS else None
    for module in imported_modules(path):
        paper = paper_of(module)
        if own is None:
            assert paper is None, f"core module {path.name} imports the paper package {module}"
        else:
            assert paper in (None, own), f"{own} module {path.name} imports another paper's {module}"


def test_every_paper_has_a_plan():
    for paper in PAPERS:
        assert (PACKAGE / paper / "plan.py").is_file()
