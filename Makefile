# The two set-up commands of the README. Both create (once) and reuse the virtual environment .venv.
#   make run    the main job on the embedded default workspace (this repository)
#   make test   the checks (ruff, deptry, import-linter), then the whole test suite: unit, slow, integration
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newscorpus needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/newscorpus run

test: lint
	$(VENV)/bin/python -m pytest

# ruff: lint (pyflakes, pycodestyle, import order, bugbear; print() only in the CLI) and format; deptry:
# every imported distribution declared; import-linter: the layers (contracts in pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/deptry .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(VENV)/bin/python bench/ingest_tokenize.py

clean-venv:
	rm -rf $(VENV)
