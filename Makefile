# EOCIC Cluster Toolkit — every routine has a target. `make reports` and `make test` do all
# set-up on a fresh machine with Python >= 3.11 and make: the virtual environment, the
# project's packages, the demo data and (for the browser tests) Debian's chromium.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO := data/demo/panel.parquet data/demo/context.parquet

.PHONY: all setup demo data reports test test-fast app bench lint format clean browser pdf-libs

all: reports

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

setup: $(STAMP)

$(DEMO) &: $(STAMP) toolkit/demo.py data/reference/nuts2016_regions.csv data/reference/sectors.csv parameters/indicators.yaml
	$(BIN)/toolkit data demo

demo data: $(DEMO)

# Debian's chromium for the Playwright browser tests (browsers cannot be downloaded here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's pango libraries for WeasyPrint, which renders each report's PDF (A4).
pdf-libs:
	@/sbin/ldconfig -p 2>/dev/null | grep -q libpango-1.0 || { \
	  echo "installing Debian's pango libraries for the PDF reports"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; }

# The main job: assessment reports of the 10 pilot regions and the joint-challenges synthesis.
reports: $(STAMP) $(DEMO) pdf-libs
	$(BIN)/toolkit stars
	$(BIN)/toolkit batch --regions pilot --jobs 2
	@echo "open $(CURDIR)/reports/index.html (reports of the 10 pilot regions, joint_challenges.html)"

# Serve the web apps on http://127.0.0.1:8866 (see README "Serving the apps").
app: $(STAMP) $(DEMO)
	$(BIN)/toolkit app

test: $(STAMP) $(DEMO) browser pdf-libs
	$(BIN)/python -m pytest

test-fast: $(STAMP) $(DEMO)
	$(BIN)/python -m pytest -m "not browser and not slow"

bench: $(STAMP) $(DEMO)
	$(BIN)/python -m tests.benchmarks

lint: $(STAMP)
	$(BIN)/ruff check toolkit tests
	$(BIN)/ruff format --check toolkit tests

format: $(STAMP)
	$(BIN)/ruff format toolkit tests
	$(BIN)/ruff check --fix toolkit tests

clean:
	rm -rf reports/* data/demo .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
