# Two entry points for a new machine (see README.md):
#   make demo  -> create .venv, install, run the whole pipeline on data/samples and the shared seed pages
#   make test  -> create .venv, install, run the default (fast) test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= ../shared
export PREFECT_HOME := $(CURDIR)/.prefect
export PREFECT_LOGGING_LEVEL ?= WARNING
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: setup demo test test-slow lint format

$(BIN)/biomed-extract: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/biomed-extract

demo: setup
	$(BIN)/biomed-extract run data/samples $(SHARED)/samples/pages --out data/output
	$(BIN)/biomed-extract check --out data/output
	$(BIN)/biomed-extract report --out data/output --html data/output/report.html

# ruff (lint + format check) and the import-linter layer contract (pyproject.toml)
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# two pytest-xdist worker processes; tests/conftest.py keeps the tests that share an expensive fixture in one
test: setup
	$(BIN)/python -m pytest -m "not slow" -q -p no:cacheprovider -n 2 --dist loadscope

test-slow: setup
	$(BIN)/python -m pytest -m slow -q -p no:cacheprovider
