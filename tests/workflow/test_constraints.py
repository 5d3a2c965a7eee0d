"""constraints.txt pins every dependency pyproject.toml declares, and make installs with it."""

import re
import tomllib

from conftest import REPO
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version


def pins() -> dict[str, Version]:
    found = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
        assert match, f"constraints.txt: {line!r} is not an exact pin 'name==version'"
        found[canonicalize_name(match[1])] = Version(match[2])
    return found


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def test_every_dependency_is_pinned_within_its_pyproject_range():
    pinned = pins()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} (pyproject.toml) has no pin in constraints.txt"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"constraints.txt pins {name}=={pinned[name]}, outside pyproject.toml's {requirement}"
        )


def test_the_package_itself_is_not_pinned():
    assert "genomic-dl" not in pins()


def test_make_installs_with_the_constraints_and_can_refresh_them():
    makefile = (REPO / "Makefile").read_text()
    stamp_rule = makefile.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert "constraints.txt" in stamp_rule.splitlines()[0], "the venv must be rebuilt when constraints.txt changes"
    installs = [line for line in stamp_rule.splitlines()[1:] if " install " in line and "--upgrade pip" not in line]
    assert len(installs) >= 2, stamp_rule  # torch, then the package
    for line in installs:
        assert "-c constraints.txt" in line, line
    assert re.search(r"^constraints:", makefile, re.MULTILINE) and re.search(r"^upgrade:", makefile, re.MULTILINE)
