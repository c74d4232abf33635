# pimdesk: two commands on a fresh machine.
#   make run   - local virtual environment, package installed, the app on the default library
#   make test  - the same environment with the test extras, then the whole suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/pimdesk gui

test: $(TEST_STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check pimdesk tests benchmarks
	$(BIN)/ruff format --check pimdesk tests benchmarks

bench: $(TEST_STAMP)
	$(BIN)/python -m benchmarks

screenshots: $(TEST_STAMP)
	$(BIN)/python -m pimdesk.gui.screenshots docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
