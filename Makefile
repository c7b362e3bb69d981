# Customs training platform: `make run` for the demo, `make test` for the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STAMP_PY := $(VENV)/.installed-dev
STAMP_NODE := node_modules/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/customs_lms
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs in three processes (pytest-xdist): browser tests wait on the browser, so
# three keep both cores busy. PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_ARGS ?= -n 3 --durations=25
# The browser tests (marker "browser") and the tests that use no database (parsers, pure
# rules: they give the same result on any database) run in the SQLite leg; the PostgreSQL
# leg runs every other test, which holds every database-dependent one (row locks,
# concurrent tabs over HTTP, query counts): together both legs stay under CI's 30 minutes
# on two cores. PG_PYTEST_ARGS= runs everything on PostgreSQL too.
PG_PYTEST_ARGS ?= -m "not browser" --database-tests-only
# `make test` runs both legs at once: the SQLite leg waits on Chromium for much of its
# time and each leg alone left a core idle, so side by side they finish in about the
# time of the longer one. Each leg takes three processes.
PG_LEG_ARGS ?= -n 3 --durations=25

.PHONY: help setup run test lint format check-deploy test-sqlite test-postgres browser-deps lock \
        postgres messages bench bench-exam bench-certificates bench-tracking bench-content bench-questions bench-search bench-pages bench-sqlite bench-multinode bench-side clean

help:
	@echo "make run      install what is needed, migrate, seed the demo, serve on http://$(HOST):$(PORT)"
	@echo "make setup    install and migrate without serving"
	@echo "make test     install what is needed and run the whole suite (SQLite, then PostgreSQL)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make format   ruff format and ruff check --fix"
	@echo "make messages refresh and compile the translation catalogues"
	@echo "make bench    run the benchmarks in bench/ and print their figures"
	@echo "make bench-content  package imports over the corpora, lesson page of real H5P"
	@echo "make bench-questions  question imports over the corpora and a 5,000-question file"
	@echo "make bench-search  catalogue search over 500 lessons (SQLite; PostgreSQL with DATABASE_URL)"
	@echo "make bench-pages   page weight of the officer's home, catalogue and a text lesson"
	@echo "make bench-sqlite  concurrent xAPI posts and exam autosaves on SQLite (make run's server)"
	@echo "make bench-multinode  an exam through nginx and several app instances (PostgreSQL): an instance"
	@echo "                   killed, Redis restarted, scale out and upgrade mid-run; figures and checks"
	@echo "make bench-side  the signed-in lesson page under wrk beside the closest Wagtail peer"
	@echo "                   (wagtail-lms, installed once): req/s medians and the ratio"
	@echo "make clean    remove the virtualenv, node_modules and the local database"

# --- installation (each step is skipped when already done) -------------------------------

$(STAMP_PY): pyproject.toml requirements.lock .python-version
	@py=$$(command -v python$(PYTHON_VERSION) || true); \
	if [ -z "$$py" ]; then \
	  echo "Python $(PYTHON_VERSION) is needed (see .python-version); install it, e.g. 'pyenv install $(PYTHON_VERSION)' or 'apt-get install python$(PYTHON_VERSION)'." >&2; \
	  exit 1; \
	fi; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(PYTHON_VERSION)".split("."))))'; then \
	  rm -rf $(VENV); "$$py" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $@

$(STAMP_NODE): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

browser-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	[ -x /usr/bin/redis-server ] || missing="$$missing redis-server"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	command -v pg_dump >/dev/null || missing="$$missing postgresql-client"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages for the browser, PDF, shared-cache and deployment tests:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The tests need Debian's$$missing: run 'sudo apt-get install$$missing', then 'make test' again." >&2; \
	    exit 1; \
	  fi; \
	fi

setup: $(STAMP_PY) $(STAMP_NODE)
	$(MANAGE) migrate --noinput

run: setup
	$(MANAGE) seed_demo
	$(MANAGE) runserver $(HOST):$(PORT)

# --- checks and tests ---------------------------------------------------------------------

lint: $(STAMP_PY)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP_PY)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: $(STAMP_PY)
	DJANGO_SETTINGS_MODULE=lms.settings.production \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	DJANGO_ALLOWED_HOSTS=training.customs.example \
	LMS_CONTENT_ORIGIN=https://content.training.customs.example \
	LMS_PUBLIC_URL=https://training.customs.example \
	DATABASE_URL=$(PG_URL) \
	REDIS_URL=redis://127.0.0.1:6379/0 \
	AWS_STORAGE_BUCKET_NAME=lms-media AWS_S3_ENDPOINT_URL=https://objects.training.customs.example \
	LMS_CREDENTIAL_KEY="$$($(PY) -c 'from certificates.credentials import IssuerKey; print(IssuerKey.generate().private_pem().decode())')" \
	$(MANAGE) check --deploy --fail-level WARNING

test-sqlite: $(STAMP_PY) $(STAMP_NODE) browser-deps
	DATABASE_URL= $(VENV)/bin/pytest $(PYTEST_ARGS)

postgres:
	@scripts/ensure-postgres.sh

test-postgres: $(STAMP_PY) $(STAMP_NODE) browser-deps
	@if scripts/ensure-postgres.sh; then \
	  DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest $(PYTEST_ARGS) $(PG_PYTEST_ARGS); \
	else \
	  status=$$?; \
	  if [ "$$status" = "2" ]; then echo "PostgreSQL run skipped: no server (set REQUIRE_POSTGRES=1 to make this an error)."; \
	  else exit $$status; fi; \
	fi

test: $(STAMP_PY) $(STAMP_NODE) browser-deps
	$(MAKE) --no-print-directory lint
	$(MANAGE) makemigrations --check --dry-run
	$(MAKE) --no-print-directory check-deploy
	@scripts/test-legs.sh "$(MAKE) --no-print-directory test-sqlite" "$(MAKE) --no-print-directory test-postgres PYTEST_ARGS='$(PG_LEG_ARGS)'"

bench: setup
	$(MANAGE) seed_demo > /dev/null
	$(PY) bench/lesson_page.py
	$(PY) bench/content.py
	@scripts/ensure-postgres.sh && $(PY) bench/exam_burst.py || echo "exam burst skipped: it needs PostgreSQL"
	@scripts/ensure-postgres.sh && $(PY) bench/certificates.py || echo "certificates bench skipped: it needs PostgreSQL"
	@scripts/ensure-postgres.sh && $(PY) bench/tracking.py || echo "tracking bench skipped: it needs PostgreSQL"

bench-exam: setup
	@scripts/ensure-postgres.sh
	$(PY) bench/exam_burst.py

bench-certificates: setup
	@scripts/ensure-postgres.sh
	$(PY) bench/certificates.py

bench-tracking: setup
	@scripts/ensure-postgres.sh
	$(PY) bench/tracking.py

# Package imports over the real corpora and the lesson page of real H5P content, on a
# throw-away SQLite database and media folder (bench/content.py).
bench-content: setup
	$(PY) bench/content.py

bench-questions: setup
	$(PY) bench/questions.py

# Catalogue search latency over 500 lessons on a throw-away SQLite database, and on a
# throw-away PostgreSQL database when DATABASE_URL points at PostgreSQL (bench/search.py).
bench-search: setup
	$(PY) bench/search.py

# Bytes a first and a repeat visit transfer on the officer's pages (bench/page_weight.py).
bench-pages: setup
	$(PY) bench/page_weight.py

# Concurrent xAPI statements and exam autosaves against make run's server on a throw-away
# SQLite database, with Django's SQLite defaults and with the project's options
# (bench/sqlite_concurrency.py).
bench-sqlite: setup
	$(PY) bench/sqlite_concurrency.py

# The multi-node proof in full (bench/multinode.py): nginx, BENCH_INSTANCES app instances, the
# task worker, Redis and SeaweedFS on a throw-away PostgreSQL database; needs what the
# suite's deployment tests need (browser-deps: nginx, redis-server).
bench-multinode: setup browser-deps
	@scripts/ensure-postgres.sh
	$(PY) bench/multinode.py

# The signed-in lesson page beside the closest Wagtail peer's (wagtail-lms 0.11.1) under the
# same wrk load, both under gunicorn with 2 sync workers (bench/side_by_side.sh): the peer is
# installed and seeded once in PEER_HOME (its install.sh may apt-get wrk), ours runs on a
# throw-away SQLite database (the dev database is not touched, so no migrate here).
# TESTS, ROUNDS, CONNS, DUR, WARM as the peer's side_by_side.sh.
bench-side: $(STAMP_PY) $(STAMP_NODE)
	bench/side_by_side.sh

# Pin what installs: resolve pyproject.toml (with the dev extra) in a fresh virtualenv and
# write every version to requirements.lock, which 'make setup' installs as constraints.
lock:
	@py=$$(command -v python$(PYTHON_VERSION)); rm -rf var/lockvenv; "$$py" -m venv var/lockvenv
	var/lockvenv/bin/python -m pip install --quiet --upgrade pip
	var/lockvenv/bin/python -m pip install --quiet -e ".[dev]"
	{ sed -n '1,3p' requirements.lock; var/lockvenv/bin/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock; rm -rf var/lockvenv

messages: $(STAMP_PY)
	$(MANAGE) makemessages --all --ignore=.venv --ignore=node_modules --ignore=staticfiles --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules var staticfiles
