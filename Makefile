# The two set-up commands of the README; each creates the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-all bench clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,archives,rules]'
	touch $(STAMP)

## atlens on a live stream of generated events
demo: $(STAMP)
	$(BIN)/atlens demo

## the whole test suite (core, CLI, follow, Pilot, end-to-end in tmux)
test: $(STAMP)
	$(BIN)/python -m pytest

## the whole test suite and the slow tests (every theme, one by one)
test-all: $(STAMP)
	$(BIN)/python -m pytest -m ''

## the benchmarks (not part of the tests): events per second, latency, memory, with baselines
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) benchmarks/.data .pytest_cache
