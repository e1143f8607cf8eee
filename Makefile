# `make demo` and `make test` each build the virtual environment themselves when it is
# missing or older than pyproject.toml, so either works as the first command on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint notebook bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m mkslog demo --config mkslog.example.toml
	$(PY) -m mkslog report --week 2026-W47 --config mkslog.example.toml

test: $(STAMP)
	$(PY) -m ruff check mkslog tests bench
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check mkslog tests bench

notebook: $(STAMP)
	$(PY) -m pip install --quiet -e '.[notebook]'
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(PY) bench/parse_speed.py --lines 1000000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
