# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-fast install lint format lock bench bench-scale wrk-installed

# Every package pinned, with the hashes of its files (pip-tools): pip refuses anything else.
# The project itself is installed on top, its dependencies already being there.
$(VENV)/.installed: pyproject.toml requirements/development.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/development.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

## Run the portal with demo data on SQLite: http://127.0.0.1:$(PORT)
# Links in emails (and the invitation link seed_demo prints) follow the port the site is served on.
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py run_periodic_tasks & trap "kill $$! 2>/dev/null" EXIT; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## Run every test (unit, view, browser). DATABASE_URL=postgres://… runs them on PostgreSQL.
test: install
	$(PY) -m pytest $(PYTEST_ARGS)

## The fast part only (no browser).
test-fast: install
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

## Lint, formatting, import contracts (.importlinter), types (mypy) and missing migrations.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

## The HTTP benchmark (scripts/bench_http.py): gunicorn with production settings on PostgreSQL,
## wrk against each hot page and a Django hello world. `bench` rebuilds the demo data in database
## portal_bench; `bench-scale` uses the seed_scale data set in portal_scale, building it first
## when that database does not exist (SCALE_PATIENTS, default 1,000,000: about 10 minutes).
BENCH_ARGS ?=
SCALE_PATIENTS ?= 1000000
PG_ADMIN ?= postgres://postgres@127.0.0.1:5432
wrk-installed:
	@command -v wrk >/dev/null || { [ "$$(id -u)" -eq 0 ] && apt-get install -y -q wrk || sudo apt-get install -y -q wrk; }

bench: install wrk-installed
	$(PY) scripts/bench_http.py --data demo $(BENCH_ARGS)

bench-scale: install wrk-installed
	@if ! psql "$(PG_ADMIN)/portal_scale" -tAc "select 1 from clinics_clinic limit 1" 2>/dev/null | grep -q 1; then \
		psql "$(PG_ADMIN)/postgres" -qc "DROP DATABASE IF EXISTS portal_scale" -c "CREATE DATABASE portal_scale" && \
		DATABASE_URL=$(PG_ADMIN)/portal_scale $(PY) manage.py migrate --noinput && \
		DATABASE_URL=$(PG_ADMIN)/portal_scale $(PY) manage.py createcachetable && \
		DATABASE_URL=$(PG_ADMIN)/portal_scale $(PY) manage.py seed_scale --patients $(SCALE_PATIENTS); \
	else DATABASE_URL=$(PG_ADMIN)/portal_scale $(PY) manage.py migrate --noinput; fi
	$(PY) scripts/bench_http.py --data scale $(BENCH_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## Re-pin every Python package after changing pyproject.toml: requirements/production.txt
## ([project] dependencies) and requirements/development.txt (the same pins plus the dev extra).
## Existing pins are kept; LOCK_ARGS=--upgrade (or --upgrade-package NAME) moves them.
## Only PyPI's files and hashes: the machine's own pip configuration (local mirrors, extra
## indexes) is left out so the hashes match what every other machine downloads.
PIP_COMPILE = env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
	CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	--strip-extras --no-emit-find-links --no-emit-index-url $(LOCK_ARGS)

lock: $(VENV)/.installed
	$(PIP_COMPILE) --output-file requirements/production.txt pyproject.toml
	$(PIP_COMPILE) --extra dev --constraint requirements/production.txt \
		--output-file requirements/development.txt pyproject.toml
