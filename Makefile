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

.PHONY: demo test install browser node serve check lint lock bench clean

# Installs come from the lock files (requirements/, with hashes): the demo needs only the runtime ones.
RUNTIME_STAMP := $(VENV)/.installed-runtime
$(RUNTIME_STAMP): requirements/runtime.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/runtime.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(STAMP): requirements/test.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/test.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@ $(RUNTIME_STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here), GNU
# gettext for the test that re-extracts the translatable messages, and w3m for the text-browser test.
browser:
	@missing=""; [ -x /usr/bin/chromium ] || missing="chromium"; command -v xgettext >/dev/null || missing="$$missing gettext"; \
	command -v w3m >/dev/null || missing="$$missing w3m"; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then \
	  echo "Installing Debian's$$missing for the tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# axe-core (the accessibility rules the browser tests run), pinned in package-lock.json, from the npm registry.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Without npm the accessibility tests say what is missing (skipped on a laptop, a failure in CI).
node:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(AXE); \
	else echo "npm is missing: the accessibility tests will say so (apt-get install npm)"; fi

demo: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py load_demo
	@echo
	@echo "Deliberate is serving on http://$(HOST):$(PORT)/  (Ctrl-C stops it; emails are printed here)"
	$(BIN)/daphne --bind $(HOST) --port $(PORT) --access-log /dev/null deliberate.asgi:application

serve: $(RUNTIME_STAMP)
	$(BIN)/daphne --bind $(HOST) --port $(PORT) --access-log /dev/null deliberate.asgi:application

test: install browser node lint
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

# The linters, formatter and layer contracts (docs/architecture.md); `make test` runs them first.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Re-resolve the lock files after a change of the dependencies in pyproject.toml.
lock:
	uvx_dir=$$(mktemp -d) && $(PYTHON) -m pip install --quiet --target $$uvx_dir uv && \
	PYTHONPATH=$$uvx_dir $(PYTHON) -m uv pip compile pyproject.toml --python-version 3.11 --python-platform linux \
	  --generate-hashes --custom-compile-command "make lock" -o requirements/runtime.txt && \
	PYTHONPATH=$$uvx_dir $(PYTHON) -m uv pip compile pyproject.toml --extra test --python-version 3.11 \
	  --python-platform linux --generate-hashes --custom-compile-command "make lock" -o requirements/test.txt

# The benchmarks (bench/): small sizes in a few minutes, full sizes with `make bench BIG=1`; one table at the
# end. They use their own database (deliberate_bench) and Redis database (9) unless DATABASE_URL/REDIS_URL say.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/deliberate_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/9
bench: install browser
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	DATABASE_URL="$(BENCH_DATABASE_URL)" REDIS_URL="$(BENCH_REDIS_URL)" $(BIN)/python -m bench.run $(if $(BIG),--big)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis *.egg-info
