# Inspiring: `make run` serves the demo site, `make test` runs the tests.
# Every target bootstraps what it needs (.venv from the lock files, front-end
# assets from npm) and skips what is already up to date.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
HOST ?= 127.0.0.1
PORT ?= 8000

# `make run` is a local demo: development mode, demo data, no two-factor prompt.
RUN_ENV := DEBUG=1 DEMO_MODE=1
# Tools that read the settings (mypy's Django plugin) need a mode too.
LINT_ENV := DEBUG=1

.PHONY: run test lint bench setup assets lock clean help systemd smoke faults

help:
	@echo "make run    set up, load demo data and serve on http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite"
	@echo "make lint   ruff, import contracts (.importlinter) and mypy"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make lock   recompile requirements*.txt from requirements*.in"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/runtime: requirements.txt requirements-pip.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/dev: requirements.txt requirements-dev.txt requirements-pip.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/runtime

# NHS England's MESH sandbox for the MESH tests, a server in its own virtualenv: it pins
# an older gunicorn than the site's, and the site never imports it.
MESH_VENV := .venv-mesh
$(STAMPS)/mesh-sandbox: requirements-mesh-sandbox.txt requirements-pip.txt
	$(PYTHON) -m venv $(MESH_VENV)
	$(MESH_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-pip.txt
	$(MESH_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-mesh-sandbox.txt
	@mkdir -p $(STAMPS) && touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

static/build/app.css: node_modules/.package-lock.json $(wildcard frontend/*)
	npm run --silent build

assets: static/build/app.css

setup: $(STAMPS)/runtime assets

# NHS England's MESH sandbox beside the site in development (deploy/mesh_sandbox.py), on
# loopback: the demo's GP referrals come in through it, the message back goes out through
# it. The site and worker are given its MESH_* settings unless you set MESH yourself
# (any of MESH_URL, MESH_MAILBOX_ID, ...: `MESH_URL= make run` runs without MESH).
MESH_SANDBOX_PORT ?= 8700
MESH_SANDBOX := $(BIN)/python deploy/mesh_sandbox.py --port $(MESH_SANDBOX_PORT)

run: setup $(STAMPS)/mesh-sandbox
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py load_geography
	@# A background worker beside the site, as in production: a booklet is built by
	@# the worker while its page shows progress, never inside the request. The MESH
	@# sandbox first, for load_demo to send the demo referrals through.
	@$(MESH_SANDBOX) serve & sandbox=$$!; worker=; \
	  trap 'kill $$worker $$sandbox 2>/dev/null' EXIT INT TERM; \
	  if $(MESH_SANDBOX) wait; then mesh=$$($(MESH_SANDBOX) env); \
	  else mesh=; echo "Running without MESH: its sandbox did not start."; fi; \
	  env $(RUN_ENV) $$mesh $(BIN)/python manage.py load_demo || exit 1; \
	  echo; echo "Serving Inspiring on http://$(HOST):$(PORT) (Ctrl+C to stop)"; \
	  test -z "$$mesh" || echo "MESH: the sandbox on http://127.0.0.1:$(MESH_SANDBOX_PORT)"; \
	  env $(RUN_ENV) $$mesh TASKS_BACKEND=database $(BIN)/python manage.py db_worker \
	    --no-startup-delay & worker=$$!; \
	  env $(RUN_ENV) $$mesh TASKS_BACKEND=database $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Across every core (pytest-xdist; each worker has its own test database). One test
# file alone: `make test PYTEST_WORKERS=0 PYTEST_ARGS=tests/areas`.
# --dist load, not worksteal: pytest-django runs the transactional tests after the
# others because each ends by emptying every table (the geography loaded for the run,
# the data migrations' rows); load hands each worker tests in that order, while work
# stealing could give a worker ordinary tests after it had run transactional ones (CI
# saw a worker's later tests find no postcodes and no survey activities).
PYTEST_WORKERS ?= auto

test: $(STAMPS)/dev $(STAMPS)/mesh-sandbox assets
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist load $(PYTEST_ARGS)

# The production stack on PostgreSQL, started from the Procfile and used (DATABASE_URL
# must name a PostgreSQL server whose user may create databases).
smoke: $(STAMPS)/dev assets
	$(BIN)/python deploy/smoke.py

# Fault tests: the production processes broken on purpose, one at a time (PostgreSQL;
# one restarts the database server, so they never run beside other tests).
faults: $(STAMPS)/dev assets
	INSPIRING_FAULTS=1 $(BIN)/python -m pytest -n 0 -m faults tests/faults $(PYTEST_ARGS)

lint: $(STAMPS)/dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(LINT_ENV) $(BIN)/mypy .

bench: $(STAMPS)/dev assets
	@for script in bench/*.py; do echo "== $$script"; $(LINT_ENV) $(BIN)/python $$script || exit 1; done

# The example systemd units in deploy/systemd, from the Procfile (tests/ops keeps them
# in step with it).
systemd: $(STAMPS)/runtime
	$(BIN)/honcho export -e /dev/null -f "$(CURDIR)/Procfile" -a inspiring -u inspiring \
	  -d /srv/inspiring -p 8000 -t deploy/templates systemd deploy/systemd

lock: $(STAMPS)/dev
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements-dev.txt requirements-dev.in
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras -o requirements-mesh-sandbox.txt requirements-mesh-sandbox.in

clean:
	rm -rf $(VENV) $(MESH_VENV) $(STAMPS) node_modules static/build staticfiles
