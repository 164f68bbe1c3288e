# citygvc — every target bootstraps .venv from pyproject.toml + requirements.lock when it is
# missing or stale, then does its job. Never installs globally (only Debian packages for tests).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.citygvc-installed
export CITYGVC_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(abspath $(CITYGVC_DATA_DIR))/dagster
export GX_ANALYTICS_ENABLED := false
export DAGSTER_DISABLE_TELEMETRY := true
SCALE ?= national
# Debian packages the test suite needs (installed by `make test` when missing; CI runs as root).
APT_PACKAGES := chromium chromium-driver

.PHONY: run test ui bench report superset lint venv clean apt-deps

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/citygvc refresh

test: $(STAMP) apt-deps
	$(PY) -m orchestration.warehouse.dbt
	bash bi/setup_bi_venv.sh >/dev/null
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check orchestration tests bi
	$(PY) -m sqlfluff lint dbt_project/models dbt_project/tests
	$(PY) -m sqlfluff lint --templater raw bi/sql

apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

ui: $(STAMP)
	$(VENV)/bin/citygvc ui

bench: $(STAMP)
	$(VENV)/bin/citygvc bench --scale $(SCALE)

report: $(STAMP)
	$(VENV)/bin/citygvc report

superset: $(STAMP)
	bash bi/superset/setup.sh

clean:
	rm -rf $(VENV) .venv-bi .venv-superset data dbt_project/target dbt_project/logs bi/semantic/target
