# Two commands: `make demo` (set up, then run the pipeline on the bundled offline demo)
# and `make test` (set up, then run every test). Both create .venv in the checkout if missing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: demo test test-fast setup browser clean train

# Rebuild the learned reader's shipped models (nlp/models/<lang>/) from the claims corpus; ../shared must be
# beside the checkout. Deterministic; a few minutes on 2 cores.
train: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[train]'
	$(BIN)/python -m onrecord.nlp.learned.train

demo: $(STAMP)
	$(BIN)/onrecord demo

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The quick loop while developing: everything but the slow end-to-end tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Headless Chromium for the browser tests (Datasette pages, digest rendering): Debian's package.
browser:
	@test -x $(CHROMIUM) || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

clean:
	rm -rf $(VENV) *.egg-info artifacts onrecord-demo.db*
