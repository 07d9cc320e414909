# The two set-up commands of the README. Both create (once) and reuse the virtual environment .venv.
#   make run    the main job on the embedded default workspace (this repository)
#   make test   the whole test suite: unit tests, then the integration tests
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test bench clean-venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "newscorpus needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/newscorpus run

test: $(STAMP)
	$(VENV)/bin/python -m pytest

bench: $(STAMP)
	$(VENV)/bin/python bench/ingest_tokenize.py

clean-venv:
	rm -rf $(VENV)
