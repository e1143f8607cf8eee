# `make demo` and `make test` each build the virtual environment themselves when it is
# missing or older than pyproject.toml, so either works as the first command on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo font test lint notebook bench clean

$(STAMP): pyproject.toml hatch_build.py $(wildcard mkslog/native/*.c mkslog/native/*.h)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Japanese reports embed a CJK font from the system (mkslog/report/fonts.py): install Debian's
# fonts-ipaexfont-gothic when none is there and this is a root shell with apt-get, else say how.
font:
	@$(PY) -c "from mkslog.report.fonts import find_font; raise SystemExit(find_font() is None)" 2>/dev/null \
	|| { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	       apt-get update -qq && apt-get install -y -qq --no-install-recommends fonts-ipaexfont-gothic; \
	     else echo "no Japanese font: apt-get install fonts-ipaexfont-gothic (or set [report] font in mkslog.toml)"; fi; }

demo: $(STAMP) font
	$(PY) -m mkslog demo --config mkslog.example.toml
	$(PY) -m mkslog report --week 2026-W47 --config mkslog.example.toml

test: $(STAMP)
	$(PY) -m ruff check mkslog tests bench hatch_build.py
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check mkslog tests bench hatch_build.py

notebook: $(STAMP)
	$(PY) -m pip install --quiet -e '.[notebook]'
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(VENV)/bin/jupyter lab --notebook-dir=notebooks

bench: $(STAMP)
	$(PY) bench/parse_speed.py --lines 1000000

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
