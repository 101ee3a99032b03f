# Cluster Manager Academy: `make run` to try it, `make test` to test it.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# The address the development server listens on: this machine only, unless widened
# (LMS_BIND=0.0.0.0 make run, to try it from another device on the network).
LMS_BIND ?= 127.0.0.1
PYTEST_WORKERS ?= auto
# The site's own environment, for `make run` and `make prepare` only: the test targets must never
# inherit it (pytest takes DJANGO_SETTINGS_MODULE from the environment before pyproject.toml).
RUN_ENV := LMS_DATA_DIR="$${LMS_DATA_DIR:-$(CURDIR)/var}" \
	LMS_BASE_URL="$${LMS_BASE_URL:-http://localhost:$(PORT)}" \
	DJANGO_SETTINGS_MODULE="$${DJANGO_SETTINGS_MODULE:-lms.settings.dev}"
PYTEST := env -u DJANGO_SETTINGS_MODULE -u LMS_BASE_URL $(VENV)/bin/pytest --ds=lms.settings.test

.PHONY: help install interop-counterparts run prepare test test-faults test-scale test-interop e2e lint format messages audit bench attack-replay clean

help:
	@echo "make run          start the site, a Celery worker and beat on PORT (default 8000)"
	@echo "make test         run the test suite (unit and integration)"
	@echo "make test-faults  run the slow fault-injection tests (needs PostgreSQL and Redis)"
	@echo "make test-scale   two web hosts, two workers, beat and an S3 server (needs PostgreSQL and Redis)"

	@echo "make test-interop run xAPI and LTI 1.3 against a real LRS (Ralph) and LTI platform"
	@echo "make e2e          run the browser journeys in Chromium"
	@echo "make lint         ruff, the import-linter contracts, Django's checks and missing migrations"
	@echo "make attack-replay  issue 17's attacks against a running site (needs PostgreSQL and Redis)"

# uv installs the dependencies in seconds where pip takes minutes; pip is the fallback.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check uv 2>/dev/null || true
	@if [ -x $(VENV)/bin/uv ]; then \
		$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]'; \
	else \
		$(PY) -m pip install --quiet -e '.[dev]'; \
	fi
	@touch $@

install: $(VENV)/.installed

# The counterparts of the interoperability tests (Ralph's LRS, an LTI 1.3 platform) in their own
# environment: Ralph pins FastAPI, python-jose and click versions the site must not be held to.
INTEROP_VENV := .venv-interop
$(INTEROP_VENV)/.installed: tests/interop/requirements.txt
	@test -x $(INTEROP_VENV)/bin/python || $(PYTHON) -m venv $(INTEROP_VENV) || python3 -m venv $(INTEROP_VENV)
	@$(INTEROP_VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv 2>/dev/null || true
	@if [ -x $(INTEROP_VENV)/bin/uv ]; then \
		$(INTEROP_VENV)/bin/uv pip install --quiet --python $(INTEROP_VENV)/bin/python -r tests/interop/requirements.txt; \
	else \
		$(INTEROP_VENV)/bin/python -m pip install --quiet -r tests/interop/requirements.txt; \
	fi
	@touch $@

interop-counterparts: $(INTEROP_VENV)/.installed

messages: install
	$(VENV)/bin/pybabel compile --use-fuzzy -d locale -D django -f 2>&1 | grep -v '^compiling' || true

prepare: install messages
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_curriculum
	$(RUN_ENV) $(PY) manage.py create_demo_accounts

run: prepare
	@$(RUN_ENV) sh -c 'echo "Starting web on $$LMS_BASE_URL, a Celery worker and beat. Ctrl-C stops all three."'
	$(RUN_ENV) LMS_WEB_PORT=$(PORT) LMS_BIND=$(LMS_BIND) $(VENV)/bin/honcho start -f Procfile.dev

test: install messages
	$(PYTEST) -n $(PYTEST_WORKERS) -m "not fault and not e2e and not scale and not interop" $(PYTEST_ARGS)

test-faults: install messages
	$(PYTEST) -m fault -p no:xdist $(PYTEST_ARGS)

# The multi-host test: PostgreSQL and Redis from DATABASE_URL and REDIS_URL (it empties that Redis
# database), a local S3 server, two gunicorn web processes, two Celery workers and beat.
test-scale: install messages
	$(PYTEST) -m scale -p no:xdist $(PYTEST_ARGS)

test-interop: install messages interop-counterparts
	LMS_INTEROP_VENV="$(CURDIR)/$(INTEROP_VENV)" $(PYTEST) -m interop -p no:xdist $(PYTEST_ARGS)

e2e: install messages
	$(PYTEST) -m e2e -p no:xdist $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=lms.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=lms.settings.test $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

audit: install
	$(VENV)/bin/bandit -q -r lms courses certificates -x '*/migrations/*' --severity-level medium
	@# Offline, pip-audit marks every package "not audited" yet ends "No known vulnerabilities
	@# found": say plainly that nothing was checked. Found vulnerabilities fail the target.
	@out=$$($(VENV)/bin/pip-audit --skip-editable --progress-spinner off 2>&1); status=$$?; \
	echo "$$out" | grep -v "could not be audited"; \
	if echo "$$out" | grep -q "could not be audited"; then \
		echo "pip-audit: $$(echo "$$out" | grep -c 'could not be audited') packages NOT audited (no vulnerability database reachable); see docs/security.md"; \
	elif [ $$status -ne 0 ]; then exit $$status; fi

bench: install
	$(PY) bench/progress.py
	$(PY) bench/certificates.py
	$(PY) bench/verify_load.py

# Issue 17's attacks replayed against a site started for the run (gunicorn, production settings,
# a throwaway database beside DATABASE_URL's; REDIS_URL's Redis), then the offline verifier on
# hostile files. Prints each attack's expected refusal and what came back, then refused=N/M.
attack-replay: install
	$(PY) bench/attack_replay.py

clean:
	rm -rf var/test test-results $(INTEROP_VENV)
