# Two commands do everything on a fresh machine:
#   make run    the product on its embedded defaults (SQLite, filesystem broker, demo data,
#               web + the default and campaigns Celery workers + beat); Ctrl-C stops all of it
#   make test   lint and the whole test suite (against DATABASE_URL / REDIS_URL when set)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test lint pytest messages bench bench-campaigns bench-faults bench-load system-deps install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed messages
install-dev: $(VENV)/.installed-dev messages

# The translations' .mo files, compiled from locale/*/LC_MESSAGES/django.po (never committed;
# README.md, "Languages"). Needs gettext's msgfmt (make system-deps); without it the pages are in
# English and this says so, so that `make run` still works on a fresh machine (the i18n tests,
# which CI runs after make system-deps, fail without it).
messages: | $(BIN)/python
	@# A settings-only command: the development key is enough, no secret is read or written.
	@if command -v msgfmt >/dev/null; then \
	  DJANGO_DEBUG=true $(BIN)/python manage.py compilemessages --ignore .venv --verbosity 0; \
	else \
	  echo "gettext's msgfmt is missing: pages stay in English until 'sudo make system-deps' and 'make messages'."; \
	fi

# The demo's own secret key: random, in var/ (never committed), read by every command run in this
# checkout when DJANGO_SECRET_KEY is not set, so `manage.py send_promotion` works by hand too.
# Production sets DJANGO_SECRET_KEY instead (README.md, "Running in production").
var/secret_key: | $(BIN)/python
	mkdir -p var
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@.tmp
	mv $@.tmp $@

run: install var/secret_key
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	@echo "Portal: http://127.0.0.1:$(PORT)/  admin: http://127.0.0.1:$(PORT)/admin/  (logins in README.md)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} PORT=$(PORT) PORTAL_URL=$${PORTAL_URL:-http://127.0.0.1:$(PORT)} \
	  $(BIN)/honcho start

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/djlint templates --lint

pytest: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint pytest

# Debian packages the browser tests, the benchmarks and the translations need (root, or sudo).
system-deps:
	command -v chromium >/dev/null && command -v wrk >/dev/null && command -v msgfmt >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium wrk gettext; }

bench: install-dev
	$(BIN)/python bench/run.py
	$(BIN)/python bench/events.py

# Not in CI, and not in `make bench` (about 10 minutes, most of it making a million customers):
# lifecycle campaigns at scale, in a database of its own (bench/README.md, "Campaigns").
bench-campaigns: install-dev
	$(BIN)/python bench/campaigns.py

# Not in CI: 200 customers at once through locust (about 4 minutes, most of it their sign-ins),
# in a database of its own, bench_load (bench/README.md, "Load").
bench-load: install-dev
	$(BIN)/python bench/load.py

# Not in CI: kills the worker and restarts the Redis on 127.0.0.1:6379 (bench/README.md, "Faults").
bench-faults: install-dev
	$(BIN)/python bench/faults.py

clean:
	rm -rf var .pytest_cache .ruff_cache
