# make test / make demo work on a fresh clone with only python3 installed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_TEST := $(VENV)/.installed-test
STAMP_DEMO := $(VENV)/.installed-demo
STAMP_BENCH := $(VENV)/.installed-bench
STAMP_DOCS := $(VENV)/.installed-docs

# make test-floor: the suite on the lowest versions allowed (Python 3.10, numpy and numba
# pinned by ci/floor-constraints.txt) in a second venv. pyenv's shims do not run a
# version that is not selected, so its install directory is looked up first.
PYTHON_FLOOR ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python3.10) python3.10)
VENV_FLOOR := .venv-floor
PY_FLOOR := $(VENV_FLOOR)/bin/python
STAMP_FLOOR := $(VENV_FLOOR)/.installed-floor

.PHONY: test test-floor demo bench docs clean

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

$(STAMP_DOCS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[docs]"
	touch $@

test: $(STAMP_TEST)
	$(PY) -m pytest

$(PY_FLOOR):
	@$(PYTHON_FLOOR) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null || { \
	  echo "make test-floor needs Python 3.10 (the lowest supported version), and" \
	       "'$(PYTHON_FLOOR)' is not a working python3.10." \
	       "Install one (e.g. 'pyenv install 3.10') or run: make test-floor PYTHON_FLOOR=/path/to/python3.10" >&2; \
	  exit 1; }
	$(PYTHON_FLOOR) -m venv $(VENV_FLOOR)
	$(PY_FLOOR) -m pip install --quiet --upgrade pip

$(STAMP_FLOOR): pyproject.toml ci/floor-constraints.txt | $(PY_FLOOR)
	$(PY_FLOOR) -m pip install --quiet -c ci/floor-constraints.txt -e ".[test]"
	touch $@

test-floor: $(STAMP_FLOOR)
	$(PY_FLOOR) -c 'import sys, numpy, numba; print("floor: Python", sys.version.split()[0], "numpy", numpy.__version__, "numba", numba.__version__)'
	$(PY_FLOOR) -m pytest

demo: $(STAMP_DEMO)
	$(PY) examples/tour.py

bench: $(STAMP_BENCH)
	$(PY) benchmarks/run_all.py

# make docs: the API reference and guides into docs/_build/html, read from scratch (-E) in
# nitpicky mode (-n) with warnings as errors (-W): a reference to nothing fails the build.
docs: $(STAMP_DOCS)
	$(PY) -m sphinx -E -n -W --keep-going -q -b html docs docs/_build/html
	@echo "docs built: docs/_build/html/index.html"

clean:
	rm -rf $(VENV) $(VENV_FLOOR) .pytest_cache .hypothesis build dist docs/_build docs/_generated
