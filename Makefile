# callaudit — two commands on a fresh machine:
#   make demo   synthetic call centre -> local Twilio emulator -> ingest -> spark-pipelines -> gold -> report
#   make test   the whole test suite
# Everything they need (venv with pinned packages, Delta jars, Chromium for the browser tests) is installed
# by the targets below, once, and cached.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CALLS  ?= 12
DAYS   ?= 3
SEED   ?= 7

.PHONY: demo test test-fast bench lint fmt clean distclean setup jars system-deps help

help:
	@echo "make demo       run the whole product end to end on the embedded default (writes lakehouse/, report.html)"
	@echo "make test       run the whole test suite"
	@echo "make test-fast  unit tests only (no Spark, no speech model)"
	@echo "make bench      benchmarks -> docs/BENCHMARKS.md"
	@echo "make lint       ruff"
	@echo "make clean      remove the local lakehouse (keeps the venv and caches)"

$(STAMP): pyproject.toml testkit/pyproject.toml constraints.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -c constraints.txt -e ".[local,dev]" -e ./testkit
	@touch $(STAMP)

setup: $(STAMP) jars

jars: $(STAMP)
	$(PY) -m callaudit.lakehouse.jars

# Chromium for the report's browser tests (Debian package; no browser download by a test tool).
system-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || scripts/install_system_deps.sh

demo: setup
	$(VENV)/bin/callaudit demo --calls $(CALLS) --days $(DAYS) --seed $(SEED)

test: setup system-deps
	$(VENV)/bin/pytest -q

test-fast: $(STAMP)
	$(VENV)/bin/pytest -q tests/unit -m "not asr"

bench: setup
	$(VENV)/bin/callaudit bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

fmt: $(STAMP)
	$(VENV)/bin/ruff format .

clean:
	rm -rf lakehouse test-output report.html

distclean: clean
	rm -rf $(VENV) .cache
