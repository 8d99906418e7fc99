# Productivity Broker. `make run` sets everything up and serves the demo; `make test` runs the tests.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3.11
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: help setup run serve worker beat test bench lint audit format services screenshots reset-demo clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

grants/static/dist/app.css: node_modules/.package-lock.json assets/app.scss assets/build.mjs
	npm run --silent build

setup: $(VENV)/.installed grants/static/dist/app.css ## Install Python and front-end dependencies, build the assets

run: setup ## Set up, migrate, load the demo world and serve it on http://127.0.0.1:5000
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl+C to stop)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

serve: setup ## Serve with gunicorn (production-style; set DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY)
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) --workers 2 --access-logfile - wsgi:app

worker: setup ## Start a Celery worker (needs CELERY_BROKER_URL)
	$(BIN)/celery -A celery_worker worker --loglevel=INFO

beat: setup ## Start Celery beat, the scheduler (needs CELERY_BROKER_URL)
	$(BIN)/celery -A celery_worker beat --loglevel=INFO --schedule instance/celerybeat-schedule

services: ## Make sure PostgreSQL, Redis and Chromium are installed and running (installs them as root)
	bash scripts/ensure-services.sh

test: setup services ## Run every test against real PostgreSQL, Redis, SMTP and Chromium
	$(BIN)/pytest

bench: setup services ## Measure speed; figures go to bench/results.json and docs/performance.md
	$(BIN)/python -m bench

screenshots: setup services ## Refresh the pictures in docs/screenshots from a real browser
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest tests/e2e

lint: setup ## Lint, check formatting, check the direction of imports, and type-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

audit: setup ## Check the installed Python packages for known vulnerabilities (pip-audit)
	bash scripts/audit-dependencies.sh

format: setup ## Format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

reset-demo: ## Delete the quick-start database: the next `make run` makes a fresh demo with new sign-ins
	rm -f instance/productivity-broker.sqlite

clean: ## Remove the virtualenv, front-end packages, built assets and the quick-start database
	rm -rf $(VENV) node_modules grants/static/dist instance
