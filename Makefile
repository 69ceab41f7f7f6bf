# Two commands: `make demo` (set up, then run the pipeline on the bundled offline demo)
# and `make test` (set up, then run every test). Both create .venv in the checkout if missing and install the
# pinned versions of requirements.lock, then onrecord itself (`make lock` regenerates the lock).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: demo test test-fast lint typecheck lock setup browser redis clean train

# Rebuild the learned reader's shipped models (nlp/models/<lang>/) from the claims corpus; ../shared must be
# beside the checkout. Deterministic; about fifteen minutes on 2 cores. (The lock holds the train extra.)
train: $(STAMP)
	$(BIN)/python -m onrecord.nlp.learned.train

demo: $(STAMP)
	$(BIN)/onrecord demo

test: $(STAMP) browser redis
	$(BIN)/python -m pytest

# The quick loop while developing: everything but the slow end-to-end tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

setup: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Lint, format check and type check (settings in pyproject.toml); CI runs this before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory typecheck

# mypy checks onrecord (app and core) and the mapped folders in TYPECHECKED; the others are read for their types
# only. The folders exist as onrecord.<name> only in the install, so mypy reads a tree of links laid out as
# installed (build/typecheck/onrecord/...); its messages name files by that layout.
TYPECHECKED := storage crawlers nlp
MAPPED := crawlers nlp storage
TYPETREE := build/typecheck

typecheck:
	rm -rf $(TYPETREE)/onrecord && mkdir -p $(TYPETREE)/onrecord
	ln -s $(CURDIR)/onrecord/* $(TYPETREE)/onrecord/
	for d in $(MAPPED); do ln -s $(CURDIR)/$$d $(TYPETREE)/onrecord/$$d; done
	cd $(TYPETREE) && $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml -p onrecord \
	  $(foreach d,$(filter-out $(TYPECHECKED),$(MAPPED)),--exclude '^onrecord/$(d)/')

# Regenerate requirements.lock from pyproject.toml for Python 3.11: every dependency and the test, dev, train and
# scale extras, pinned. Pins already in the lock are kept where they still fit; `make lock UPGRADE=1` takes the newest.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra dev --extra train --extra scale --python-version 3.11 \
	  --custom-compile-command "make lock" --annotation-style line $(if $(UPGRADE),--upgrade) -o requirements.lock

# Headless Chromium for the browser tests (Datasette pages, digest rendering): Debian's package.
browser:
	@test -x $(CHROMIUM) || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# Redis for the shared crawl frontier's tests (tests/test_crawl_frontier.py starts its own server): Debian's package.
redis:
	@command -v redis-server >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq redis-server; }

clean:
	rm -rf $(VENV) *.egg-info artifacts onrecord-demo.db*
