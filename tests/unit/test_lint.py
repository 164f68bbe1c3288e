"""The code base stays lint-clean: ruff on the Python, sqlfluff on the ready BI SQL, and the
import-linter contracts of pyproject.toml hold (the layers of the product, the tools kept
apart). sqlfluff on the dbt models compiles every model (about a minute): `make lint` runs it,
and `make test` runs `make lint` before pytest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.settings import REPO_ROOT

PYTHON_TREES = ("orchestration", "tools", "tests", "bi")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def test_ruff_check_is_clean() -> None:
    result = _run("ruff", "check", *PYTHON_TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run("ruff", "format", "--check", *PYTHON_TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_contracts_are_kept() -> None:
    # lint-imports is the console script of import-linter (no `python -m` entry point)
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_sqlfluff_is_clean_on_ready_bi_sql() -> None:
    result = _run("sqlfluff", "lint", "--templater", "raw", "bi/sql")
    assert result.returncode == 0, result.stdout + result.stderr
