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
JAVA_PACKAGE := openjdk-17-jre-headless
APT_PACKAGES := chromium chromium-driver $(JAVA_PACKAGE)
# `CITYGVC_ENGINE=spark make run` sets up Spark first: Java and .venv-spark.
ENGINE_DEPS := $(if $(filter spark,$(CITYGVC_ENGINE)),java spark-venv)

# `make test-fast`: lint-fast + the unit tests and dbt unit tests, no refresh, no demo catalog
# refresh (`-m "not slow"`; tests/conftest.py marks every user of the shared demo refresh slow).
# The dbt unit-test files join it once they exist.
FAST_TESTS := tests/unit $(wildcard tests/dbt/test_dbt_unit_tests.py tests/dbt/test_dbt_project_rules.py)
PYTHON_TREES := orchestration tools tests bi

.PHONY: venv run test test-fast lint lint-fast bi-venvs spark-venv java ui serve bench report superset clean apt-deps manifest

venv: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP) $(ENGINE_DEPS)
	$(VENV)/bin/citygvc refresh

# The dbt manifest the code location loads (a no-op when it is up to date).
manifest: $(STAMP)
	$(PY) -m orchestration.warehouse.dbt

# Everything (what CI runs): the full lint, then unit, dbt and integration tests with one
# shared demo refresh. The BI client venvs are installed first (set-up, not tests).
test: $(STAMP) apt-deps manifest lint bi-venvs spark-venv
	$(PY) -m pytest

# .venv-spark (dbt-spark and pyspark, the Spark engine): rebuilt only when its lock changes.
spark-venv:
	bash dbt_project/spark/setup_spark_venv.sh >/dev/null

# .venv-bi (DuckDB 1.x clients) and .venv-superset: each rebuilt only when its lock changes.
bi-venvs:
	bash bi/setup_bi_venv.sh >/dev/null
	SUPERSET_HOME=$(abspath $(CITYGVC_DATA_DIR))/superset-install bash bi/superset/setup.sh --install

# The fast loop: lint-fast, then the tests that need neither a refresh nor external tools.
test-fast: lint-fast manifest
	$(PY) -m pytest $(FAST_TESTS) -m "not slow"

# Python lint, the import contracts and the ready BI SQL: a few seconds.
lint-fast: $(STAMP)
	$(PY) -m ruff check $(PYTHON_TREES)
	$(PY) -m ruff format --check $(PYTHON_TREES) docs README.md
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m sqlfluff lint --templater raw bi/sql

# All of lint-fast plus sqlfluff on the dbt models (the dbt templater compiles every model: ~1 min).
lint: lint-fast
	$(PY) -m sqlfluff lint dbt_project/models dbt_project/tests

# Debian packages installed when missing (CI runs as root; elsewhere through sudo).
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

apt-deps:
	$(call apt_install,$(APT_PACKAGES))

# The Spark engine's Java (CITYGVC_ENGINE=spark, docs/scale-out.md).
java:
	$(call apt_install,$(JAVA_PACKAGE))

ui: $(STAMP)
	$(VENV)/bin/citygvc ui

# A server without systemd: the Dagster daemon and web server (127.0.0.1:3000) of
# deploy/systemd/ in the foreground, with the settings of the environment. Ctrl-C stops both,
# and so does either one exiting. `make ui` (dagster dev) is for development.
DAGSTER_CODE := -m orchestration.definitions
serve: $(STAMP) manifest
	$(PY) -m orchestration.settings --prepare
	@$(VENV)/bin/dagster-daemon run $(DAGSTER_CODE) & daemon=$$!; \
	$(VENV)/bin/dagster-webserver -h 127.0.0.1 -p 3000 $(DAGSTER_CODE) & web=$$!; \
	trap 'kill $$daemon $$web 2>/dev/null' INT TERM; \
	wait -n; status=$$?; kill $$daemon $$web 2>/dev/null; wait; exit $$status

bench: $(STAMP)
	$(VENV)/bin/citygvc bench --scale $(SCALE)

report: $(STAMP)
	$(VENV)/bin/citygvc report

superset: $(STAMP)
	bash bi/superset/setup.sh

clean:
	rm -rf $(VENV) .venv-bi .venv-superset data dbt_project/target dbt_project/logs bi/semantic/target
