#!/usr/bin/env bash
# Create or refresh .venv-spark, the Spark engine's environment of dbt_project/spark/
# requirements.lock (dbt-core, dbt-spark with its session method, pyspark). Its own venv:
# Great Expectations, in the product's venv, imports pyspark whenever it is installed, and
# pyspark's Connect client then ends a spawned ingest worker (it takes the worker for a doctest
# run). Idempotent: does nothing while the installed set matches the lock. Prints the venv's
# dbt on its last line. Spark needs a JVM: Debian's openjdk-17-jre-headless (make apt-deps).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
lock="$repo/dbt_project/spark/requirements.lock"
venv="${CITYGVC_SPARK_VENV:-$repo/.venv-spark}"
python="${PYTHON:-python3.11}"
stamp="$venv/.citygvc-installed"
want="$(sha256sum "$lock" | cut -d' ' -f1)"

if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" || ! -x "$venv/bin/dbt" ]]; then
  command -v "$python" >/dev/null || { echo "need $python on PATH" >&2; exit 1; }
  [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin/dbt"
