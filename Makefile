# microcred: `make run` to try it, `make test` to test it. Both set up everything they need.
PYTHON ?= python3
VENV := .venv
# The dev convenience: import ESCO from ../shared when it is there and MICROCRED_ESCO_PATH is unset.
export MICROCRED_ESCO_PATH ?= $(wildcard ../shared/esco/v1.1.1)
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: run test bench install install-dev lint services chromium node-test-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The app's locked dependencies, and microcred itself in editable mode.
$(VENV)/.runtime: $(BIN)/python requirements.lock pyproject.toml
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps -e .
	touch $@

# Plus what the tests and checks use.
$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PIP) install -r requirements-dev.lock
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Set up a SQLite database under ./var, ESCO and the demo, and serve on http://127.0.0.1:8000
# ESCO comes before the demo (its micro-credentials name ESCO skills); the demo's accounts box is printed last.
run: install
	$(BIN)/microcred db upgrade
	$(BIN)/microcred taxonomy ensure --no-vectors
	@mkdir -p var && ( $(BIN)/microcred taxonomy vectors > var/vectors.log 2>&1 & ) ; \
	  echo "Sentence vectors are computed in the background: progress in var/vectors.log and on /health;" \
	    "search is lexical until they are ready."
	$(BIN)/microcred demo --accounts-file var/demo-accounts.txt
	$(BIN)/microcred serve

## Set up what the tests need (PostgreSQL, Redis, Debian's chromium), check the code, run every test
test: install-dev services chromium lint node-test-deps
	$(BIN)/python -m pytest -n auto

## Benchmarks, with the esco-skill-extractor baseline (installs torch's CPU build and sentence-transformers)
$(VENV)/.bench: $(VENV)/.dev requirements-bench.lock
	$(PIP) install -r requirements-bench.lock
	touch $@

bench: $(VENV)/.bench
	$(BIN)/microcred db upgrade
	$(BIN)/microcred taxonomy ensure
	$(BIN)/python -m bench.skills_quality
	$(BIN)/python -m bench.skills_speed
	$(BIN)/python -m bench.catalogue_speed
	$(BIN)/python -m bench.issuing_speed
	$(BIN)/python -m bench.verify_speed
	$(BIN)/python -m bench.jwt_speed
	$(BIN)/python -m bench.sd_speed

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

services:
	@scripts/services

# axe-core, which the browser tests inject into each page (tests/node/package-lock.json pins it)
tests/node/node_modules/.installed: tests/node/package-lock.json tests/node/package.json
	npm ci --prefix tests/node --no-audit --no-fund
	touch $@

node-test-deps: tests/node/node_modules/.installed

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .ruff_cache .mypy_cache test-artifacts
