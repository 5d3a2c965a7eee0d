# Two entry points, each of which creates or updates the virtual environment by itself:
#   make run    the default preset, offline (all figure targets)
#   make test   the test suite (includes the smoke preset end to end)
PYTHON ?= python3.11
VENV   := .venv
CORES  ?= all
STAMP  := $(VENV)/.installed

.PHONY: run test smoke

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# torch first: the local CPU wheel, so that nothing pulls the CUDA build
	$(VENV)/bin/pip install --quiet torch==2.13.0
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/snakemake --cores $(CORES)

smoke: $(STAMP)
	$(VENV)/bin/snakemake --cores $(CORES) --configfile config/presets/smoke.yaml

test: $(STAMP)
	$(VENV)/bin/python -m pytest
