# Two commands: `make run` sets up and serves the hub, `make test` sets up and runs the tests
# (`make test-fast` leaves out the slow system tests).
# `make bench` measures the hub under load (docs/benchmark.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Apps with their own translation catalogue in <app>/locale/.
TRANSLATED_APPS := rooms telegrambot

.PHONY: run test test-fast lint bench messages check-python clean

run: $(VENV)/.runtime-installed
	$(BIN)/python -m core.envfile
	PATH="$(CURDIR)/$(BIN):$$PATH" bin/prepare
	$(BIN)/python -m server.supervisor

test: $(VENV)/.dev-installed
	$(BIN)/pytest

# The fast loop: every test but the system tests that start processes, servers or a browser.
test-fast: $(VENV)/.dev-installed
	$(BIN)/pytest -m "not slow"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ENV_FILE= SECRET_KEY=lint HOST_SECRET=lint-placeholder-secret $(BIN)/python manage.py makemigrations --check --dry-run

# The hub under load, measured with wrk beside a bare WSGI floor and a Node/Express reference;
# on SQLite and on a throwaway PostgreSQL; writes bench/RESULTS.md. Its own virtualenv holds
# requirements.txt, as deployed, and py-spy (bench/requirements.txt). A quick try:
# make bench BENCH_ARGS="--rooms 50 --seconds 2 --rounds 1 --output /tmp/bench.md".
BENCH_VENV := .venv-bench
bench: $(BENCH_VENV)/.installed
	@command -v wrk >/dev/null || { echo "make bench needs wrk: sudo apt-get install -y wrk (Debian, Ubuntu) or brew install wrk (macOS)"; exit 2; }
	@if command -v npm >/dev/null; then \
		[ -d bench/reference/node_modules ] || (cd bench/reference && npm ci --no-audit --no-fund --silent); \
	else echo "No Node.js/npm: the Node/Express reference is left out (apt-get install -y nodejs npm)"; fi
	$(BENCH_VENV)/bin/python -m bench.run $(BENCH_ARGS)

$(BENCH_VENV)/.installed: requirements.txt bench/requirements.txt | check-python
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	touch $@

# Refresh the catalogues from the code, then compile them. Needs GNU gettext (msgfmt); the
# compiled .mo files are committed, so `make run` and deployments never need it.
messages: $(VENV)/.dev-installed
	for app in $(TRANSLATED_APPS); do \
		(cd $$app && ENV_FILE= SECRET_KEY=messages ../$(BIN)/python ../manage.py makemessages --all --no-location \
			&& ENV_FILE= SECRET_KEY=messages ../$(BIN)/python ../manage.py compilemessages) || exit 1; \
	done

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; run make PYTHON=python3.12 ...")'

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt examples/requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

clean:
	rm -rf $(VENV) $(BENCH_VENV) bench/reference/node_modules clients/typescript/node_modules \
		clients/typescript/dist staticfiles test-db.sqlite3
