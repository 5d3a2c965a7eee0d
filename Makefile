# Two entry points, each of which creates or updates the virtual environment by itself:
#   make run    the default preset, offline (all figure targets; TARGETS=evoaug2023 or
#               TARGETS="imagene2019 cecil2023": one part, see the Snakefile's per-paper rules)
#   make test   the test suite (includes the smoke preset end to end)
# Versions come from constraints.txt (pip -c); `make constraints` re-freezes it from .venv,
# `make upgrade` moves .venv to the newest versions pyproject.toml allows and re-freezes.
PYTHON ?= python3.11
VENV   := .venv
CORES  ?= all
TARGETS ?=
STAMP  := $(VENV)/.installed
PIP    := $(VENV)/bin/pip

.PHONY: run test smoke constraints upgrade

$(STAMP): pyproject.toml constraints.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# torch first: the local CPU wheel, so that nothing pulls the CUDA build
	$(PIP) install --quiet -c constraints.txt torch==2.13.0
	$(PIP) install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/snakemake --cores $(CORES) $(TARGETS)

smoke: $(STAMP)
	$(VENV)/bin/snakemake --cores $(CORES) --configfile config/presets/smoke.yaml

test: $(STAMP)
	$(VENV)/bin/python -m pytest

# Re-freeze constraints.txt from what .venv has now (the editable package itself excluded;
# torch without its +cpu label). Commit the result.
constraints: $(STAMP)
	{ sed -n '/^#/p' constraints.txt; \
	  $(PIP) freeze --exclude-editable --exclude genomic-dl | sed -E 's/^(torch==[^+]*)\+.*/\1/'; \
	} > constraints.txt.new
	mv constraints.txt.new constraints.txt
	touch $(STAMP)

# Newest versions pyproject.toml allows (torch stays at its pin), then re-freeze; run `make test`.
upgrade:
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet --upgrade --upgrade-strategy eager -e '.[dev]'
	touch $(STAMP)
	$(MAKE) constraints
