# One command each: `make demo`, `make test`. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
NODE_DIR := local/node
STAMP_PY := $(VENV)/.installed
STAMP_NPM := $(NODE_DIR)/node_modules/.installed
PYTEST_ARGS ?=
# The pulumi engine, built once from Go modules (engine/build.py); `make PULUMI=/path/to/pulumi` links an
# installed pulumi of the pinned version instead.
ENGINE_DIR := .engine
STAMP_ENGINE := $(ENGINE_DIR)/build.json
PULUMI ?=

.PHONY: setup engine test lint typecheck pytest demo demo-stop bench clean

setup: $(STAMP_PY) $(STAMP_NPM) $(STAMP_ENGINE)

engine: $(STAMP_ENGINE)

$(STAMP_ENGINE): engine/build.py engine/cli/go.mod engine/cli/go.sum engine/language-host/go.mod engine/language-host/go.sum
	$(PYTHON) engine/build.py --out $(ENGINE_DIR) $(if $(PULUMI),--pulumi $(PULUMI),)

$(STAMP_PY): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(STAMP_NPM): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: $(STAMP_PY)
	$(BIN)/ruff check sdk provider local tests examples benchmarks engine
	$(BIN)/ruff format --check sdk provider local tests examples benchmarks engine

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
	rm -rf $(VENV) $(NODE_DIR)/node_modules $(ENGINE_DIR) .pytest_cache .mypy_cache .ruff_cache
