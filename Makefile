# Quick start: `make demo` and `make test` work from a fresh clone with python3 (>= 3.10).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The pinned CPU build of PyTorch, for parity tests and benchmarks only (never a runtime
# dependency). The tests use it only when the local CPU wheel is there.
TORCH  := torch==2.13.0
# The "+cpu" local version only exists as a local wheel, so this can never pull a CUDA build.
WHEELS ?= /opt/wheels

.PHONY: install demo test test-fast bench docs compat clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test,viz,translate,playground,docs,distributed]"
	touch $(STAMP)

install: $(STAMP)

$(VENV)/.torch: $(STAMP)
	@if ls $(WHEELS)/torch-2.13.0+cpu-*.whl >/dev/null 2>&1; then \
	  $(BIN)/python -m pip install --quiet --find-links $(WHEELS) "torch==2.13.0+cpu" \
	    || echo "torch 2.13.0+cpu did not install: PyTorch parity tests will skip"; \
	else echo "no local CPU wheel of torch 2.13.0 in $(WHEELS): PyTorch parity tests will skip"; fi
	touch $(VENV)/.torch

demo: $(STAMP)
	$(BIN)/chainrule demo all

test: $(STAMP) $(VENV)/.torch
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet "$(TORCH)" "threadpoolctl>=3.1" "psutil>=5.9" "scikit-learn>=1.2"
	$(BIN)/python benchmarks/run.py

docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python docs/build.py
	@echo "open site/index.html"

# COMPATIBILITY.md: PyTorch's op and module databases run against chainrule (needs torch).
compat: $(STAMP) $(VENV)/.torch
	OPENBLAS_NUM_THREADS=1 $(BIN)/python tests/conformance/report.py

clean:
	rm -rf $(VENV) chainrule-demo .pytest_cache build src/*.egg-info site docs/lecture docs/reference
