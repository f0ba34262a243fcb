# iotpki.certificates: developer and CI entry points (GNU make).
#
#   make test        sanity, lint, units, integration, compat (in that order; what .ci/run calls)
#   make compat      units + integration tests marked compat on every other supported ansible-core
#   make demo        build + install the collection, run docs/examples against the simulator twice
#   make simulator   run the simulator in the foreground (SIMULATOR_ARGS="--tls ...")
#   make sanity | lint | units | integration | compat | bench | venv | link | clean | distclean
#
# Needs only Python 3.11+ (PYTHON=python3.12 to choose another), git and make. Tools are
# installed into .venv from the exact pins in tests/requirements.txt; everything else the
# targets produce lives in .build/.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
VENV_BIN := $(CURDIR)/$(VENV)/bin
VPYTHON := $(VENV_BIN)/python
BUILD := $(CURDIR)/.build

NAMESPACE := iotpki
NAME := certificates
COLLECTIONS := $(BUILD)/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/$(NAMESPACE)/$(NAME)

REQUIREMENTS := tests/requirements.txt
BENCH_REQUIREMENTS := tests/requirements-bench.txt
VENV_STAMP := $(VENV)/.iotpki-requirements.stamp
BENCH_STAMP := $(VENV)/.iotpki-bench-requirements.stamp

# Python version ansible-test sanity runs with (must be the version of $(VENV)).
SANITY_PYTHON ?= 3.11
# local: ansible-test runs from $(VENV); venv: it first builds its own controller venv (~40 s more).
# Either way every sanity test runs in the virtual environment ansible-test makes for it.
SANITY_MODE ?= local
SANITY_ARGS ?=
LINT_ARGS ?=
UNITS_TESTS ?= tests/unit tests/simulator/tests
UNITS_ARGS ?=
# One simulator per pytest-xdist worker; INTEGRATION_WORKERS=0 runs in-process.
INTEGRATION_WORKERS ?= 2
INTEGRATION_TESTS ?= tests/integration
INTEGRATION_ARGS ?=
SIMULATOR_ARGS ?=
SIMULATOR_PATH := $(CURDIR)/tests/simulator

# pip without the machine's "Location ... is ignored" lines (tests/tools/quiet_pip.py).
PIP := $(VPYTHON) $(CURDIR)/tests/tools/quiet_pip.py
PYTEST := $(VPYTHON) -m pytest -p no:cacheprovider

# Every tool sees the live working tree as the installed collection.
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_NOCOLOR := 1
export PY_COLORS := 0
export PATH := $(VENV_BIN):$(PATH)
unexport PYTHONPATH

.PHONY: help venv link sanity lint units integration compat test simulator demo bench clean distclean

help:
	@sed -n '3,11s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

# ---------------------------------------------------------------------------------------------
# Tools

venv: $(VENV_STAMP)

# The simulator is installed as its own package (editable: the working tree is what runs).
$(VENV_STAMP): $(REQUIREMENTS) tests/simulator/pyproject.toml
	@if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
	  echo "error: $(PYTHON) is older than Python 3.11 (set PYTHON=python3.11 or newer)" >&2; exit 1; fi
	@test -x $(VPYTHON) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r $(REQUIREMENTS)
	$(PIP) install --quiet -e ./tests/simulator
	@touch $@

$(BENCH_STAMP): $(BENCH_REQUIREMENTS) $(VENV_STAMP)
	$(PIP) install --quiet -r $(BENCH_REQUIREMENTS)
	@touch $@

# .build/collections/ansible_collections/iotpki/certificates -> the repository (relative link).
link: $(COLLECTION_LINK)

$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

# ---------------------------------------------------------------------------------------------
# Tests

sanity: venv
	$(VPYTHON) tests/tools/sanity.py --python $(SANITY_PYTHON) --mode $(SANITY_MODE) -- $(SANITY_ARGS)

lint: venv link
	$(VENV_BIN)/ansible-lint --offline $(LINT_ARGS)

# pytest exits 5 when it collects no tests: reported, not a failure.
# The simulator's own tests import the package from this clone (tests/simulator), whatever the venv holds.
units: venv link
	PYTHONPATH=$(COLLECTIONS):$(SIMULATOR_PATH) $(PYTEST) $(UNITS_TESTS) $(UNITS_ARGS) \
	  || { rc=$$?; [ $$rc -eq 5 ] && echo "units: no tests collected" || exit $$rc; }

integration: venv link
	PYTHONPATH=$(COLLECTIONS) $(PYTEST) -v $(INTEGRATION_TESTS) \
	  $(if $(filter-out 0,$(INTEGRATION_WORKERS)),-n $(INTEGRATION_WORKERS)) $(INTEGRATION_ARGS) \
	  || { rc=$$?; [ $$rc -eq 5 ] && echo "integration: no tests collected" || exit $$rc; }

test:
	@$(MAKE) --no-print-directory sanity
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory units
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory compat
	@echo "make test: sanity, lint, units, integration and compat passed"

# ---------------------------------------------------------------------------------------------
# Compatibility stage: every ansible-core minor of requires_ansible (meta/runtime.yml)
#
# The unit tests and the integration tests marked `compat` (see tests/conftest.py) on each
# version of COMPAT_VERSIONS, in its own venv .build/compat/<version> made from
# tests/requirements-compat-<version>.txt. 2.19 is the .venv's: the units and integration stages
# run it with every test. ansible-core 2.20 and later need Python 3.12+ on the controller:
# COMPAT_PYTHON312 (default: the first python3.12 or python3.13 that runs, else one that pyenv
# installed); without one those versions are reported as skipped, not passed.
COMPAT_VERSIONS ?= 2.17 2.18 2.20 2.21
COMPAT_WORKERS ?= 2
COMPAT_ARGS ?=
COMPAT := $(BUILD)/compat
COMPAT_PYTHON312 ?= $(shell for python in python3.12 python3.13 $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3; do \
  "$$python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v "$$python"; break; }; done)
compat_python = $(if $(filter 2.17 2.18 2.19,$(1)),$(PYTHON),$(COMPAT_PYTHON312))
# One pytest run per version, both workers busy to the end: the integration tests marked compat
# first (the long ones), then the unit tests. Left out, as not a version check (make units runs them):
# - tests/unit/test_docs_current.py compares docs/reference with what the .venv's ansible-doc renders;
# - the fuzz tests of the parsers and signers run plain Python of the collection, no ansible-core
#   (the fuzz tests that go through ansible-core's argument validation stay).
# --import-mode=importlib: unit and integration test files share some names.
COMPAT_TESTS := tests/integration tests/unit --ignore=tests/unit/test_docs_current.py \
  --ignore=tests/unit/fuzz/test_fuzz_parsers.py --ignore=tests/unit/fuzz/test_fuzz_signers.py

compat: link
	@started=$$(date +%s); \
	for version in $(COMPAT_VERSIONS); do \
	  $(MAKE) --no-print-directory compat-$$version; \
	done; \
	echo "compat: ansible-core $(COMPAT_VERSIONS) done in $$(( $$(date +%s) - started )) s"

$(COMPAT)/%/.stamp: tests/requirements-compat-%.txt tests/requirements-compat.txt
	rm -rf $(COMPAT)/$*
	$(COMPAT_VENV_PYTHON) -m venv $(COMPAT)/$*
	$(COMPAT)/$*/bin/python tests/tools/quiet_pip.py install --quiet -r $<
	@touch $@

compat-%: link
	@python='$(call compat_python,$*)'; \
	if [ -z "$$python" ]; then \
	  echo "compat: ansible-core $* SKIPPED: it needs Python 3.12+ on the controller and none was found (set COMPAT_PYTHON312)"; \
	  exit 0; \
	fi; \
	started=$$(date +%s); \
	$(MAKE) --no-print-directory $(COMPAT)/$*/.stamp COMPAT_VENV_PYTHON="$$python"; \
	export PATH=$(COMPAT)/$*/bin:$$PATH PYTHONPATH=$(COLLECTIONS):$(CURDIR)/tests/simulator; \
	$(COMPAT)/$*/bin/python -c 'import sys, ansible.release as r; print("compat: ansible-core %s, Python %s" % (r.__version__, sys.version.split()[0]))'; \
	$(COMPAT)/$*/bin/python -m pytest -p no:cacheprovider --import-mode=importlib -q -rs -m 'compat or not integration' \
	  $(COMPAT_TESTS) -n $(COMPAT_WORKERS) $(COMPAT_ARGS); \
	echo "compat: ansible-core $* passed in $$(( $$(date +%s) - started )) s"

# ---------------------------------------------------------------------------------------------
# Simulator, demo, benchmark

# Like the integration harness, the demo and the benchmarks: python -m iotpki_sim from this clone.
simulator: venv
	PYTHONPATH=$(SIMULATOR_PATH) $(VPYTHON) -m iotpki_sim $(SIMULATOR_ARGS)

demo: venv
	PYTHONPATH=$(SIMULATOR_PATH) $(VPYTHON) tests/tools/demo.py --build $(BUILD)

bench: $(BENCH_STAMP) link
	@if [ -f tests/perf/run.py ]; then \
	  PYTHONPATH=$(COLLECTIONS):$(CURDIR)/tests/lib:$(CURDIR)/tests/integration:$(SIMULATOR_PATH) $(VPYTHON) tests/perf/run.py; \
	else echo "bench: tests/perf/run.py does not exist yet, nothing to run"; fi

# ---------------------------------------------------------------------------------------------

clean:
	rm -rf .build tests/output .pytest_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
