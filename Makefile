# make run   - the whole stack on embedded defaults (Temporal dev server, SQLite), http://127.0.0.1:8000
# make test  - the whole test suite (unit, workflow, integration, browser)
# make bench - benchmarks, results in bench/results/
# Each target bootstraps .venv itself; system packages (chromium, postgresql, CJK font) come from apt.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
APT_PACKAGES := chromium postgresql fonts-wqy-microhei

.PHONY: install system-deps run test bench lint translations clean-data

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) is required"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@if [ -d core/translations ]; then $(VENV)/bin/pybabel compile --use-fuzzy -d core/translations -D messages -q 2>/dev/null || $(VENV)/bin/pybabel compile -d core/translations -D messages; fi

# Debian packages the browser, PostgreSQL and PDF tests need; installed only when missing (needs root).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "make: please install:$$missing (apt-get, as root)"; fi; \
	fi

run: install
	$(PY) scripts/stack.py

test: install system-deps
	$(PY) -m pytest

bench: install
	$(PY) -m bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

clean-data:
	rm -rf data/
