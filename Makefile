# Two commands: `make run` sets up and serves the hub, `make test` sets up and runs the tests.
# `make bench` measures the hub under load (bench/README is in README.md's Benchmark section).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Apps with their own translation catalogue in <app>/locale/.
TRANSLATED_APPS := rooms telegrambot

.PHONY: run test lint messages check-python clean

run: $(VENV)/.runtime-installed
	$(BIN)/python -m spirtuoz.envfile
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python -m spirtuoz.serve

test: $(VENV)/.dev-installed
	$(BIN)/pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	ENV_FILE= SECRET_KEY=lint HOST_SECRET=lint-placeholder-secret $(BIN)/python manage.py makemigrations --check --dry-run

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

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

clean:
	rm -rf $(VENV) staticfiles test-db.sqlite3
