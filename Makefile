# One command each: `make demo`, `make test`. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_DIR := local/node
STAMP_PY := $(VENV)/.installed
STAMP_NPM := $(NODE_DIR)/node_modules/.installed
PYTEST_ARGS ?=

.PHONY: setup test lint typecheck pytest demo demo-stop bench clean

setup: $(STAMP_PY) $(STAMP_NPM)

$(STAMP_PY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(STAMP_NPM): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP_PY)
	$(BIN)/ruff check sdk provider local tests examples benchmarks
	$(BIN)/ruff format --check sdk provider local tests examples benchmarks

typecheck: $(STAMP_PY)
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

test: lint typecheck pytest

demo: setup
	$(BIN)/python local/demo.py $(if $(KEEP),--keep,)

demo-stop: $(STAMP_PY)
	$(BIN)/python local/demo.py --stop

bench: setup
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) $(NODE_DIR)/node_modules .pytest_cache .mypy_cache .ruff_cache
