# Deliberate — the two commands of the quick start are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The services `make test` uses when they answer (always in CI, where CI=true).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/deliberate
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: demo test install browser serve check bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here), and GNU
# gettext for the test that re-extracts the translatable messages.
browser:
	@missing=""; [ -x /usr/bin/chromium ] || missing="chromium"; command -v xgettext >/dev/null || missing="$$missing gettext"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then \
	  echo "Installing Debian's$$missing for the tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo
	@echo
	@echo "Deliberate is serving on http://$(HOST):$(PORT)/  (Ctrl-C stops it; emails are printed here)"
	$(BIN)/daphne --bind $(HOST) --port $(PORT) --access-log /dev/null deliberate.asgi:application

serve: install
	$(BIN)/daphne --bind $(HOST) --port $(PORT) --access-log /dev/null deliberate.asgi:application

test: install browser
	@set -e; \
	if [ "$$CI" = "true" ] || $(BIN)/python -m tests.services_answer "$(TEST_DATABASE_URL)" "$(TEST_REDIS_URL)"; then \
	  echo "== The whole suite on PostgreSQL and Redis"; \
	  DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" $(BIN)/python -m pytest $(PYTEST_ARGS); \
	  echo "== Smoke tests on the embedded defaults (SQLite, in-memory channel layer)"; \
	  env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest -m smoke $(PYTEST_ARGS); \
	else \
	  echo "PostgreSQL or Redis does not answer: the suite runs on SQLite and the in-memory layer,"; \
	  echo "and the tests that need the real services are skipped (each says so)."; \
	  env -u DATABASE_URL -u REDIS_URL $(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

check: install
	$(BIN)/python manage.py check

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis *.egg-info
