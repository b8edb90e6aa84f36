# The two commands a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export PYTHONDONTWRITEBYTECODE := 1
# PostgreSQL for the second pass of the suite; CI starts the server first (.ci/run).
DATABASE_URL_TEST ?= postgres://postgres@127.0.0.1:5432/partners_test
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)
PYTEST_ARGS ?=
XDIST ?= -n 2 --dist loadfile

.PHONY: help demo serve test test-sqlite test-postgres test-fast lint bench load install clean eq5d-crosswalk

help:
	@echo "make demo        serve the synthetic demo ICS on http://127.0.0.1:$(PORT) (PORT=8123 for another port)"
	@echo "make test        lint, then the whole suite on SQLite and on PostgreSQL, browser tests included"
	@echo "make bench       national-scale benchmarks; writes bench/results.json and bench/results.md"
	@echo "make load        50 users for 3 minutes against gunicorn + PostgreSQL (Locust); figures into bench/results.json"
	@echo "make lint        ruff, mypy, bandit, pip-audit"

$(STAMP): pyproject.toml scripts/find-python
	@PYBIN=$$(scripts/find-python) && echo "Using $$PYBIN" && \
	  { [ -x $(PY) ] || $$PYBIN -m venv $(VENV); }
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP) $(NODE_STAMP)
	@$(VENV)/bin/partners measures install-crosswalk --if-missing --timeout 15 >/dev/null 2>&1 || \
	  echo "note: the EQ-5D-5L van Hout crosswalk is not installed (CRAN not reachable?): 'make eq5d-crosswalk' says why. Other value sets need nothing."

# The van Hout EQ-5D-5L crosswalk may not be committed: fetch the pinned eq5d package from CRAN, check its
# sha256, convert with Rscript into var/measures/ (offline: partners measures install-crosswalk --from FILE).
eq5d-crosswalk: $(STAMP)
	$(VENV)/bin/partners measures install-crosswalk

demo: install
	$(VENV)/bin/partners demo --port $(PORT)

serve: install
	$(VENV)/bin/partners serve

# bandit: config in pyproject.toml [tool.bandit]; case finding's DuckDB/Spark SQL (built from code constants)
# is checked with B608 off, as ruff's per-file-ignores do. pip-audit checks every installed package against
# PyPI's vulnerability data (PIP_AUDIT_ARGS=--strict also fails when a package could not be looked up).
lint: install
	$(VENV)/bin/ruff check partners bench
	$(VENV)/bin/mypy partners
	$(VENV)/bin/bandit -q -c pyproject.toml -r partners bench
	$(VENV)/bin/bandit -q -s B101,B311,B404,B608 -r partners/casefinding/core bench/casefind.py
	$(VENV)/bin/pip-audit --skip-editable --progress-spinner off $(PIP_AUDIT_ARGS)

# Both databases, every test; PostgreSQL is required (set POSTGRES=skip to run SQLite only,
# which prints a warning and never counts as a full run).
test: install
	$(VENV)/bin/ruff check partners bench
	$(MAKE) --no-print-directory test-sqlite
ifeq ($(POSTGRES),skip)
	@echo "WARNING: POSTGRES=skip - the PostgreSQL pass was NOT run; this is not a full test run." >&2
else
	$(MAKE) --no-print-directory test-postgres
endif

test-sqlite: install
	@echo "== test suite on SQLite =="
	PARTNERS_ENV=test PARTNERS_CHROMIUM=$(CHROMIUM) DATABASE_URL= PARTNERS_REQUIRE_POSTGRES= \
	  $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

test-postgres: install
	@echo "== test suite on PostgreSQL ($(DATABASE_URL_TEST)) =="
	@$(PY) scripts/require-postgres.py "$(DATABASE_URL_TEST)"
	PARTNERS_ENV=test PARTNERS_CHROMIUM=$(CHROMIUM) DATABASE_URL=$(DATABASE_URL_TEST) PARTNERS_REQUIRE_POSTGRES=1 \
	  $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

bench: install
	$(PY) -m bench $(BENCH_ARGS)

# The load suite alone (LOAD_USERS=50 LOAD_SECONDS=180 by default; BENCH_DATABASE_URL for the database).
load: install
	$(PY) -m bench --only load $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
