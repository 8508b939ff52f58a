# Two entry points (see README "Quick start"):
#   make run   install into .venv and run the bundled baseline scenario
#   make test  install everything the tests need (incl. Chromium and offline page assets) and run them
VENV := .venv
PY := $(VENV)/bin/python
SCENARIO ?= scenarios/baseline.toml
PYTEST_ARGS ?=

.PHONY: run test install install-test browser-deps bench

run:
	scripts/bootstrap.sh viz,calibrate
	$(VENV)/bin/socsim run $(SCENARIO)

install:
	scripts/bootstrap.sh viz,calibrate

install-test:
	scripts/bootstrap.sh viz,test,calibrate

browser-deps: install-test
	bash .ci/install_browser.sh
	$(PY) -m sim.viz.assets

test: browser-deps
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench:
	scripts/bootstrap.sh viz,test,calibrate,bench
	$(PY) benchmarks/run_all.py
