#!/usr/bin/env bash
# Create or refresh .venv-bi, the BI client stack of bi/requirements-bi.lock (DuckDB 1.x,
# duckdb-engine, SQLAlchemy < 2.1, polars). Idempotent: does nothing while the installed set
# matches the lock. Prints the venv's python on its last line.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
lock="$repo/bi/requirements-bi.lock"
venv="${CITYGVC_BI_VENV:-$repo/.venv-bi}"
python="${PYTHON:-python3.11}"
stamp="$venv/.citygvc-installed"
want="$(sha256sum "$lock" | cut -d' ' -f1)"

if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" || ! -x "$venv/bin/python" ]]; then
  command -v "$python" >/dev/null || { echo "need $python on PATH" >&2; exit 1; }
  [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$lock" >&2
  echo "$want" > "$stamp"
fi
echo "$venv/bin/python"
