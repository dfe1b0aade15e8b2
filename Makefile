# Developer entry points. Every target works from a fresh Debian 12 checkout: it runs
# scripts/setup.sh first, which does nothing when the machine is already set up.
# Extra pytest arguments: make test PYTEST_ARGS="tests/unit -x"

SHELL := /bin/bash
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
VENV := $(ROOT)/.venv
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup demo test lint bench

help:
	@echo "make setup   system packages, .venv, project install (idempotent)"
	@echo "make demo    central on SQLite with demo data"
	@echo "make test    ruff, then pytest with PostgreSQL and Redis running"
	@echo "make lint    ruff check"
	@echo "make bench   every benchmarks/bench_*.py"

setup:
	@bash "$(ROOT)/scripts/setup.sh"

demo: setup
	"$(VENV)/bin/minimarket" demo

test: setup
	@bash "$(ROOT)/scripts/services.sh" ensure
	@bash "$(ROOT)/scripts/test.sh" $(PYTEST_ARGS)

lint: setup
	cd "$(ROOT)" && "$(VENV)/bin/ruff" check .

# Runs every benchmarks/bench_*.py in turn (see benchmarks/README.md); stops at the first failure.
bench: setup
	@cd "$(ROOT)" && shopt -s nullglob; \
	scripts=(benchmarks/bench_*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "bench: no benchmarks/bench_*.py yet"; fi; \
	for script in "$${scripts[@]}"; do \
		echo "== $$script"; \
		"$(VENV)/bin/python" "$$script" || exit 1; \
	done
