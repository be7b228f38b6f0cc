# make test / make demo work on a fresh clone with only python3 installed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_TEST := $(VENV)/.installed-test
STAMP_DEMO := $(VENV)/.installed-demo
STAMP_BENCH := $(VENV)/.installed-bench

.PHONY: test demo bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

$(STAMP_DEMO): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test,examples]"
	touch $@

$(STAMP_BENCH): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test,examples,bench]"
	touch $@

test: $(STAMP_TEST)
	$(PY) -m pytest

demo: $(STAMP_DEMO)
	$(PY) examples/tour.py

bench: $(STAMP_BENCH)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
