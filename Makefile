# Quick start: `make demo` and `make test` work from a fresh clone with python3 (>= 3.10).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The pinned CPU build of PyTorch, for parity tests and benchmarks only (never a runtime
# dependency). Installed only when a local wheel is found, so nothing pulls a CUDA build.
TORCH  := torch==2.13.0

.PHONY: install demo test test-fast bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,viz,translate]"
	touch $(STAMP)

install: $(STAMP)

$(VENV)/.torch: $(STAMP)
	-$(BIN)/python -m pip install --quiet --no-index --find-links /opt/wheels "$(TORCH)" \
	  || echo "torch $(TORCH) has no local wheel here: PyTorch parity tests will skip"
	touch $(VENV)/.torch

demo: $(STAMP)
	$(BIN)/chainrule demo all

test: $(STAMP) $(VENV)/.torch
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet "$(TORCH)" "threadpoolctl>=3.1" "psutil>=5.9"
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) chainrule-demo .pytest_cache build src/*.egg-info
