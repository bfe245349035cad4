# xinyong — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test check lint pytest bench lock system-deps clean

## Bootstrap uv into a private venv (nothing installed system-wide).
$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

## The project's virtualenv, exactly as pinned (with hashes) in requirements.lock.
$(VENV)/.installed: requirements.lock pyproject.toml | $(UV)
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

install: $(VENV)/.installed

## Create/migrate var/xinyong.db, load the demo once, serve http://127.0.0.1:8000.
run: install
	scripts/system-deps.sh run
	$(BIN)/xinyong db upgrade
	$(BIN)/xinyong demo
	XINYONG_DEMO=1 $(BIN)/xinyong serve --host $(HOST) --port $(PORT)

## Install what the tests need (PostgreSQL, Chromium), start a throwaway cluster, run it all.
test: install system-deps
	scripts/with-postgres.sh $(MAKE) --no-print-directory check

check: lint pytest

lint: install
	$(BIN)/ruff check xinyong tests bench
	$(BIN)/ruff format --check xinyong/core/migrations/versions
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

bench: install system-deps
	scripts/with-postgres.sh $(BIN)/python -m bench

system-deps:
	scripts/system-deps.sh

## Re-resolve dependencies and rewrite requirements.lock (hashes, no index URLs).
lock: | $(UV)
	$(UV) lock --python $(PYTHON)
	$(UV) export --frozen --all-groups --no-emit-project --no-header -o requirements.lock

clean:
	rm -rf $(VENV) $(TOOLS) var .mypy_cache .ruff_cache .pytest_cache .hypothesis
