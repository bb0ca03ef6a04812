# Socialcare: `make run` to try it, `make test` to test it. Everything installs into .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
PG_URL ?= postgres://postgres@127.0.0.1:5432/socialcare
REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: run test test-postgres lint typecheck migrations-check bench bench-ingest bench-quality bench-enrich messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## Run the whole product with the demo (web, worker, scheduler, sandbox network, demo traffic).
run: $(STAMP)
	$(BIN)/socialcare run --demo

## Install the development dependencies and run the whole suite (SQLite, embedded broker, browser).
test: $(DEVSTAMP)
	$(BIN)/python -m pytest

## The same suite on PostgreSQL, plus the integration lane with a real Celery worker on Redis.
test-postgres: $(DEVSTAMP)
	DATABASE_URL=$(PG_URL) SOCIALCARE_BROKER_URL=$(REDIS_URL) $(BIN)/python -m pytest -m "not browser"

lint: $(DEVSTAMP)
	$(BIN)/ruff check .

typecheck: $(DEVSTAMP)
	$(BIN)/mypy src/socialcare/core src/socialcare/channels

migrations-check: $(DEVSTAMP)
	SOCIALCARE_VAR_DIR=$$(mktemp -d) $(BIN)/python manage.py makemigrations --check --dry-run

bench: bench-ingest bench-quality bench-enrich

bench-ingest: $(DEVSTAMP)
	$(BIN)/python benchmarks/ingest.py

bench-quality: $(DEVSTAMP)
	$(BIN)/python benchmarks/quality.py

bench-enrich: $(DEVSTAMP)
	$(BIN)/python benchmarks/enrich.py

## Recompile the German and Dutch UI translations after editing the .po files.
messages: $(DEVSTAMP)
	cd src/socialcare && ../../$(BIN)/python ../../manage.py compilemessages

clean:
	rm -rf $(VENV) var
